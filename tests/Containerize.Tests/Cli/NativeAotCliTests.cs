using Containerize.Core.Images.Oci;
using Containerize.Core.Images.Store;
using Containerize.Tests.Infrastructure;

namespace Containerize.Tests.Cli;

/// <summary>
/// The NativeAOT-published CLI (eng/build-cli) behaves as the JIT one: the same listing, the same plan, and a build
/// whose image the JIT-side store reads back. Trimming or reflection problems show up only in the native binary.
/// The publish takes 4+ minutes on 2 loaded cores, so the suite runs when CTZ_TEST_AOT=1 (it then publishes, or
/// reuses an up-to-date artifacts/cli/containerize); otherwise it is Inconclusive with that reason.
/// </summary>
[TestClass]
public sealed class NativeAotCliTests
{
    private static string? _cli;

    [ClassInitialize]
    public static async Task PublishAsync(TestContext _)
    {
        if (Environment.GetEnvironmentVariable("CTZ_TEST_AOT") != "1") return;
        var build = await ProcessRunner.RunAsync("bash", [Path.Combine(RepoPaths.Root, "eng", "build-cli")], RepoPaths.Root, timeout: TimeSpan.FromMinutes(20));
        build.EnsureSuccess("eng/build-cli");
        var path = build.StdOut.Trim();
        // build-cli falls back to the JIT build when the AOT publish fails: that must not pass as an AOT test.
        if (path != Path.Combine(RepoPaths.Root, "artifacts", "cli", "containerize")) Assert.Fail($"the NativeAOT publish failed; eng/build-cli gave {path}\n{build.StdErr}");
        _cli = path;
    }

    private static string Cli()
    {
        if (_cli is null) Assert.Inconclusive("set CTZ_TEST_AOT=1 to publish the CLI with NativeAOT (4+ min on 2 loaded cores) and test the native binary");
        return _cli!;
    }

    [TestMethod]
    public async Task VersionMatchesTheAssembly()
    {
        var r = await ProcessRunner.RunAsync(Cli(), ["--version"]);
        r.EnsureSuccess("containerize --version");
        Assert.AreEqual(typeof(Containerize.Cli.CliApp).Assembly.GetName().Version!.ToString(3), r.StdOut.Trim());
    }

    [TestMethod]
    public async Task DockerfileCheckPrintsThePlanAsTheJitCli()
    {
        using var dir = new TempDir();
        var dockerfile = dir.Write("Dockerfile", "ARG BASE=busybox\nFROM $BASE AS build\nARG V=1\nRUN echo ${V:-none}\nFROM scratch\nCOPY --from=build /etc/passwd /p\n");
        var native = await ProcessRunner.RunAsync(Cli(), ["dockerfile", "check", dockerfile, "--build-arg", "V=2"]);
        native.EnsureSuccess("dockerfile check");
        var jit = await CliRunner.RunAsync(dir.Path, "dockerfile", "check", dockerfile, "--build-arg", "V=2");
        Assert.AreEqual(jit.StdOut, native.StdOut);
        StringAssert.Contains(native.StdOut, "stage 0 build (FROM busybox AS build)");
    }

    [TestMethod]
    public async Task ContextLsListsAsTheJitCli()
    {
        using var dir = new TempDir();
        dir.Write(".dockerignore", "node_modules\n*.tmp\n!keep.tmp\n");
        dir.Write("Dockerfile", "FROM scratch\nCOPY . /\n");
        dir.Write("src/a.cs", "a");
        dir.Write("src/b.tmp", "b");
        dir.Write("keep.tmp", "k");
        dir.Write("node_modules/x/y.js", "y");
        var native = await ProcessRunner.RunAsync(Cli(), ["context", "ls", dir.Path]);
        native.EnsureSuccess("context ls");
        var jit = await CliRunner.RunAsync(dir.Path, "context", "ls", dir.Path);
        Assert.AreEqual(jit.StdOut, native.StdOut);
        // '*.tmp' matches at the top only, as in Docker: src/b.tmp stays.
        CollectionAssert.AreEqual(new[] { ".dockerignore", "Dockerfile", "keep.tmp", "src/a.cs", "src/b.tmp" }, native.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [TestMethod]
    public async Task BuildWritesAnImageTheStoreReadsAndHitsTheCacheAgain()
    {
        using var dir = new TempDir();
        dir.Write("ctx/Dockerfile", "FROM scratch\nCOPY hello.txt /hello.txt\nENV GREETING=hi\nCMD [\"/hello\"]\n");
        dir.Write("ctx/hello.txt", "hello\n");
        var store = dir.Combine("store");
        string[] args = ["build", "-t", "aot-test:1", "--store", store, dir.Combine("ctx")];
        (await ProcessRunner.RunAsync(Cli(), args)).EnsureSuccess("first build");
        var again = await ProcessRunner.RunAsync(Cli(), args);
        again.EnsureSuccess("second build");
        Assert.AreEqual(3, again.StdOut.Split('\n').Count(l => l.Contains("Using cache", StringComparison.Ordinal)), again.StdOut);

        var opened = await OciLayoutStore.OpenOrCreateAsync(store);
        var descriptor = await opened.ResolveAsync(ImageReference.Parse("aot-test:1"));
        Assert.IsNotNull(descriptor);
        var manifest = await opened.ReadManifestAsync(descriptor!);
        var config = await opened.ReadConfigAsync(manifest.Config);
        CollectionAssert.Contains(config.Config!.Env!.ToList(), "GREETING=hi");
        CollectionAssert.AreEqual(new[] { "/hello" }, config.Config.Cmd!.ToList());
        Assert.AreEqual(1, manifest.Layers.Count);
    }
}
