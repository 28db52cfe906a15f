using System.IO.Compression;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using Containerize.Core.Os;
using Containerize.Core.Runtime.Bundles;
using Containerize.Core.Runtime.Users;
using Containerize.Tests.Infrastructure;
using Containerize.Tests.Os;

namespace Containerize.Tests.Sdk;

/// <summary>
/// Issue #18: <c>dotnet publish -p:ContainerBuild=true</c> wherever .NET 10 runs, down to glibc 2.27. The package's
/// native publish host is linked on this machine's newer glibc with its newer calls pinned to old symbol versions
/// (src/Containerize.Cli/Native/glibc-2.27.c): the packed binary must need nothing above GLIBC_2.27, and on a real older
/// glibc (Debian bullseye's 2.31, the root file system eng/setup.d/60-old-glibc-root.sh makes, run with runc) a
/// publish must run in that host, not fall back, and make the image the same publish makes here.
/// </summary>
[TestClass]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class OldGlibcPublishTests
{
    private static readonly Version Oldest = new(2, 27);

    private static string BullseyeRoot => Path.Combine(RepoPaths.Root, "artifacts", "old-glibc", "bullseye-rootfs");

    private static string RequireBullseye()
    {
        if (!File.Exists(Path.Combine(BullseyeRoot, ".ctz-done")))
            Requirements.Missing($"no Debian bullseye root at {BullseyeRoot} (bash eng/setup makes it: eng/setup.d/60-old-glibc-root.sh)");
        return BullseyeRoot;
    }

    [TestMethod]
    [Timeout(900_000, CooperativeCancellation = true)]
    public async Task OldGlibc_ThePackedHostNeedsNoGlibcNewerThan2_27()
    {
        var host = await PackedHostAsync();
        var needs = ElfVersionNeeds.Read(host) ?? throw new AssertFailedException("the packed host is no 64-bit ELF file");
        var tooNew = needs.Needs.Where(n => n.Version.StartsWith("GLIBC_", StringComparison.Ordinal) && Version.Parse(n.Version[6..]) > Oldest).ToList();
        Assert.IsEmpty(tooNew, "pin these in src/Containerize.Cli/Native/glibc-2.27.c: " + string.Join(", ", tooNew));
        Assert.IsNotNull(needs.HighestGlibc);
        Assert.IsLessThanOrEqualTo(Oldest, needs.HighestGlibc!);

        // The same from binutils, so the reader the task trusts is not the only witness.
        var r = (await ProcessRunner.RunAsync(Requirements.Tool("readelf"), ["-V", "-W", host])).EnsureSuccess("readelf -V");
        var glibc = GlibcTests.ReadelfNeeds(r.StdOut).Select(n => n.Split(' ')[1]).Where(v => v.StartsWith("GLIBC_", StringComparison.Ordinal)).ToList();
        Assert.IsNotEmpty(glibc, r.StdOut);
        Assert.IsTrue(glibc.All(v => Version.Parse(v[6..]) <= Oldest), r.StdOut);

        // Before 2.34, pthread_*, dl* and shm_* live in these: the host must load them there.
        var d = (await ProcessRunner.RunAsync(Requirements.Tool("readelf"), ["-d", "-W", host])).EnsureSuccess("readelf -d");
        foreach (var lib in new[] { "libpthread.so.0", "libdl.so.2", "librt.so.1" }) StringAssert.Contains(d.StdOut, $"[{lib}]");
    }

    [TestMethod]
    public async Task OldGlibc_EveryCallLibCBindsByNameIsInGlibc2_27()
    {
        // What bullseye's glibc exports at versions up to 2.27 is what glibc 2.27 exported (glibc never removes a
        // version). statx (2.28) is allowed: HostRules probes it and takes the portable path without it.
        var root = RequireBullseye();
        var exported = new HashSet<string>(StringComparer.Ordinal);
        foreach (var lib in new[] { "libc.so.6", "libpthread.so.0", "libdl.so.2" })
        {
            var r = (await ProcessRunner.RunAsync(Requirements.Tool("objdump"), ["-T", Path.Combine(root, "lib", "x86_64-linux-gnu", lib)])).EnsureSuccess("objdump -T " + lib);
            foreach (var line in r.StdOut.Split('\n'))
            {
                var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (fields.Length < 3 || line.Contains("*UND*", StringComparison.Ordinal)) continue;
                var version = fields[^2].Trim('(', ')');
                if (version.StartsWith("GLIBC_", StringComparison.Ordinal) && Version.TryParse(version[6..], out var v) && v <= Oldest) exported.Add(fields[^1]);
            }
        }

        Assert.Contains("__xmknodat", exported, "the export list was read");
        var declared = typeof(LibC).GetMethods(BindingFlags.NonPublic | BindingFlags.Public | BindingFlags.Static)
            .Select(m => m.GetCustomAttribute<LibraryImportAttribute>()?.EntryPoint).OfType<string>().Distinct().ToList();
        var missing = declared.Where(name => name != "statx" && !exported.Contains(name)).ToList();
        Assert.IsEmpty(missing, "LibC binds calls glibc 2.27 does not export: " + string.Join(", ", missing));
        Assert.Contains("statx", LibC.FileSystemExports, "statx is probed, so 2.27 takes the portable path");
    }

    [TestMethod]
    [Timeout(1_500_000, CooperativeCancellation = true)]
    public async Task OldGlibc_PublishOnBullseyeRunsTheNativeHostAndMakesTheSameImage()
    {
        if (RuntimeInformation.RuntimeIdentifier != "linux-x64") Assert.Inconclusive("the package's native host is for linux-x64");
        var runc = Requirements.Tool("runc");
        Requirements.RequireRoot("runc runs the bullseye root with namespaces and bind mounts");
        var root = RequireBullseye();
        if (!await PublishLab.RegistryAnswersAsync()) Requirements.Missing("the registry on localhost:5000 does not answer (bash eng/setup starts it)");
        var (feed, version) = await SdkPackage.GetAsync();
        using var lab = await PublishLab.CopySampleAsync("HelloWeb");
        var project = Path.Combine(lab.Root, "HelloWeb");
        var container = Path.Combine(project, "obj", "container");

        // In the container, every path the publish uses is under the lab folder (on a tmpfs /tmp there): the package
        // is copied into a feed inside it and restored into a packages folder inside it, so the cached root file
        // system, mounted read-only, is never written.
        var labFeed = Path.Combine(lab.Root, "feed");
        Directory.CreateDirectory(labFeed);
        File.Copy(Path.Combine(feed, $"Containerize.Sdk.{version}.nupkg"), Path.Combine(labFeed, $"Containerize.Sdk.{version}.nupkg"));
        await SdkPackage.WriteNuGetConfigAsync(lab.Root, labFeed);
        var packages = Path.Combine(lab.Root, "packages");
        string[] publish =
        [
            "publish", project, "-c", "Release", "-nologo", "-v:n", "-p:ContainerBuild=true", $"-p:ContainerizeSdkVersion={version}",
            $"-p:ContainerBaseImageMirror={PublishLab.Registry}", "-p:ContainerSourceDateEpoch=0", "-p:ContainerArchiveOutputPath=out/",
        ];

        var inBullseye = await RunInBullseyeAsync(runc, root, lab.Root, project, packages, publish, lab.Store);
        var output = inBullseye.StdOut + inBullseye.StdErr;
        Assert.AreEqual(0, inBullseye.ExitCode, output);
        StringAssert.Contains(output, "glibc 2.31", "the publish ran on bullseye's C library");
        var host = Path.Combine(packages, "containerize.sdk", version, "tools", "linux-x64", "containerize");
        StringAssert.Contains(output, $"; host: {host})");
        Assert.DoesNotContain("Publishing in MSBuild's process", output, "the native host ran, no fallback");
        Assert.IsTrue(File.Exists(Path.Combine(container, "request.json")), "the host kept the request it was given: " + output);
        Assert.IsTrue(File.Exists(Path.Combine(project, "out", "hello-web.tar.gz")), "the archive is written: " + output);
        var onBullseye = ManifestDigest(container);

        // The same publish on this machine's glibc.
        Directory.Delete(Path.Combine(project, "obj"), true);
        Directory.Delete(Path.Combine(project, "bin"), true);
        Directory.Delete(Path.Combine(project, "out"), true);
        var env = SdkPackage.DotnetEnvironment();
        env["NUGET_PACKAGES"] = packages;
        env["CONTAINERIZE_STORE"] = lab.Store;
        env["SOURCE_DATE_EPOCH"] = null;
        var here = await ProcessRunner.RunAsync("dotnet", publish, lab.Root, env, timeout: TimeSpan.FromMinutes(8));
        here.EnsureSuccess("dotnet publish on this machine");
        Assert.IsTrue(File.Exists(Path.Combine(project, "out", "hello-web.tar.gz")));
        Assert.AreEqual(onBullseye, ManifestDigest(container), "the same image on glibc 2.31 and " + LibC.GlibcVersion);
    }

    private static string ManifestDigest(string container)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(container, "image.json")));
        return doc.RootElement.GetProperty("manifestDigest").GetString() ?? throw new AssertFailedException("no manifestDigest");
    }

    /// <summary>
    /// Runs <c>dotnet ARGS</c> in the bullseye root under runc: this machine's .NET SDK bound read-only at
    /// /usr/share/dotnet, the lab folder at its own path, the host's network (the registry on localhost:5000), and
    /// tmpfs over /tmp, /root and /var/tmp so the read-only root stays as eng/setup made it.
    /// </summary>
    private static async Task<ProcessResult> RunInBullseyeAsync(string runc, string rootfs, string labRoot, string cwd, string packages, string[] args, string store)
    {
        var dotnetRoot = Path.GetDirectoryName(Path.GetFullPath(ResolveLinks(Requirements.FindOnPath("dotnet") ?? throw new AssertFailedException("dotnet is not on PATH"))))!;
        using var bundle = new TempDir("ctz-bullseye");
        var config = RuntimeSpecBuilder.Build(new BundleConfig
        {
            RootfsPath = rootfs,
            // The C library's version first, in the same output the assertions read.
            Args = ["/bin/sh", "-c", "getconf GNU_LIBC_VERSION && exec dotnet \"$@\"", "sh", .. args],
            Env =
            [
                "HOME=/root", "DOTNET_ROOT=/usr/share/dotnet", $"NUGET_PACKAGES={packages}", $"CONTAINERIZE_STORE={store}",
                "MSBUILDDISABLENODEREUSE=1", "DOTNET_CLI_USE_MSBUILD_SERVER=0", "DOTNET_NOLOGO=1", "DOTNET_CLI_TELEMETRY_OPTOUT=1",
                "DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1",
            ],
            Cwd = cwd,
            User = ExecUser.Root,
            Hostname = "bullseye",
            ExtraMounts =
            [
                new("/tmp", "tmpfs", "tmpfs", ["nosuid", "nodev", "mode=1777"]),
                new("/root", "tmpfs", "tmpfs", ["nosuid", "nodev", "mode=700"]),
                new("/var/tmp", "tmpfs", "tmpfs", ["nosuid", "nodev", "mode=1777"]),
                new("/usr/share/dotnet", "bind", dotnetRoot, ["rbind", "ro"]),
                new(labRoot, "bind", labRoot, ["rbind", "rw"]),
                new("/etc/resolv.conf", "bind", "/etc/resolv.conf", ["bind", "ro"]),
                new("/etc/hosts", "bind", "/etc/hosts", ["bind", "ro"]),
            ],
        });
        var spec = JsonNode.Parse(config)!;
        spec["root"]!["readonly"] = true;
        await File.WriteAllTextAsync(Path.Combine(bundle.Path, "config.json"), spec.ToJsonString());
        var id = $"ctz-bullseye-{System.Environment.ProcessId}-{DateTime.UtcNow:HHmmssfff}";
        try
        {
            return await ProcessRunner.RunAsync(runc, ["run", "--bundle", bundle.Path, id], bundle.Path, timeout: TimeSpan.FromMinutes(10));
        }
        finally
        {
            await ProcessRunner.RunAsync(runc, ["delete", "--force", id]);
        }
    }

    private static string ResolveLinks(string path) => new FileInfo(path).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? path;

    private static async Task<string> PackedHostAsync()
    {
        var (feed, version) = await SdkPackage.GetAsync();
        var folder = Path.Combine(RepoPaths.Root, "artifacts", "test-packages", version + "-host");
        Directory.CreateDirectory(folder);
        var host = Path.Combine(folder, "containerize");
        using var package = ZipFile.OpenRead(Path.Combine(feed, $"Containerize.Sdk.{version}.nupkg"));
        var entry = package.GetEntry("tools/linux-x64/containerize") ?? throw new AssertFailedException("tools/linux-x64/containerize is not in the package");
        entry.ExtractToFile(host, overwrite: true);
        return host;
    }
}
