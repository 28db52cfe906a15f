using System.Formats.Tar;
using System.Text;
using Containerize.Core.Diagnostics;
using Containerize.Core.Handoff;
using Containerize.Tests.Infrastructure;

namespace Containerize.Tests.Engines;

[TestClass]
public sealed class HandoffUnitTests
{
    private static readonly ExternalBuildRequest Request = new()
    {
        WriteContext = (_, _) => Task.CompletedTask,
        DockerfileInContext = "sub/Dockerfile",
        Tags = ["a:1", "b:2"],
        Target = "final",
        BuildArgs = [new("K", "V"), new("FROM_ENV", null)],
        Labels = [new("l", "v w")],
        Platform = "linux/amd64",
        NoCache = true,
    };

    [TestMethod]
    public void DockerArgumentsForEachBuilder()
    {
        var buildx = new EngineClient(EngineKind.Docker, "/d", "26.1.5", "26.1.5", BuilderKind.Buildx, null, "remote1");
        CollectionAssert.AreEqual(
            new[] { "buildx", "build", "--builder", "remote1", "--progress=plain", "--load", "--metadata-file", "/m", "-f", "sub/Dockerfile", "--iidfile", "/i",
                "-t", "a:1", "-t", "b:2", "--target", "final", "--build-arg", "K=V", "--build-arg", "FROM_ENV", "--label", "l=v w",
                "--platform", "linux/amd64", "--no-cache", "-" },
            BuildCommandLine.Docker(buildx, Request, "sub/Dockerfile", "/i", "/m").ToArray());
        var pushed = BuildCommandLine.Docker(buildx with { BuildxBuilder = null }, Request with { Push = true }, "Dockerfile", "/i", null);
        CollectionAssert.Contains(pushed.ToList(), "--push");
        CollectionAssert.DoesNotContain(pushed.ToList(), "--load");

        var classic = new EngineClient(EngineKind.Docker, "/d", "20.10", "20.10", BuilderKind.Classic, null);
        var args = BuildCommandLine.Docker(classic, Request, "Dockerfile", "/i", null);
        Assert.AreEqual("build", args[0]);
        CollectionAssert.DoesNotContain(args.ToList(), "--progress=plain", "the classic builder has no --progress");
        Assert.AreEqual("0", classic.Environment["DOCKER_BUILDKIT"]);
        Assert.AreEqual("1", (classic with { Builder = BuilderKind.BuildKit }).Environment["DOCKER_BUILDKIT"]);
    }

    [TestMethod]
    public void PodmanArguments()
    {
        var args = BuildCommandLine.Podman(Request with { Network = "none" }, "/ctx", "/w/Dockerfile", "/i", "/empty");
        CollectionAssert.AreEqual(new[] { "build", "-f", "/w/Dockerfile", "--iidfile", "/i", "--ignorefile", "/empty" }, args.Take(7).ToArray());
        Assert.AreEqual("/ctx", args[^1]);
        CollectionAssert.Contains(args.ToList(), "--network=none");
    }

    [TestMethod]
    public async Task InjectorAddsTheDockerfileAndListsItInDockerignore()
    {
        var dockerfile = Encoding.UTF8.GetBytes("FROM scratch\n");
        var name = DockerfileInjector.NameFor(dockerfile);
        StringAssert.Matches(name, new System.Text.RegularExpressions.Regex(@"^\.dockerfile\.[0-9a-f]{20}$"));

        using var dir = new TempDir("ctz-inject");
        dir.Write("a.txt", "a");
        dir.Write(".dockerignore", "*.log");
        var withIgnore = await ReadAsync(EngineLab.TarOf(dir.Path, "a.txt", ".dockerignore"), dockerfile, true);
        CollectionAssert.AreEqual(new[] { "a.txt", ".dockerignore", name }, withIgnore.Keys.ToArray());
        Assert.AreEqual("*.log\n" + name + "\n", withIgnore[".dockerignore"]);
        Assert.AreEqual("FROM scratch\n", withIgnore[name]);

        var without = await ReadAsync(EngineLab.TarOf(dir.Path, "a.txt"), dockerfile, true);
        Assert.AreEqual(".dockerignore\n" + name + "\n", without[".dockerignore"]);

        var buildKit = await ReadAsync(EngineLab.TarOf(dir.Path, "a.txt"), dockerfile, false);
        CollectionAssert.AreEqual(new[] { "a.txt", name }, buildKit.Keys.ToArray());
    }

    private static async Task<Dictionary<string, string>> ReadAsync(Func<Stream, CancellationToken, Task> context, byte[] dockerfile, bool listInIgnore)
    {
        var output = new MemoryStream();
        await DockerfileInjector.CopyWithDockerfileAsync(context, output, dockerfile, listInIgnore, CancellationToken.None);
        output.Position = 0;
        var result = new Dictionary<string, string>();
        await using var reader = new TarReader(output);
        while (await reader.GetNextEntryAsync() is { } e)
        {
            using var text = new StreamReader(e.DataStream ?? Stream.Null);
            result[e.Name] = await text.ReadToEndAsync();
        }

        return result;
    }

    [TestMethod]
    public async Task NoDockerOnPathIsCodedWithAHint()
    {
        using var dir = new TempDir("ctz-empty-path");
        var ex = await Assert.ThrowsExactlyAsync<ContainerizeException>(() => EngineLocator.FindAsync(
            EngineKind.Docker, new EngineLocatorOptions { SearchPath = dir.Path }, new CollectingSink(), CancellationToken.None));
        Assert.AreEqual(HandoffErrors.ClientNotFound, ex.Code);
        StringAssert.Contains(ex.Diagnostic.Hint, "ContainerBuildEngine=Builtin");

        var podman = await Assert.ThrowsExactlyAsync<ContainerizeException>(() => EngineLocator.FindAsync(
            EngineKind.Podman, new EngineLocatorOptions { SearchPath = dir.Path }, new CollectingSink(), CancellationToken.None));
        Assert.AreEqual(HandoffErrors.ClientNotFound, podman.Code);
        StringAssert.Contains(podman.Diagnostic.Hint, "apt-get install podman");
    }

    [TestMethod]
    public async Task DeadDockerHostIsCodedWithAHint()
    {
        var client = DockerEngines.Docker20();
        using var dir = new TempDir("ctz-dead");
        var socket = "unix://" + dir.Combine("dead.sock");
        var ex = await Assert.ThrowsExactlyAsync<ContainerizeException>(() => EngineLocator.FindAsync(EngineKind.Docker, new EngineLocatorOptions
        {
            ClientPath = client,
            Environment = new Dictionary<string, string?> { ["DOCKER_HOST"] = socket, ["DOCKER_CONTEXT"] = null },
        }, new CollectingSink(), CancellationToken.None));
        Assert.AreEqual(HandoffErrors.DaemonUnreachable, ex.Code, ex.Diagnostic.ToDisplayString());
        StringAssert.Contains(ex.Diagnostic.Message, socket);
        StringAssert.Contains(ex.Diagnostic.Hint, "start it");
        StringAssert.Contains(ex.Diagnostic.Hint, "ContainerBuildEngine=Builtin");
    }

    [TestMethod]
    public async Task CliWithoutDockerGivesTheCodedError()
    {
        using var dir = new TempDir("ctz-cli");
        dir.Write("Dockerfile", "FROM scratch\n");
        var r = await CliRunner.RunAsync(dir.Path, "handoff", "build", "--client", dir.Combine("no-such-docker"), ".");
        Assert.AreEqual(1, r.ExitCode);
        StringAssert.StartsWith(r.StdErr, "CTZ7001 ");
        StringAssert.Contains(r.StdErr, "hint:");

        var engine = await CliRunner.RunAsync(dir.Path, "handoff", "build", "--engine", "rocket", ".");
        StringAssert.StartsWith(engine.StdErr, "CTZ7009 ");
    }

    [TestMethod]
    public async Task BuildKitPreferenceSkipsAModernClientWithoutBuildx()
    {
        // Here the docker first on PATH (28.x) has no buildx and /usr/bin/docker (20.10) can use the daemon's BuildKit.
        if (!File.Exists("/usr/local/bin/docker")) Requirements.Missing("the Docker 28 client at /usr/local/bin/docker is not installed");
        DockerEngines.Docker20();
        var client = await EngineLocator.FindAsync(EngineKind.Docker, new EngineLocatorOptions { SearchPath = "/usr/local/bin:/usr/bin" }, new CollectingSink(), CancellationToken.None);
        Assert.AreEqual("/usr/bin/docker", client.Path);
        Assert.AreEqual(BuilderKind.BuildKit, client.Builder);
    }

    [TestMethod]
    public async Task BuildKitHostWithoutBuildxIsCoded()
    {
        var client = DockerEngines.Docker20();
        var ex = await Assert.ThrowsExactlyAsync<ContainerizeException>(() => EngineLocator.FindAsync(EngineKind.Docker, new EngineLocatorOptions
        {
            ClientPath = client,
            Environment = new Dictionary<string, string?> { ["BUILDKIT_HOST"] = "tcp://127.0.0.1:1" },
        }, new CollectingSink(), CancellationToken.None));
        Assert.AreEqual(HandoffErrors.Unsupported, ex.Code);
        StringAssert.Contains(ex.Diagnostic.Message, "BUILDKIT_HOST=tcp://127.0.0.1:1");
        StringAssert.Contains(ex.Diagnostic.Hint, "docker-buildx");
    }

    [TestMethod]
    public void VersionComparison()
    {
        Assert.IsTrue(EngineLocator.VersionAtLeast("20.10.24+dfsg1", 18, 9));
        Assert.IsFalse(EngineLocator.VersionAtLeast("20.10.24+dfsg1", 23, 0));
        Assert.IsTrue(EngineLocator.VersionAtLeast("26.1.5+dfsg1", 23, 0));
        Assert.IsFalse(EngineLocator.VersionAtLeast("18.06.1-ce", 18, 9));
    }

    [TestMethod]
    public void LoadOutputOfDockerAndPodman()
    {
        var (refs, ids) = DaemonLoader.ParseLoadOutput(["Loaded image: ctz/x:1", "Loaded image ID: sha256:abc", "Loaded image(s): localhost/a:1,localhost/b:2", "noise"]);
        CollectionAssert.AreEqual(new[] { "ctz/x:1", "localhost/a:1", "localhost/b:2" }, refs);
        CollectionAssert.AreEqual(new[] { "sha256:abc" }, ids);
    }
}
