using Containerize.Core.Diagnostics;
using Containerize.Core.Generation;
using Containerize.Core.Images.Oci;
using Containerize.Core.Images.Store;
using Containerize.Core.Publishing;
using Containerize.Tests.Infrastructure;

namespace Containerize.Tests.Generation;

/// <summary>The index writer and the RID-to-platform rules of a multi-RID publish, on a real store.</summary>
[TestClass]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class MultiPlatformIndexTests
{
    [TestMethod]
    public void RidsMapToTheirPlatformsInTheOrderGiven()
    {
        var platforms = MultiPlatformPublisher.Platforms(["linux-arm64", "linux-x64", "linux-musl-arm"], "app.csproj");
        CollectionAssert.AreEqual(new[] { "linux/arm64/v8", "linux/amd64", "linux/arm/v7" }, platforms.Select(p => p.Platform.ToString()).ToArray());
    }

    [TestMethod]
    public void TwoRidsOfOnePlatformAndNonLinuxRidsAreCodedErrors()
    {
        var e = Assert.ThrowsExactly<ContainerizeException>(() => MultiPlatformPublisher.Platforms(["linux-x64", "linux-musl-x64"], "app.csproj"));
        Assert.AreEqual(GenerationErrors.DuplicatePlatform, e.Code);
        Assert.AreEqual("app.csproj", e.Diagnostic.File);
        Assert.IsNotNull(e.Diagnostic.Hint);
        Assert.AreEqual(GenerationErrors.UnsupportedRuntimeIdentifier,
            Assert.ThrowsExactly<ContainerizeException>(() => MultiPlatformPublisher.Platforms(["linux-x64", "win-x64"], "app.csproj")).Code);
    }

    [TestMethod]
    public async Task TheSameManifestsGiveTheSameIndexBlob()
    {
        using var dir = new TempDir("ctz-index");
        var store = await OciLayoutStore.OpenOrCreateAsync(dir.Combine("store"));
        var a = await store.PutBlobAsync("{\"a\":1}"u8.ToArray(), MediaTypes.OciManifest);
        var b = await store.PutBlobAsync("{\"b\":2}"u8.ToArray(), MediaTypes.OciManifest);
        Descriptor[] entries = [a with { Platform = Platform.LinuxAmd64 }, b with { Platform = Platform.LinuxArm64, Annotations = new Dictionary<string, string> { ["x"] = "y" } }];

        var first = await ImageIndexWriter.WriteAsync(store, entries);
        var second = await ImageIndexWriter.WriteAsync(store, entries);
        Assert.AreEqual(first.Digest, second.Digest);
        Assert.AreEqual(MediaTypes.OciIndex, first.MediaType);
        var index = await store.ReadIndexAsync(first);
        CollectionAssert.AreEqual(new[] { a.Digest, b.Digest }, index.Manifests.Select(m => m.Digest).ToArray(), "the order given");
        Assert.IsNull(index.Manifests[1].Annotations, "no per-manifest annotations in the index");
        Assert.AreEqual("arm64", index.Manifests[1].Platform!.Architecture);
        Assert.AreNotEqual(first.Digest, (await ImageIndexWriter.WriteAsync(store, [entries[1], entries[0]])).Digest, "order is part of the digest");
    }

    // Two platform images in a store, each with the image.json its inner publish would have written.
    private static async Task<(OciLayoutStore Store, MultiPlatformPublishRequest Request, Descriptor[] Images)> TwoPlatformsAsync(TempDir dir)
    {
        var store = await OciLayoutStore.OpenOrCreateAsync(dir.Combine("store"));
        var container = dir.Combine("obj/container");
        var images = new List<Descriptor>();
        foreach (var rid in new[] { "linux-x64", "linux-arm64" })
        {
            var image = await Images.Store.TestImages.PutImageAsync(store, LayerCompression.Gzip, layers: [[new Images.Store.LayerFile("rid", rid)]],
                labels: new Dictionary<string, string> { ["rid"] = rid });
            var manifest = await store.ReadManifestAsync(image);
            images.Add(image);
            Directory.CreateDirectory(Path.Combine(container, rid));
            await ImageMetadataFile.WriteAsync(Path.Combine(MultiPlatformPublishRequest.PlatformDirectory(container, rid), ImageMetadataFile.FileName), new ContainerImageResult
            {
                Reference = "app:latest-" + rid,
                Names = ["app:latest-" + rid],
                ManifestDigest = image.Digest.ToString(),
                ManifestMediaType = MediaTypes.OciManifest,
                ImageId = manifest.Config.Digest.ToString(),
                Size = image.Size,
                DockerfilePath = "",
            }, CancellationToken.None);
        }

        var request = new MultiPlatformPublishRequest
        {
            ProjectPath = dir.Combine("app.csproj"),
            ContainerDirectory = container,
            RuntimeIdentifiers = ["linux-x64", "linux-arm64"],
            AssemblyName = "app",
            ContainerRepository = "ctz-multi/app-" + Guid.NewGuid().ToString("N")[..8],
            StorePath = store.Root,
        };
        return (store, request, images.ToArray());
    }

    [TestMethod]
    public async Task APlatformWithoutItsImageIsCTZ6032()
    {
        using var dir = new TempDir("ctz-index");
        var (store, request, images) = await TwoPlatformsAsync(dir);
        var sink = new CollectingSink();

        // The arm64 inner publish wrote nothing.
        File.Delete(Path.Combine(request.ContainerDirectory, "linux-arm64", ImageMetadataFile.FileName));
        var e = await Assert.ThrowsExactlyAsync<ContainerizeException>(() => new MultiPlatformPublisher(sink).PublishAsync(request with { ContainerArchiveOutputPath = dir.Combine("out.tar") }, CancellationToken.None));
        Assert.AreEqual(GenerationErrors.PlatformImageMissing, e.Code);
        StringAssert.Contains(e.Diagnostic.Message, "linux-arm64");
        Assert.AreEqual(request.ProjectPath, e.Diagnostic.File);

        // The x64 one names a manifest the store no longer has.
        File.Delete(store.BlobPath(images[0].Digest));
        e = await Assert.ThrowsExactlyAsync<ContainerizeException>(() => new MultiPlatformPublisher(sink).PublishAsync(request with { ContainerArchiveOutputPath = dir.Combine("out.tar") }, CancellationToken.None));
        Assert.AreEqual(GenerationErrors.PlatformImageMissing, e.Code);
        StringAssert.Contains(e.Diagnostic.Message, images[0].Digest.ToString());
        Assert.IsFalse(File.Exists(dir.Combine("out.tar")), "no archive is written for a failed index");
    }

    [TestMethod]
    public async Task ADockerArchiveFormatWithSeveralRidsWarnsCTZ6033AndWritesAnOciArchiveOfTheIndex()
    {
        var skopeo = Requirements.Tool("skopeo");
        using var dir = new TempDir("ctz-index");
        var (_, request, images) = await TwoPlatformsAsync(dir);
        var sink = new CollectingSink();
        var archive = dir.Combine("out/image.tar");
        var result = await new MultiPlatformPublisher(sink).PublishAsync(request with { ContainerArchiveOutputPath = archive, ContainerImageFormat = "Docker" }, CancellationToken.None);

        var warning = sink.Diagnostics.Single(d => d.Code == GenerationErrors.IndexArchiveIsOci);
        Assert.AreEqual(Severity.Warning, warning.Severity);
        Assert.AreEqual(archive, result.ArchivePath);
        var raw = (await ProcessRunner.RunAsync(skopeo, ["inspect", "--raw", "oci-archive:" + archive])).EnsureSuccess("skopeo inspect --raw");
        using var index = System.Text.Json.JsonDocument.Parse(raw.StdOut);
        Assert.AreEqual(MediaTypes.OciIndex, index.RootElement.GetProperty("mediaType").GetString());
        CollectionAssert.AreEqual(images.Select(i => i.Digest.ToString()).ToArray(),
            index.RootElement.GetProperty("manifests").EnumerateArray().Select(m => m.GetProperty("digest").GetString()).ToArray(), "the RIDs' manifests, in the order given");
    }

    [TestMethod]
    [Timeout(300_000, CooperativeCancellation = true)]
    public async Task LoadingSeveralRidsIntoPodmanLoadsThisMachinesPlatformAndWarnsCTZ6031()
    {
        var podman = Requirements.Tool("podman");
        using var dir = new TempDir("ctz-index");
        var (store, request, images) = await TwoPlatformsAsync(dir);
        var sink = new CollectingSink();
        var name = $"docker.io/{request.ContainerRepository}:latest";
        try
        {
            var result = await new MultiPlatformPublisher(sink).PublishAsync(request with { LocalRegistry = "podman" }, CancellationToken.None);
            Assert.AreEqual("podman", result.LoadedInto);
            var warning = sink.Diagnostics.Single(d => d.Code == GenerationErrors.IndexLoadedOnePlatform);
            Assert.AreEqual(Severity.Warning, warning.Severity);
            StringAssert.Contains(warning.Message, "linux-x64");
            // Podman holds the amd64 image: its ID is that manifest's config digest.
            var amd64Config = (await store.ReadManifestAsync(images[0])).Config.Digest.Encoded;
            var id = (await ProcessRunner.RunAsync(podman, ["image", "inspect", "--format", "{{.Id}}", name])).EnsureSuccess("podman image inspect");
            Assert.AreEqual(amd64Config, id.StdOut.Trim());
        }
        finally
        {
            await ProcessRunner.RunAsync(podman, ["rmi", "-f", name]);
        }
    }
}
