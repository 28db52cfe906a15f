using Containerize.Core.Diagnostics;
using Containerize.Core.Generation;
using Containerize.Core.Images.Oci;
using Containerize.Core.Images.Store;
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
}
