using System.Runtime.Versioning;
using Containerize.Core.Runtime;
using Containerize.Tests.Infrastructure;

namespace Containerize.Tests.Runtime;

/// <summary>
/// A RUN as an unprivileged user: the CLI's `runtime exec` started as nobody with runuser. runc runs rootless in a
/// user namespace that maps the caller to root, and the rootfs is the copy (a user cannot mount the overlay where runc
/// would see it, nor make its whiteout devices).
/// </summary>
[TestClass]
[SupportedOSPlatform("linux")]
public sealed class RuntimeRootlessTests
{
    private static async Task<(ProcessResult Result, string Folder)> RunAsNobodyAsync(string folder, params string[] args)
    {
        var cli = typeof(Containerize.Cli.CliApp).Assembly.Location;
        var dotnet = Requirements.FindOnPath("dotnet") ?? "/usr/bin/dotnet";
        string[] all = ["-u", "nobody", "--", "env", $"HOME={folder}/home", $"DOTNET_CLI_HOME={folder}/home", "DOTNET_NOLOGO=1",
            dotnet, cli, "runtime", "exec", "--state", Path.Combine(folder, "state"), .. args];
        var result = await ProcessRunner.RunAsync(Requirements.Tool("runuser"), all, workingDirectory: folder, timeout: TimeSpan.FromMinutes(2));
        return (result, folder);
    }

    private static async Task<string> PrepareAsync()
    {
        Requirements.Tool("runc");
        Requirements.RequireRoot("runuser to become nobody");
        var folder = Path.Combine(Path.GetTempPath(), "ctz-rootless-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(folder);
        await BusyboxRootfs.CreateAsync(Path.Combine(folder, "rootfs"));
        Directory.CreateDirectory(Path.Combine(folder, "home"));
        Directory.CreateDirectory(Path.Combine(folder, "state"));
        File.SetUnixFileMode(folder, (UnixFileMode)0x1ED);
        foreach (var owned in new[] { "home", "state" })
            await ProcessRunner.RunAsync("chown", ["65534:65534", Path.Combine(folder, owned)]);
        return folder;
    }

    [TestMethod]
    public async Task Rootless_RunAsNobody_UsesAUserNamespaceAndTheCopy()
    {
        var folder = await PrepareAsync();
        try
        {
            var (r, _) = await RunAsNobodyAsync(folder, "--rootfs", Path.Combine(folder, "rootfs"), "--changes", "--",
                "/bin/sh", "-c", "id -u; cat /proc/self/uid_map | tr -s ' ' | sed 's/^ //'; echo hi > /tmp/x; rm /opt/remove-me.txt");
            r.EnsureSuccess("runtime exec as nobody");
            var lines = r.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            CollectionAssert.AreEqual(new[]
            {
                "0",
                "0 65534 1",
                "--- changes (Copy)",
                "M opt Directory 0755 0:0",
                "D opt/remove-me.txt",
                "M tmp Directory 1777 0:0",
                "A tmp/x File 0644 0:0 3",
            }, lines, r.StdOut + r.StdErr);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [TestMethod]
    public async Task Rootless_NetworkNone_OnlyLoopback()
    {
        var folder = await PrepareAsync();
        try
        {
            var (r, _) = await RunAsNobodyAsync(folder, "--rootfs", Path.Combine(folder, "rootfs"), "--network", "none", "--", "ls", "/sys/class/net");
            r.EnsureSuccess("runtime exec as nobody");
            Assert.AreEqual("lo", r.StdOut.Trim());
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [TestMethod]
    public async Task Rootless_NonRootUserIsCoded()
    {
        var folder = await PrepareAsync();
        try
        {
            var (r, _) = await RunAsNobodyAsync(folder, "--rootfs", Path.Combine(folder, "rootfs"), "--user", "app", "--", "id");
            Assert.AreEqual(1, r.ExitCode, r.StdOut + r.StdErr);
            StringAssert.Contains(r.StdErr, RuntimeErrors.RootlessUnsupported);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
