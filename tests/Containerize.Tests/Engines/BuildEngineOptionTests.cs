using System.Runtime.Versioning;
using Containerize.Tests.Infrastructure;

namespace Containerize.Tests.Engines;

/// <summary>`containerize build --engine builtin|docker|podman`: one command, the hand-off behind docker and podman.</summary>
[TestClass]
[DoNotParallelize]
[SupportedOSPlatform("linux")]
public sealed class BuildEngineOptionTests
{
    [TestMethod]
    public async Task BuildEngineDocker_HandsOffToDocker26()
    {
        var client = DockerEngines.Docker26();
        using var dir = new TempDir("ctz-build-engine");
        dir.Write("a.txt", "via build --engine docker\n");
        dir.Write("Dockerfile", "FROM scratch\nCOPY a.txt /a.txt\nLABEL from=dockerfile\nCMD [\"/a.txt\"]\n");
        var r = await CliRunner.RunAsync(dir.Path, "build", "--engine", "docker", "--client", client, "-t", "ctz-test/build-engine:docker",
            "--label", "via=cli", "--build-arg", "UNUSED=1", "--no-cache", ".");
        Assert.AreEqual(0, r.ExitCode, r.StdErr);
        var id = r.StdOut.Trim();
        StringAssert.StartsWith(id, "sha256:");
        StringAssert.Contains(r.StdErr, "hand-off to docker client " + client, "the log names the client that ran");

        var inspected = (await ProcessRunner.RunAsync(client, ["image", "inspect", "--format",
            "{{.Id}} {{index .Config.Labels \"via\"}} {{index .Config.Labels \"from\"}}", "ctz-test/build-engine:docker"])).EnsureSuccess("inspect");
        Assert.AreEqual($"{id} cli dockerfile", inspected.StdOut.Trim());
    }

    [TestMethod]
    public async Task BuildEngineDocker_FailingRunIsACodedErrorNamingTheStep()
    {
        var client = DockerEngines.Docker26();
        using var dir = new TempDir("ctz-build-engine");
        await Building.Differential.DifferentialCorpus.EnsureBaseInDockerAsync(client, dir.Path);
        var dockerfile = dir.Write("Dockerfile", $"FROM {Building.Differential.DifferentialCorpus.Base}\nRUN echo fine\nRUN echo about-to-fail; exit 4\n");
        var r = await CliRunner.RunAsync(dir.Path, "build", "--engine", "docker", "--client", client, "--network", "host", "--no-cache", ".");
        Assert.AreEqual(1, r.ExitCode, r.StdErr);
        StringAssert.Contains(r.StdErr, $"{dockerfile}:3: CTZ7003 step 3/3 'RUN echo about-to-fail; exit 4' failed with exit code 4");
        StringAssert.Contains(r.StdErr, "about-to-fail");
    }

    [TestMethod]
    public async Task BuildEngineDocker_DaemonDownSaysHowToStartItOrUseBuiltin()
    {
        var client = DockerEngines.Docker20();
        using var dir = new TempDir("ctz-build-engine");
        dir.Write("Dockerfile", "FROM scratch\n");
        // A client whose daemon is gone: the same docker, pointed at a socket nobody listens on.
        var wrapper = dir.Write("docker", $"#!/bin/sh\nDOCKER_HOST=unix://{dir.Combine("dead.sock")} DOCKER_CONTEXT= exec {client} \"$@\"\n");
        File.SetUnixFileMode(wrapper, (UnixFileMode)0x1ED);
        var r = await CliRunner.RunAsync(dir.Path, "build", "--engine", "docker", "--client", wrapper, ".");
        Assert.AreEqual(1, r.ExitCode, r.StdErr);
        StringAssert.StartsWith(r.StdErr, "CTZ7002 ");
        StringAssert.Contains(r.StdErr, "start it");
        StringAssert.Contains(r.StdErr, "containerize build");
    }

    [TestMethod]
    public async Task BuildEnginePodman_GoesThroughTheHandoffLocator()
    {
        using var dir = new TempDir("ctz-build-engine");
        dir.Write("Dockerfile", "FROM scratch\n");
        var r = await CliRunner.RunAsync(dir.Path, "build", "--engine", "podman", "--client", dir.Combine("no-such-podman"), ".");
        Assert.AreEqual(1, r.ExitCode);
        StringAssert.StartsWith(r.StdErr, "CTZ7001 ", "the hand-off's own 'client not found' error: " + r.StdErr);
        StringAssert.Contains(r.StdErr, "containerize build");
    }

    [TestMethod]
    public async Task BuildEngine_UnknownNameAndMisplacedOptionsAreCoded()
    {
        using var dir = new TempDir("ctz-build-engine");
        dir.Write("Dockerfile", "FROM scratch\n");

        var unknown = await CliRunner.RunAsync(dir.Path, "build", "--engine", "rocket", ".");
        Assert.AreEqual(1, unknown.ExitCode);
        StringAssert.StartsWith(unknown.StdErr, "CTZ7009 ");

        var push = await CliRunner.RunAsync(dir.Path, "build", "--engine", "builtin", "--push", ".");
        Assert.AreEqual(1, push.ExitCode);
        StringAssert.StartsWith(push.StdErr, "CTZ0002 ");
        StringAssert.Contains(push.StdErr, "--push needs --engine docker");

        var label = await CliRunner.RunAsync(dir.Path, "build", "--label", "a=b", ".");
        StringAssert.StartsWith(label.StdErr, "CTZ0002 ", "builtin is the default engine");

        var store = await CliRunner.RunAsync(dir.Path, "build", "--engine", "docker", "--store", dir.Combine("store"), ".");
        Assert.AreEqual(1, store.ExitCode);
        StringAssert.StartsWith(store.StdErr, "CTZ0002 ");
        StringAssert.Contains(store.StdErr, "--store is for the builtin engine");
    }

    [TestMethod]
    public async Task BuildEngineBuiltin_IsTheDefaultAndNeedsNoDaemon()
    {
        using var dir = new TempDir("ctz-build-engine");
        dir.Write("a.txt", "builtin\n");
        dir.Write("Dockerfile", "FROM scratch\nCOPY a.txt /a.txt\n");
        var store = dir.Combine("store");
        var explicitBuiltin = await CliRunner.RunAsync(dir.Path, "build", "--engine", "builtin", "--store", store, "--runtime-root", dir.Combine("rt"), "-t", "b:1", ".");
        Assert.AreEqual(0, explicitBuiltin.ExitCode, explicitBuiltin.StdErr + explicitBuiltin.StdOut);
        var byDefault = await CliRunner.RunAsync(dir.Path, "build", "--store", store, "--runtime-root", dir.Combine("rt"), "-t", "b:2", ".");
        Assert.AreEqual(0, byDefault.ExitCode, byDefault.StdErr + byDefault.StdOut);

        var images = await CliRunner.RunAsync(dir.Path, "images", "--store", store);
        var ids = images.StdOut.Split('\n').Where(l => l.StartsWith("b ", StringComparison.Ordinal))
            .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[2]).Distinct().ToList();
        Assert.AreEqual(1, ids.Count, "both builds made the same image in the store: " + images.StdOut);
        Assert.IsFalse(explicitBuiltin.StdErr.Contains("hand-off", StringComparison.Ordinal));
    }
}
