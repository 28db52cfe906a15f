using System.Text.Json;
using Containerize.Tests.Infrastructure;

namespace Containerize.Tests.Sdk;

/// <summary>
/// What a user trusts without checking: "image build skipped (nothing changed)" is true (a changed label input
/// rebuilds, a moved base tag rebuilds on the new base), a digest-pinned base asks nothing of a registry, and the user
/// comes from the base's APP_UID whatever the base is called, as with the SDK's PublishContainer on the same base.
/// Bases are copies of the lab's offline images under repositories of this test's own in the lab registry.
/// </summary>
[TestClass]
[DoNotParallelize]
public sealed class ImageFreshnessTests
{
    private const string Skipped = "image build skipped (nothing changed)";

    private static JsonElement Config(string projectFolder)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(projectFolder, "obj", "container", "config.json")));
        return doc.RootElement.Clone();
    }

    private static string Label(string projectFolder, string name) =>
        Config(projectFolder).GetProperty("config").GetProperty("Labels").TryGetProperty(name, out var v) ? v.GetString()! : "";

    [TestMethod]
    [Timeout(900_000, CooperativeCancellation = true)]
    public async Task AChangedLabelInputBuildsTheImageAgain()
    {
        await PublishLab.RequireRegistryAsync();
        using var lab = await PublishLab.CopySampleAsync("HelloConsole");
        var project = Path.Combine(lab.Root, "HelloConsole");
        string[] args = ["-p:ContainerArchiveOutputPath=out/"];

        (await lab.PublishAsync("HelloConsole", [.. args, "-p:PackageLicenseExpression=MIT"])).EnsureSuccess("publish MIT");
        Assert.AreEqual("MIT", Label(project, "org.opencontainers.image.licenses"));

        var apache = (await lab.PublishAsync("HelloConsole", [.. args, "-p:PackageLicenseExpression=Apache-2.0"])).EnsureSuccess("publish Apache-2.0");
        Assert.DoesNotContain(Skipped, apache.StdOut, "a changed license is a changed image");
        Assert.AreEqual("Apache-2.0", Label(project, "org.opencontainers.image.licenses"));

        var same = (await lab.PublishAsync("HelloConsole", [.. args, "-p:PackageLicenseExpression=Apache-2.0"])).EnsureSuccess("publish unchanged");
        StringAssert.Contains(same.StdOut, Skipped);

        // The source labels, from the repository and the revision Source Link would set.
        string[] repo = [.. args, "-p:PackageLicenseExpression=Apache-2.0", "-p:PublishRepositoryUrl=true", "-p:RepositoryUrl=https://example.com/app.git", "-p:RepositoryType=git"];
        (await lab.PublishAsync("HelloConsole", [.. repo, "-p:SourceRevisionId=1111111"])).EnsureSuccess("publish revision 1");
        Assert.AreEqual("1111111", Label(project, "org.opencontainers.image.revision"));
        Assert.AreEqual("https://example.com/app", Label(project, "org.opencontainers.image.source"));
        var next = (await lab.PublishAsync("HelloConsole", [.. repo, "-p:SourceRevisionId=2222222"])).EnsureSuccess("publish revision 2");
        Assert.DoesNotContain(Skipped, next.StdOut);
        Assert.AreEqual("2222222", Label(project, "org.opencontainers.image.revision"));
    }

    [TestMethod]
    [Timeout(900_000, CooperativeCancellation = true)]
    public async Task AMovedBaseTagIsPickedUpAndAPinnedOneAsksNothing()
    {
        await PublishLab.RequireRegistryAsync();
        var repository = $"{PublishLab.Registry}/ctz-fresh-{Guid.NewGuid():N}/runtime";
        await PublishLab.CopyImageAsync($"{PublishLab.Registry}/dotnet/runtime:10.0", repository + ":10.0");
        using var lab = await PublishLab.CopySampleAsync("HelloConsole");
        var project = Path.Combine(lab.Root, "HelloConsole");
        string[] args = ["-p:ContainerArchiveOutputPath=out/", $"-p:ContainerBaseImage={repository}:10.0"];

        (await lab.PublishAsync("HelloConsole", args)).EnsureSuccess("first publish");
        var first = PublishLab.ImageJson(project);
        var firstBase = first.GetProperty("baseImage").GetString()!;
        StringAssert.StartsWith(firstBase, repository + ":10.0@sha256:", "the build names the base digest it used");
        StringAssert.Contains(File.ReadAllText(first.GetProperty("dockerfile").GetString()!), "FROM " + firstBase, "the Dockerfile pins it");
        StringAssert.Contains((await lab.PublishAsync("HelloConsole", args)).EnsureSuccess("unchanged").StdOut, Skipped);

        // A patched base pushed over the tag (here the aspnet image: the runtime and one layer more).
        await PublishLab.CopyImageAsync($"{PublishLab.Registry}/dotnet/aspnet:10.0", repository + ":10.0");
        var moved = (await lab.PublishAsync("HelloConsole", args)).EnsureSuccess("publish after the tag moved");
        Assert.DoesNotContain(Skipped, moved.StdOut, "a moved base tag is a changed image");
        StringAssert.Contains(moved.StdOut, "moved from");
        var second = PublishLab.ImageJson(project);
        var secondBase = second.GetProperty("baseImage").GetString()!;
        Assert.AreNotEqual(firstBase, secondBase);
        Assert.AreEqual(firstBase.Split('@')[1], second.GetProperty("previousBaseDigest").GetString(), "image.json says the base changed, and from what");
        Assert.AreEqual(first.GetProperty("baseLayers").GetInt32() + 1, second.GetProperty("baseLayers").GetInt32(), "the new base's extra layer is in the image");
        var aspnetLayers = (await PublishLab.SkopeoAsync("inspect", "--tls-verify=false", $"docker://{PublishLab.Registry}/dotnet/aspnet:10.0")).GetProperty("Layers")
            .EnumerateArray().Select(l => l.GetString()!).ToList();
        using (var manifest = JsonDocument.Parse(File.ReadAllText(Path.Combine(project, "obj", "container", "manifest.json"))))
        {
            var layers = manifest.RootElement.GetProperty("layers").EnumerateArray().Select(l => l.GetProperty("digest").GetString()!).ToList();
            CollectionAssert.IsSubsetOf(aspnetLayers, layers, "the image is built on the patched base's layers");
        }

        StringAssert.Contains((await lab.PublishAsync("HelloConsole", args)).EnsureSuccess("unchanged again").StdOut, Skipped);

        // Pinned by digest: the content is in the store, so a registry that does not exist is never asked (no
        // warning, no base.digest to check), and the image is the same as on the tag.
        var digest = secondBase.Split('@')[1];
        var deadRegistry = "127.0.0.1:9/" + repository[(PublishLab.Registry.Length + 1)..];
        var pinned = (await lab.PublishAsync("HelloConsole", "-p:ContainerArchiveOutputPath=out/", $"-p:ContainerBaseImage={deadRegistry}@{digest}")).EnsureSuccess("publish on a pinned base");
        Assert.DoesNotContain("warning", pinned.StdOut, "nothing was asked of the registry");
        Assert.IsFalse(File.Exists(Path.Combine(project, "obj", "container", "base.digest")), "a pinned base has nothing to check");
        Assert.AreEqual(deadRegistry + "@" + digest, PublishLab.ImageJson(project).GetProperty("baseImage").GetString());

        // Offline: the stored tag is used as it is, no registry asked, the same base as the last online build.
        var offline = (await lab.PublishAsync("HelloConsole", [.. args, "-p:ContainerOffline=true"])).EnsureSuccess("publish offline");
        Assert.DoesNotContain("warning", offline.StdOut);
        Assert.AreEqual(secondBase, PublishLab.ImageJson(project).GetProperty("baseImage").GetString());
    }

    [TestMethod]
    [Timeout(900_000, CooperativeCancellation = true)]
    public async Task ABaseNotNamedLikeMicrosoftsStillGivesItsAppUidAsTheSdkDoes()
    {
        await PublishLab.RequireRegistryAsync();
        var mirror = $"{PublishLab.Registry}/company-{Guid.NewGuid():N}/dotnet/aspnet:10";
        await PublishLab.CopyImageAsync($"{PublishLab.Registry}/dotnet/aspnet:10.0", mirror);
        using var lab = await PublishLab.CopySampleAsync("HelloConsole");
        var project = Path.Combine(lab.Root, "HelloConsole");
        (await lab.PublishAsync("HelloConsole", "-p:ContainerArchiveOutputPath=out/", $"-p:ContainerBaseImage={mirror}")).EnsureSuccess("publish on the mirrored base");
        var config = Config(project).GetProperty("config");
        Assert.AreEqual("1654", config.GetProperty("User").GetString(), "the base's APP_UID, as for Microsoft's own name");
        CollectionAssert.Contains(config.GetProperty("ExposedPorts").EnumerateObject().Select(p => p.Name).ToList(), "8080/tcp", "ASPNETCORE_HTTP_PORTS of the base");

        // The SDK's PublishContainer on the same base, in a copy without the package's image build.
        using var sdk = await PublishLab.CopySampleAsync("HelloConsole", "HelloConsole-sdk");
        var archive = Path.Combine(sdk.Root, "sdk.tar.gz");
        var env = SdkPackage.DotnetEnvironment();
        var r = await ProcessRunner.RunAsync("dotnet", ["publish", Path.Combine(sdk.Root, "HelloConsole-sdk"), "-c", "Release", "-nologo", "-t:PublishContainer",
            $"-p:ContainerBaseImage={mirror}", $"-p:ContainerArchiveOutputPath={archive}"], sdk.Root, env, timeout: TimeSpan.FromMinutes(8));
        r.EnsureSuccess("the SDK's PublishContainer");
        // The SDK writes an OCI archive for an OCI base (ours are), a Docker one otherwise.
        var format = (await ProcessRunner.RunAsync("tar", ["-tf", archive])).EnsureSuccess("tar -t").StdOut.Contains("index.json", StringComparison.Ordinal) ? "oci-archive" : "docker-archive";
        var sdkConfig = (await PublishLab.SkopeoAsync("inspect", "--config", $"{format}:{archive}")).GetProperty("config");
        Assert.AreEqual(sdkConfig.GetProperty("User").GetString(), config.GetProperty("User").GetString(), "the same user as the SDK's image");
    }
}
