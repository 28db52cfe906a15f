using Containerize.Core.Diagnostics;
using Containerize.Core.Images.Oci;
using Containerize.Core.Images.Store;
using Containerize.Core.Os;
using Containerize.Core.Registry;
using Containerize.Tests.Infrastructure;

namespace Containerize.Tests.Registry;

/// <summary>
/// Docker's credential flow (config.json's credsStore → <c>docker-credential-NAME get</c>) found the way Windows finds
/// programs, against a real registry that needs Basic credentials: the helper is a shell script named with a Windows
/// extension, reached through a ';'-separated PATH and PATHEXT, and run for real.
/// </summary>
[TestClass]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
[DoNotParallelize]
public sealed class WindowsCredentialHelperTests
{
    private static RegistryProcess? _tls;

    private static async Task<RegistryProcess> TlsAsync() => _tls ??= await RegistryProcess.StartTlsBasicAsync();

    [ClassCleanup]
    public static void Cleanup()
    {
        _tls?.Dispose();
        _tls = null;
    }

    /// <summary>A helper folder, a folder without it, and a Docker config whose credsStore names the helper.</summary>
    private static (string Path, string Asked) Setup(TempDir dir, string helperFile)
    {
        var asked = dir.Combine("asked.txt");
        var helper = dir.Write($"Credential Helpers/{helperFile}", $$"""
            #!/bin/sh
            read server
            echo "$1 $server" >> "{{asked}}"
            echo '{"ServerURL":"'"$server"'","Username":"{{RegistryProcess.User}}","Secret":"{{RegistryProcess.Password}}"}'
            """);
        File.SetUnixFileMode(helper, (UnixFileMode)0x1ed);
        Directory.CreateDirectory(dir.Combine("empty"));
        dir.Write("docker/config.json", """{ "credsStore": "wincred" }""");
        // Quoted entry with a space, an empty entry: as Windows' PATH often is.
        return ($"{dir.Combine("empty")};;\"{dir.Combine("Credential Helpers")}\"", asked);
    }

    [TestMethod]
    public async Task WindowsLookup_CmdCredentialHelperIsFoundThroughPathextAndRunForAPushAndPull()
    {
        var registry = await TlsAsync();
        using var dir = new TempDir("ctz-wincred");
        var (path, asked) = Setup(dir, "docker-credential-wincred.cmd");
        var env = new Dictionary<string, string>
        {
            ["PATH"] = path,
            ["PATHEXT"] = ".COM;.EXE;.CMD",
            ["DOCKER_CONFIG"] = dir.Combine("docker"),
        };
        var (source, d1) = RegistryTestKit.NewStore();
        var (target, d2) = RegistryTestKit.NewStore();
        using var _ = d1;
        using var __ = d2;
        var image = await TestImages.BuildAsync(source, "local/wincred:v1", [20_000], seed: 77);
        var remote = ImageReference.Parse($"{registry.Host}/ctz/wincred:v1");

        // Unix rules read the same PATH as one folder named with ';': the helper is not found, a coded error.
        using (var unix = new RegistryClient(RegistryTestKit.Options(new CollectingSink(), env) with { CaFile = registry.CaFile, MaxRetries = 0 }))
        {
            await RegistryTestKit.ThrowsCodedAsync(() => new ImagePusher(unix, source).PushAsync(ImageReference.Parse("local/wincred:v1"), remote), RegistryErrors.CredentialHelperFailed);
        }

        Assert.IsFalse(File.Exists(asked));
        using (HostRules.Use(HostRules.Windows))
        {
            var sink = new CollectingSink();
            using var client = new RegistryClient(RegistryTestKit.Options(sink, env) with { CaFile = registry.CaFile });
            await new ImagePusher(client, source).PushAsync(ImageReference.Parse("local/wincred:v1"), remote);
            var pulled = await new ImagePuller(client, target).PullAsync(remote, Platform.LinuxAmd64);
            Assert.AreEqual(image.Manifest.Digest, pulled.ManifestDescriptor.Digest);
            await RegistryTestKit.AssertSameImageAsync(source, target, image.Manifest.Digest);
            Assert.IsTrue(sink.Messages.Any(m => m.Contains("Basic authentication (credential helper docker-credential-wincred)", StringComparison.Ordinal)), string.Join("\n", sink.Messages));
        }

        StringAssert.StartsWith(File.ReadAllText(asked), $"get {registry.Host}\n");
    }

    [TestMethod]
    public async Task WindowsLookup_TheCliUnderCtzHostOsWindowsPushesWithAnExeCredentialHelper()
    {
        var registry = await TlsAsync();
        var cli = Path.Combine(AppContext.BaseDirectory, "containerize.dll");
        Assert.IsTrue(File.Exists(cli), cli);
        var dotnet = Environment.ProcessPath is { } p && Path.GetFileNameWithoutExtension(p) == "dotnet" ? p : Requirements.Tool("dotnet");
        using var dir = new TempDir("ctz-wincred");
        // Upper-case extension, lower-case PATHEXT: Windows compares names without case.
        var (path, asked) = Setup(dir, "docker-credential-wincred.EXE");
        var store = await OciLayoutStore.OpenOrCreateAsync(dir.Combine("store"));
        var image = await TestImages.BuildAsync(store, "local/wincli:v1", [10_000], seed: 78);
        var remote = $"{registry.Host}/ctz/wincli:v1";

        var run = await ProcessRunner.RunAsync(dotnet, [cli, "push", "local/wincli:v1", remote, "--store", store.Root, "--ca-file", registry.CaFile!], environment: new Dictionary<string, string?>
        {
            [HostRules.OsVariable] = "windows",
            ["PATH"] = path,
            ["PATHEXT"] = ".com;.exe",
            ["DOCKER_CONFIG"] = dir.Combine("docker"),
            ["HOME"] = dir.Path,
            ["DOTNET_CONTAINER_REGISTRY_UNAME"] = null,
            ["DOTNET_CONTAINER_REGISTRY_PWORD"] = null,
            ["DOTNET_CONTAINER_PUSH_REGISTRY_UNAME"] = null,
            ["DOTNET_CONTAINER_PUSH_REGISTRY_PWORD"] = null,
        });
        run.EnsureSuccess("containerize push under Windows rules");
        StringAssert.Contains(File.ReadAllText(asked), $"get {registry.Host}\n");

        // The registry really has it: read back with plain credentials.
        using var check = new RegistryClient(RegistryTestKit.Options(new CollectingSink(), new Dictionary<string, string>
        {
            ["DOTNET_CONTAINER_REGISTRY_UNAME"] = RegistryProcess.User,
            ["DOTNET_CONTAINER_REGISTRY_PWORD"] = RegistryProcess.Password,
        }) with { CaFile = registry.CaFile });
        var (target, d) = RegistryTestKit.NewStore();
        using var _ = d;
        var pulled = await new ImagePuller(check, target).PullAsync(ImageReference.Parse(remote), Platform.LinuxAmd64);
        Assert.AreEqual(image.Manifest.Digest, pulled.ManifestDescriptor.Digest);
    }
}
