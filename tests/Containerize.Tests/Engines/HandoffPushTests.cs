using Containerize.Core.Diagnostics;
using Containerize.Core.Handoff;
using Containerize.Tests.Infrastructure;

namespace Containerize.Tests.Engines;

[TestClass]
[DoNotParallelize]
public sealed class HandoffPushTests
{
    /// <summary>The reported manifest digest is the one the registry serves (buildx metadata, docker push output).</summary>
    [TestMethod]
    [DataRow("docker20-buildkit")]
    [DataRow("docker20-classic")]
    [DataRow("docker26-buildx")]
    [DataRow("podman")]
    public async Task Handoff_PushReportsManifestDigest(string variant)
    {
        var engine = EngineLab.Get(variant);
        var skopeo = Requirements.Tool("skopeo");
        using var registry = await LocalRegistry.StartAsync();
        using var dir = new TempDir("ctz-push");
        dir.Write("a.txt", "pushed by " + variant);
        dir.Write("Dockerfile", "FROM scratch\nCOPY a.txt /a.txt\n");
        var tag = $"{registry.Host}/ctz-test/pushed:{variant}";
        var result = await ExternalBuilder.BuildAsync(engine.Kind, new ExternalBuildRequest
        {
            WriteContext = EngineLab.TarOfFolder(dir.Path),
            DockerfileInContext = "Dockerfile",
            Tags = [tag],
            Push = true,
            InsecureRegistry = true,
        }, engine.Options, new CollectingSink(), CancellationToken.None);

        StringAssert.StartsWith(result.ManifestDigest, "sha256:");
        var served = (await ProcessRunner.RunAsync(skopeo, ["inspect", "--tls-verify=false", "--format", "{{.Digest}}", "docker://" + tag])).EnsureSuccess("skopeo inspect");
        Assert.AreEqual(served.StdOut.Trim(), result.ManifestDigest);
        Assert.AreNotEqual(result.ImageId, result.ManifestDigest, "the image ID is the config digest, not the manifest's");

        // The registry's port changes every run: do not leave a tag per run in the engine.
        await engine.RunAsync("rmi", tag);
    }
}
