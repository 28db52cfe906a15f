using System.Text;
using System.Text.Json;
using Containerize.Core.Destinations;
using Containerize.Core.Diagnostics;
using Containerize.Core.Handoff;
using Containerize.Core.Images.Oci;
using Containerize.Core.Images.Store;
using Containerize.Tests.Engines;
using Containerize.Tests.Images.Store;
using Containerize.Tests.Infrastructure;

namespace Containerize.Tests.Destinations;

/// <summary>
/// One image sent through each kind of destination, read back by a tool that is not ours: skopeo for the layout and
/// the archives, skopeo against a throw-away registry for a push, docker for a daemon load.
/// </summary>
[TestClass]
public sealed class DestinationSendTests
{
    [TestMethod]
    public async Task AnOciLayoutHoldsEveryNamesTagOrTheOneAsked()
    {
        var skopeo = Requirements.Tool("skopeo");
        using var dir = new TempDir("ctz-dest");
        var store = await OciLayoutStore.OpenOrCreateAsync(dir.Combine("store"));
        var image = await TestImages.PutImageAsync(store);
        var outgoing = new OutgoingImage(image, [ImageReference.Parse("team/app:1.0"), ImageReference.Parse("team/app:latest")]);

        var layout = dir.Combine("layout");
        var result = await new OciLayoutDestination(layout).SendAsync(store, outgoing, new CollectingSink(), CancellationToken.None);
        Assert.AreEqual("oci-layout://" + layout, result.Written!.ToString());
        foreach (var tag in new[] { "1.0", "latest" })
        {
            Assert.AreEqual(image.Digest.ToString(), (await InspectAsync(skopeo, $"oci:{layout}:{tag}")).GetProperty("Digest").GetString(), tag);
        }

        var custom = dir.Combine("custom");
        await new OciLayoutDestination(custom, "v9").SendAsync(store, outgoing, new CollectingSink(), CancellationToken.None);
        Assert.AreEqual(image.Digest.ToString(), (await InspectAsync(skopeo, $"oci:{custom}:v9")).GetProperty("Digest").GetString());
        Assert.IsFalse(Directory.EnumerateDirectories(store.IngestPath).Any(), "no scratch folder is left behind");
    }

    [TestMethod]
    public async Task AnOciArchiveHoldsTheRootIndexIncluded()
    {
        var skopeo = Requirements.Tool("skopeo");
        using var dir = new TempDir("ctz-dest");
        var store = await OciLayoutStore.OpenOrCreateAsync(dir.Combine("store"));
        var (index, _, _) = await TwoPlatformsAsync(store);

        var archive = dir.Combine("out", "index.oci.tar");
        var result = await new OciArchiveDestination(archive).SendAsync(store, new OutgoingImage(index, [ImageReference.Parse("team/app:2")]), new CollectingSink(), CancellationToken.None);
        Assert.AreEqual("oci-archive://" + archive, result.Written!.ToString());
        var raw = (await ProcessRunner.RunAsync(skopeo, ["inspect", "--raw", "oci-archive:" + archive])).EnsureSuccess("skopeo inspect --raw");
        Assert.AreEqual(index.Digest, Digest.Sha256(Encoding.UTF8.GetBytes(raw.StdOut)), "the archive's image is the index itself");
    }

    [TestMethod]
    public async Task ADockerArchiveHoldsTheLoadableImage()
    {
        var skopeo = Requirements.Tool("skopeo");
        using var dir = new TempDir("ctz-dest");
        var store = await OciLayoutStore.OpenOrCreateAsync(dir.Combine("store"));
        var (index, amd64, arm64) = await TwoPlatformsAsync(store);
        var name = ImageReference.Parse("team/app:3");

        // A multi-RID publish loads one manifest of its index; save --platform picks one with the platform.
        var given = dir.Combine("given.tar");
        await new DockerArchiveDestination(given).SendAsync(store, new OutgoingImage(index, [name]) { Loadable = amd64 }, new CollectingSink(), CancellationToken.None);
        Assert.AreEqual(await ConfigOfAsync(store, amd64), await ArchivedConfigAsync(skopeo, given));
        var picked = dir.Combine("picked.tar");
        var result = await new DockerArchiveDestination(picked).SendAsync(store, new OutgoingImage(index, [name]) { Platform = Platform.LinuxArm64 }, new CollectingSink(), CancellationToken.None);
        Assert.AreEqual(await ConfigOfAsync(store, arm64), await ArchivedConfigAsync(skopeo, picked));
        Assert.AreEqual("docker-archive://" + picked, result.Written!.ToString());
    }

    [TestMethod]
    public async Task ARegistryGetsEveryNameOnePushPerRepository()
    {
        var skopeo = Requirements.Tool("skopeo");
        using var registry = await LocalRegistry.StartAsync();
        using var dir = new TempDir("ctz-dest");
        var store = await OciLayoutStore.OpenOrCreateAsync(dir.Combine("store"));
        var image = await TestImages.PutImageAsync(store, layers: [[new LayerFile("marker", Guid.NewGuid().ToString())]]);
        string[] names = [$"{registry.Host}/dest/app:1", $"{registry.Host}/dest/app:extra", $"{registry.Host}/other/app:1"];
        var outgoing = new OutgoingImage(image, names.Select(ImageReference.Parse).ToList());

        var first = await new RegistryDestination().SendAsync(store, outgoing, new CollectingSink(), CancellationToken.None);
        Assert.HasCount(2, first.Pushes, "two repositories");
        CollectionAssert.AreEqual(names[..2], first.Pushes[0].Names.Select(n => n.ToString()).ToArray());
        Assert.IsGreaterThan(0L, first.BytesUploaded);
        foreach (var name in names)
        {
            Assert.AreEqual(image.Digest.ToString(), (await InspectAsync(skopeo, "docker://" + name, "--tls-verify=false")).GetProperty("Digest").GetString(), name);
        }

        var again = await new RegistryDestination().SendAsync(store, outgoing, new CollectingSink(), CancellationToken.None);
        Assert.AreEqual(0L, again.BytesUploaded, "every tag already names the digest");

        // push LOCAL REMOTE -t TAG: the names are the destination's, the image keeps its local one.
        var push = DestinationParser.ParsePush($"{registry.Host}/pushed/app:2", ["also"]);
        var pushed = await push.SendAsync(store, new OutgoingImage(image, [ImageReference.Parse("local/app:1")]), new CollectingSink(), CancellationToken.None);
        Assert.AreEqual(image.Digest, pushed.Pushes.Single().Result.Digest);
        Assert.AreEqual(image.Digest.ToString(), (await InspectAsync(skopeo, $"docker://{registry.Host}/pushed/app:also", "--tls-verify=false")).GetProperty("Digest").GetString());
    }

    [TestMethod]
    public async Task ADockerLoadGivesOurImageIdAndIsSkippedWhenHeld()
    {
        var docker = DockerEngines.Docker20();
        using var dir = new TempDir("ctz-dest");
        var store = await OciLayoutStore.OpenOrCreateAsync(dir.Combine("store"));
        var image = await TestImages.PutImageAsync(store, layers: [[new LayerFile("marker", Guid.NewGuid().ToString())]]);
        var configDigest = await ConfigOfAsync(store, image);
        var tag = "ctz-dest-load:" + Guid.NewGuid().ToString("N")[..8];
        var named = "ctz-dest-client:" + Guid.NewGuid().ToString("N")[..8];
        try
        {
            var outgoing = new OutgoingImage(image, [ImageReference.Parse(tag)]) { ImageId = configDigest };
            var loaded = await new DaemonDestination(EngineKind.Docker).SendAsync(store, outgoing, new CollectingSink(), CancellationToken.None);
            Assert.AreEqual("docker", loaded.LoadedInto);
            Assert.IsFalse(loaded.AlreadyHeld);
            var id = (await ProcessRunner.RunAsync(docker, ["image", "inspect", "--format", "{{.Id}}", tag])).EnsureSuccess("docker image inspect");
            Assert.AreEqual(configDigest.ToString(), id.StdOut.Trim(), "docker's image ID is our config digest");

            var again = await new DaemonDestination(EngineKind.Docker).SendAsync(store, outgoing, new CollectingSink(), CancellationToken.None);
            Assert.IsTrue(again.AlreadyHeld, "the daemon holds the image ID: only the tag is set");

            // load-into --client: the program as given, its own output reported.
            var client = await new DaemonDestination(EngineKind.Docker) { Client = docker }
                .SendAsync(store, new OutgoingImage(image, [ImageReference.Parse(named)]), new CollectingSink(), CancellationToken.None);
            StringAssert.Contains(client.LoadOutput, "Loaded image");
            Assert.AreEqual(configDigest.ToString(), (await ProcessRunner.RunAsync(docker, ["image", "inspect", "--format", "{{.Id}}", named])).EnsureSuccess("docker image inspect").StdOut.Trim());
        }
        finally
        {
            await ProcessRunner.RunAsync(docker, ["rmi", "-f", tag, named]);
        }
    }

    [TestMethod]
    public async Task AnOptionalDaemonThatIsNotThereLoadsNothing()
    {
        using var dir = new TempDir("ctz-dest");
        var store = await OciLayoutStore.OpenOrCreateAsync(dir.Combine("store"));
        var image = await TestImages.PutImageAsync(store);
        var outgoing = new OutgoingImage(image, [ImageReference.Parse("app:1")]);
        // A PATH with no docker on it (and, given, no install-folder fallbacks).
        var nowhere = new EngineLocatorOptions { SearchPath = dir.Combine("empty-path") };
        var sink = new CollectingSink();
        var result = await new DaemonDestination(EngineKind.Docker) { OnlyIfAnswering = true, Locator = nowhere }.SendAsync(store, outgoing, sink, CancellationToken.None);
        Assert.IsNull(result.LoadedInto);
        Assert.IsTrue(sink.Messages.Any(m => m.StartsWith("no Docker daemon answered", StringComparison.Ordinal)), string.Join("\n", sink.Messages));

        var required = await Assert.ThrowsExactlyAsync<ContainerizeException>(() => new DaemonDestination(EngineKind.Docker) { Locator = nowhere }.SendAsync(store, outgoing, sink, CancellationToken.None));
        Assert.AreEqual(HandoffErrors.ClientNotFound, required.Code, "LocalRegistry=Docker without docker fails");
    }

    // Two platform images under one index: amd64 and arm64, told apart by their layer.
    private static async Task<(Descriptor Index, Descriptor Amd64, Descriptor Arm64)> TwoPlatformsAsync(OciLayoutStore store)
    {
        var amd64 = await TestImages.PutImageAsync(store, layers: [[new LayerFile("arch", "amd64")]]);
        var arm64 = await TestImages.PutImageAsync(store, layers: [[new LayerFile("arch", "arm64")]]);
        var index = await ImageIndexWriter.WriteAsync(store, [amd64 with { Platform = Platform.LinuxAmd64 }, arm64 with { Platform = Platform.LinuxArm64 }]);
        return (index, amd64, arm64);
    }

    private static async Task<Digest> ConfigOfAsync(OciLayoutStore store, Descriptor manifest) => (await store.ReadManifestAsync(manifest)).Config.Digest;

    private static async Task<Digest> ArchivedConfigAsync(string skopeo, string archive)
    {
        var raw = (await ProcessRunner.RunAsync(skopeo, ["inspect", "--raw", "docker-archive:" + archive])).EnsureSuccess("skopeo inspect --raw docker-archive");
        using var doc = JsonDocument.Parse(raw.StdOut);
        return Digest.Parse(doc.RootElement.GetProperty("config").GetProperty("digest").GetString()!);
    }

    private static async Task<JsonElement> InspectAsync(string skopeo, string image, string? extra = null)
    {
        List<string> args = ["inspect"];
        if (extra is not null) args.Add(extra);
        args.Add(image);
        var r = (await ProcessRunner.RunAsync(skopeo, [.. args])).EnsureSuccess("skopeo inspect " + image);
        using var doc = JsonDocument.Parse(r.StdOut);
        return doc.RootElement.Clone();
    }
}
