using System.Runtime.Versioning;
using Containerize.Tests.Infrastructure;

namespace Containerize.Tests.Runtime;

/// <summary>
/// A minimal rootfs made from Debian's static busybox: /bin/busybox and its applets as symbolic links, /etc/passwd
/// with root, app (1654) and nobody, /etc/group, and /tmp with mode 1777.
/// </summary>
[SupportedOSPlatform("linux")]
internal static class BusyboxRootfs
{
    public const string Busybox = "/bin/busybox";

    public static async Task<string> CreateAsync(string folder)
    {
        if (!File.Exists(Busybox)) Requirements.Missing("busybox-static is not installed (/bin/busybox)");
        var list = await ProcessRunner.RunAsync(Busybox, ["--list"]);
        list.EnsureSuccess("busybox --list");
        Directory.CreateDirectory(Path.Combine(folder, "bin"));
        File.Copy(Busybox, Path.Combine(folder, "bin", "busybox"));
        File.SetUnixFileMode(Path.Combine(folder, "bin", "busybox"), (UnixFileMode)0x1ED);
        foreach (var applet in list.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (applet == "busybox") continue;
            File.CreateSymbolicLink(Path.Combine(folder, "bin", applet), "busybox");
        }

        Directory.CreateDirectory(Path.Combine(folder, "etc"));
        File.WriteAllText(Path.Combine(folder, "etc", "passwd"),
            "root:x:0:0:root:/root:/bin/sh\napp:x:1654:1654:app:/home/app:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n");
        File.WriteAllText(Path.Combine(folder, "etc", "group"),
            "root:x:0:\napp:x:1654:\nstaff:x:50:app\nnogroup:x:65534:\n");
        Directory.CreateDirectory(Path.Combine(folder, "root"));
        Directory.CreateDirectory(Path.Combine(folder, "tmp"));
        File.SetUnixFileMode(Path.Combine(folder, "tmp"), (UnixFileMode)0x3FF /* 1777 */);
        Directory.CreateDirectory(Path.Combine(folder, "var", "lib", "data"));
        File.WriteAllText(Path.Combine(folder, "var", "lib", "data", "old.txt"), "old\n");
        Directory.CreateDirectory(Path.Combine(folder, "opt", "keep"));
        File.WriteAllText(Path.Combine(folder, "opt", "keep", "a.txt"), "a\n");
        File.WriteAllText(Path.Combine(folder, "opt", "remove-me.txt"), "gone\n");
        File.WriteAllText(Path.Combine(folder, "opt", "modify-me.txt"), "before\n");
        return folder;
    }
}
