using Containerize.Core.Diagnostics;
using Containerize.Core.Generation;
using Containerize.Core.Images.Store;
using Containerize.Core.Publishing;
using Containerize.Tests.Infrastructure;

namespace Containerize.Tests.Generation;

/// <summary>
/// A publish for another RID builds for that RID's platform: the config says it, and a RUN this machine cannot
/// execute is refused with a coded error naming the step instead of failing with an exec format error.
/// </summary>
[TestClass]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class PublishPlatformTests
{
    private static ProjectModel Project(TempDir dir, string rid) => SampleProjects.Console("App") with
    {
        ProjectPath = dir.Combine("App.csproj"),
        ContextRoot = dir.Path,
        RuntimeIdentifier = rid,
        Container = new ContainerProperties
        {
            ContainerSourceDateEpoch = "0",
            ContainerRuntimeIdentifier = rid,
            ContainerDockerfile = "Dockerfile",
            ContainerGenerateLabelsImageCreated = false,
            // A Dockerfile and no restore: nothing to list (the SBOM has its own tests).
            ContainerSbom = false,
        },
    };

    [TestMethod]
    public async Task PublishPlatform_ConfigSaysTheRidsArchitecture()
    {
        using var dir = new TempDir("ctz-publish-platform");
        dir.Write("Dockerfile", "FROM scratch\nCOPY a.txt /a.txt\n");
        dir.Write("a.txt", "a\n");
        var store = dir.Combine("store");
        var result = await new ContainerPublisher(new CollectingSink()).PublishAsync(new ContainerPublishRequest
        {
            Project = Project(dir, "linux-arm64"),
            ContainerDirectory = dir.Combine("obj", "container"),
            StorePath = store,
            Environment = _ => null,
        }, CancellationToken.None);

        var config = await File.ReadAllTextAsync(dir.Combine("obj", "container", "config.json"));
        StringAssert.Contains(config, "\"architecture\":\"arm64\"", result.ImageId);
        StringAssert.Contains(config, "\"os\":\"linux\"");
    }

    [TestMethod]
    public async Task PublishPlatform_ForeignRunIsCodedAtItsLine()
    {
        Requirements.Tool("runc");
        using var dir = new TempDir("ctz-publish-platform");
        dir.Write("Dockerfile", "FROM scratch\nCOPY a.txt /a.txt\nRUN [\"/bin/true\"]\n");
        dir.Write("a.txt", "a\n");
        var e = await Assert.ThrowsExactlyAsync<ContainerizeException>(() => new ContainerPublisher(new CollectingSink()).PublishAsync(new ContainerPublishRequest
        {
            Project = Project(dir, "linux-arm64"),
            ContainerDirectory = dir.Combine("obj", "container"),
            StorePath = dir.Combine("store"),
            Environment = _ => null,
        }, CancellationToken.None));
        Assert.AreEqual("CTZ5044", e.Code, e.Message);
        Assert.AreEqual(3, e.Diagnostic.Line);
    }
}
