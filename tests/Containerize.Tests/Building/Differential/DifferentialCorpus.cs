using System.Formats.Tar;
using System.IO.Compression;
using System.Text;
using System.Runtime.Versioning;
using Containerize.Tests.Infrastructure;

namespace Containerize.Tests.Building.Differential;

/// <summary>
/// The Dockerfiles under Building/Differential/Corpus and the one context they all build from. Modes, owners and
/// symlinks cannot all live in git, so the context is written here.
/// </summary>
[SupportedOSPlatform("linux")]
public static class DifferentialCorpus
{
    /// <summary>The base image both engines build on: artifacts/base-images/busybox under this name.</summary>
    public const string Base = "ctz-diff/busybox:1";

    public static string Folder => Path.Combine(RepoPaths.Root, "tests", "Containerize.Tests", "Building", "Differential", "Corpus");

    public static IEnumerable<object[]> Names =>
        Directory.GetFiles(Folder, "*.Dockerfile").Select(f => Path.GetFileNameWithoutExtension(f)).Order(StringComparer.Ordinal).Select(n => new object[] { n });

    public static string DockerfileOf(string name) => Path.Combine(Folder, name + ".Dockerfile");

    /// <summary>
    /// A host path that the context's links/host symlink names: a COPY below that link must write it inside the image
    /// (as a chroot would), so after a build it must not exist on the host.
    /// </summary>
    public const string HostCanary = "/var/tmp/ctz-diff-host-canary";

    /// <summary>The `--build-arg K=V` values a corpus file asks for in `# build-arg: K=V` comment lines (both engines get them).</summary>
    public static IReadOnlyList<string> BuildArgsOf(string name) => CommentValues(name, "# build-arg:");

    /// <summary><see cref="BuildArgsOf"/> as command-line words.</summary>
    public static IEnumerable<string> BuildArgWords(string name) => BuildArgsOf(name).SelectMany(a => new[] { "--build-arg", a });

    /// <summary>
    /// The shell commands of a corpus file's `# context: COMMAND` lines: run in order in an empty folder, they make
    /// that file's own context (the real-world .NET Dockerfiles get `dotnet new` projects in their source's layout,
    /// since the sources' code cannot be kept here). A file without them builds from the shared context.
    /// </summary>
    public static IReadOnlyList<string> ContextCommandsOf(string name) => CommentValues(name, "# context:");

    /// <summary>Makes a corpus file's own context in <paramref name="dir"/> (see <see cref="ContextCommandsOf"/>).</summary>
    public static async Task WriteOwnContextAsync(string name, string dir)
    {
        Requirements.Tool("dotnet");
        Directory.CreateDirectory(dir);
        var quiet = new Dictionary<string, string?> { ["DOTNET_NOLOGO"] = "1", ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1", ["DOTNET_SKIP_FIRST_TIME_EXPERIENCE"] = "1" };
        foreach (var command in ContextCommandsOf(name))
        {
            (await ProcessRunner.RunAsync("/bin/sh", ["-ec", command], dir, quiet, timeout: TimeSpan.FromMinutes(3))).EnsureSuccess($"{name}: context command '{command}'");
        }
    }

    /// <summary>The lab registry (eng/setup.d/50-registry.sh) that the real-world files' FROM lines name, or a Missing() outcome.</summary>
    public static async Task RequireLabRegistryAsync(string name)
    {
        if (!File.ReadAllText(DockerfileOf(name)).Contains(LabRegistry + "/", StringComparison.Ordinal)) return;
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        try
        {
            (await http.GetAsync($"http://{LabRegistry}/v2/dotnet/sdk/tags/list")).EnsureSuccessStatusCode();
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            Requirements.Missing($"{name} needs the lab registry on {LabRegistry} with the offline .NET images (bash eng/setup): {e.Message}");
        }
    }

    private const string LabRegistry = "localhost:5000";

    private static IReadOnlyList<string> CommentValues(string name, string prefix) =>
        File.ReadLines(DockerfileOf(name))
            .Where(l => l.StartsWith(prefix, StringComparison.Ordinal))
            .Select(l => l[prefix.Length..].Trim())
            .ToList();

    /// <summary>The bases of the corpus: (folder under artifacts/base-images, its tag there, the name both engines use).</summary>
    public static readonly (string Folder, string Tag, string Name)[] Bases = [("busybox", "latest", Base), ("debian", "bookworm", "ctz-diff/debian:1")];

    /// <summary>
    /// Puts the corpus bases (or only the first) into a Docker engine and a store: each loaded from
    /// artifacts/base-images into the store and handed to `docker load` as the docker-archive our CLI writes, so
    /// both sides start from the same image ID.
    /// </summary>
    public static async Task EnsureBaseInDockerAsync(string docker, string scratch, string? store = null, bool all = false)
    {
        store ??= Path.Combine(scratch, "base-store");
        foreach (var (folder, tag, name) in all ? Bases : Bases[..1])
        {
            var layout = Path.Combine(RepoPaths.Root, "artifacts", "base-images", folder);
            if (!File.Exists(Path.Combine(layout, "index.json"))) Requirements.Missing($"the offline {folder} base image is missing at {layout} (bash eng/setup builds it)");
            var load = await CliRunner.RunAsync(scratch, "load", $"oci-layout://{layout}:{tag}", "--store", store, "-t", name);
            Assert.AreEqual(0, load.ExitCode, load.StdErr);
            var archive = Path.Combine(scratch, folder + ".tar");
            var save = await CliRunner.RunAsync(scratch, "save", name, "-o", "docker-archive:" + archive, "--store", store);
            Assert.AreEqual(0, save.ExitCode, save.StdErr);
            (await ProcessRunner.RunAsync(docker, ["load", "-i", archive], timeout: TimeSpan.FromMinutes(5))).EnsureSuccess($"docker load of the {folder} base image");
            File.Delete(archive);
        }
    }

    public static async Task WriteContextAsync(string dir)
    {
        Directory.CreateDirectory(dir);
        void Write(string path, string content, int mode = 0x1A4)
        {
            var full = Path.Combine(dir, path);
            Directory.CreateDirectory(Path.GetDirectoryName(full)!);
            File.WriteAllText(full, content);
            File.SetUnixFileMode(full, (UnixFileMode)mode);
        }

        Write("hello.txt", "hello\n");
        foreach (var n in new[] { "a", "b", "c", "d" }) Write(n + ".txt", n + "\n");
        Write("script.sh", "#!/bin/sh\necho script\n", 0x1ED);
        Write("src/one.txt", "1\n");
        Write("src/two.txt", "2\n");
        Write("src/skip.md", "md\n");
        Write("src/sub/three.txt", "3\n", 0x180);
        Write("src/sub/deep/four.txt", "4\n", 0x1B4);
        File.SetUnixFileMode(Path.Combine(dir, "src/sub"), (UnixFileMode)0x1E8);
        File.CreateSymbolicLink(Path.Combine(dir, "link-to-hello"), "hello.txt");
        Write("dir-with-link/file", "f\n");
        File.CreateSymbolicLink(Path.Combine(dir, "dir-with-link/ln"), "file");
        Directory.CreateDirectory(Path.Combine(dir, "empty-dir"));
        File.SetUnixFileMode(Path.Combine(dir, "empty-dir"), (UnixFileMode)0x1C0);

        // Symlinks that a COPY puts into an image, for later COPY/WORKDIR destinations below them (11-dest-symlinks):
        // absolute, relative, climbing above the root, naming a host path, dangling, to a file.
        Directory.CreateDirectory(Path.Combine(dir, "links"));
        File.CreateSymbolicLink(Path.Combine(dir, "links/to-real"), "/real");
        File.CreateSymbolicLink(Path.Combine(dir, "links/relative"), "real/sub");
        File.CreateSymbolicLink(Path.Combine(dir, "links/escape"), "/../../../etc");
        File.CreateSymbolicLink(Path.Combine(dir, "links/host"), HostCanary);
        File.CreateSymbolicLink(Path.Combine(dir, "links/dangling"), "/nowhere/deeper");
        File.CreateSymbolicLink(Path.Combine(dir, "links/to-file"), "/real/one.txt");

        var tar = Archive();
        await File.WriteAllBytesAsync(Path.Combine(dir, "arch.tar"), tar);
        await File.WriteAllBytesAsync(Path.Combine(dir, "arch.tar.gz"), Gzip(tar));
        await File.WriteAllBytesAsync(Path.Combine(dir, "arch.tar.bz2"), await CompressAsync("bzip2", tar));
        await File.WriteAllBytesAsync(Path.Combine(dir, "arch.tar.xz"), await CompressAsync("xz", tar));
        await File.WriteAllBytesAsync(Path.Combine(dir, "notatar.gz"), Gzip(Encoding.UTF8.GetBytes("just text\n")));
    }

    /// <summary>A tar with owners, private modes, a symlink and a hard link: what ADD must keep when it extracts.</summary>
    private static byte[] Archive()
    {
        using var output = new MemoryStream();
        using (var writer = new TarWriter(output, TarEntryFormat.Pax, leaveOpen: true))
        {
            void Add(TarEntryType type, string name, int mode, int uid = 0, int gid = 0, string? data = null, string? link = null)
            {
                var e = new PaxTarEntry(type, name) { Mode = (UnixFileMode)mode, Uid = uid, Gid = gid, ModificationTime = DateTimeOffset.FromUnixTimeSeconds(1600000000) };
                if (link is not null) e.LinkName = link;
                if (data is not null) e.DataStream = new MemoryStream(Encoding.UTF8.GetBytes(data));
                writer.WriteEntry(e);
            }

            Add(TarEntryType.Directory, "payload", 0x1ED);
            Add(TarEntryType.RegularFile, "payload/owned.txt", 0x180, 1234, 5678, "owned\n");
            Add(TarEntryType.RegularFile, "payload/exec", 0x1ED, data: "#!/bin/sh\n");
            Add(TarEntryType.Directory, "payload/private", 0x1C0, 42, 43);
            Add(TarEntryType.RegularFile, "payload/private/inner.txt", 0x1A0, 42, 43, "inner\n");
            Add(TarEntryType.SymbolicLink, "payload/sym", 0x1FF, link: "owned.txt");
            Add(TarEntryType.HardLink, "payload/hard", 0x180, 1234, 5678, link: "payload/owned.txt");
            Add(TarEntryType.RegularFile, "top.txt", 0x1A4, data: "top\n");
        }

        return output.ToArray();
    }

    private static byte[] Gzip(byte[] data)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Optimal, leaveOpen: true)) gzip.Write(data);
        return output.ToArray();
    }

    /// <summary>Compresses with the real tool (bzip2, xz), as a user's archive would be made.</summary>
    internal static async Task<byte[]> CompressAsync(string tool, byte[] data)
    {
        var path = Requirements.Tool(tool);
        var psi = new System.Diagnostics.ProcessStartInfo(path, "-c") { RedirectStandardInput = true, RedirectStandardOutput = true, UseShellExecute = false };
        using var process = System.Diagnostics.Process.Start(psi)!;
        using var output = new MemoryStream();
        var copy = process.StandardOutput.BaseStream.CopyToAsync(output);
        await process.StandardInput.BaseStream.WriteAsync(data);
        process.StandardInput.Close();
        await copy;
        await process.WaitForExitAsync();
        Assert.AreEqual(0, process.ExitCode, tool + " failed");
        return output.ToArray();
    }
}
