using System.IO.Compression;
using System.Security.Cryptography;
using Containerize.Core.Images.Oci;
using Containerize.Core.Images.Store;
using Containerize.Tests.Infrastructure;

namespace Containerize.Tests.Images.Store;

/// <summary>Plain layers get gzip twins when an image leaves the store: made once, deterministic, config untouched.</summary>
[TestClass]
public sealed class DistributionLayersTests
{
    [TestMethod]
    public async Task PlainLayersGetGzipTwinsThatDecompressToTheirDiffIdAndAreMadeOnce()
    {
        using var dir = new TempDir();
        var store = await OciLayoutStore.OpenOrCreateAsync(dir.Combine("s"));
        var plain = await TestImages.PutImageAsync(store, LayerCompression.None, layers: [TestImages.SampleFiles, [new LayerFile("second", new string('x', 300_000))]]);
        var before = await store.ReadManifestAsync(plain);

        var compressed = await DistributionLayers.CompressAsync(store, plain, CancellationToken.None);
        Assert.AreNotEqual(plain.Digest, compressed.Digest);
        Assert.AreEqual(Platform.LinuxAmd64, compressed.Platform);
        var after = await store.ReadManifestAsync(compressed);
        Assert.AreEqual(before.Config.Digest, after.Config.Digest, "the config, so the image ID, is unchanged");
        Assert.HasCount(2, after.Layers);
        for (var i = 0; i < after.Layers.Count; i++)
        {
            Assert.AreEqual(MediaTypes.OciLayerGzip, after.Layers[i].MediaType);
            var gz = await File.ReadAllBytesAsync(store.BlobPath(after.Layers[i].Digest));
            Assert.AreEqual(after.Layers[i].Size, gz.Length);
            using var output = new MemoryStream();
            await using (var gzip = new GZipStream(new MemoryStream(gz), CompressionMode.Decompress)) await gzip.CopyToAsync(output);
            Assert.AreEqual(before.Layers[i].Digest.ToString(), "sha256:" + Convert.ToHexStringLower(SHA256.HashData(output.ToArray())), "a twin decompresses to the plain layer");
        }

        // A second time nothing is compressed again: the twin is found by its diff ID, and the digest is the same.
        var blobsBefore = Directory.GetFiles(Path.Combine(store.Root, "blobs"), "*", SearchOption.AllDirectories).Length;
        var again = await DistributionLayers.CompressAsync(store, plain, CancellationToken.None);
        Assert.AreEqual(compressed.Digest, again.Digest);
        Assert.AreEqual(blobsBefore, Directory.GetFiles(Path.Combine(store.Root, "blobs"), "*", SearchOption.AllDirectories).Length);

        // Another store compresses to the same bytes: the pushed digest is reproducible.
        var other = await OciLayoutStore.OpenOrCreateAsync(dir.Combine("t"));
        var plainThere = await TestImages.PutImageAsync(other, LayerCompression.None, layers: [TestImages.SampleFiles, [new LayerFile("second", new string('x', 300_000))]]);
        Assert.AreEqual(compressed.Digest, (await DistributionLayers.CompressAsync(other, plainThere, CancellationToken.None)).Digest);

        // A twin whose blob was pruned is made again rather than named.
        File.Delete(store.BlobPath(after.Layers[1].Digest));
        var remade = await DistributionLayers.CompressAsync(store, plain, CancellationToken.None);
        Assert.AreEqual(compressed.Digest, remade.Digest);
        Assert.IsTrue(File.Exists(store.BlobPath(after.Layers[1].Digest)));
        Assert.IsEmpty(TestImages.BadBlobFiles(store.Root));
    }

    [TestMethod]
    public async Task AnIndexLeavesWithItsManifestsCompressed()
    {
        using var dir = new TempDir();
        var store = await OciLayoutStore.OpenOrCreateAsync(dir.Combine("s"));
        var plain = await TestImages.PutImageAsync(store, LayerCompression.None);
        var gzip = await TestImages.PutImageAsync(store, LayerCompression.Gzip, layers: [[new LayerFile("arm", "arm")]]);
        var index = await ImageIndexWriter.WriteAsync(store, [plain with { Platform = Platform.LinuxAmd64 }, gzip with { Platform = Platform.LinuxArm64 }]);

        var compressed = await DistributionLayers.CompressAsync(store, index, CancellationToken.None);
        Assert.AreNotEqual(index.Digest, compressed.Digest);
        var manifests = OciJson.DeserializeIndex(await store.ReadBlobBytesAsync(compressed)).Manifests;
        Assert.AreEqual((await DistributionLayers.CompressAsync(store, plain, CancellationToken.None)).Digest, manifests[0].Digest, "the plain image's compressed manifest");
        Assert.AreEqual(Platform.LinuxAmd64, manifests[0].Platform);
        Assert.AreEqual(gzip.Digest, manifests[1].Digest, "an already compressed manifest stays");
        Assert.AreEqual(Platform.LinuxArm64, manifests[1].Platform);
        Assert.AreEqual(compressed.Digest, (await DistributionLayers.CompressAsync(store, compressed, CancellationToken.None)).Digest, "nothing left to compress");
    }

    [TestMethod]
    public async Task CompressedImagesAreLeftAsTheyAre()
    {
        using var dir = new TempDir();
        var store = await OciLayoutStore.OpenOrCreateAsync(dir.Combine("s"));
        foreach (var compression in new[] { LayerCompression.Gzip, LayerCompression.Zstd })
        {
            var image = await TestImages.PutImageAsync(store, compression);
            Assert.AreEqual(image.Digest, (await DistributionLayers.CompressAsync(store, image, CancellationToken.None)).Digest, compression.ToString());
        }
    }
}
