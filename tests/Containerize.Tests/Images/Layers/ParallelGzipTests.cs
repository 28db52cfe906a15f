using System.IO.Compression;
using Containerize.Core.Images.Layers;
using Containerize.Core.Images.Oci;
using Containerize.Tests.Infrastructure;
using static Containerize.Tests.Images.Layers.LayerTestSupport;

namespace Containerize.Tests.Images.Layers;

/// <summary>The chunked gzip compressor: the same bytes whatever the cores or the writes, and a gzip every tool reads.</summary>
[TestClass]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class ParallelGzipTests
{
    /// <summary>Half text, half noise: compressible, but not trivially, across several chunks.</summary>
    private static byte[] Sample(int length, int seed)
    {
        var random = new Random(seed);
        var data = new byte[length];
        for (var i = 0; i < length; i += 4096)
        {
            var block = data.AsSpan(i, Math.Min(4096, length - i));
            if ((i / 4096) % 2 == 0) random.NextBytes(block);
            else for (var j = 0; j < block.Length; j++) block[j] = (byte)"the quick brown fox jumps over the lazy dog\n"[(i + j) % 44];
        }

        return data;
    }

    private static async Task<byte[]> CompressAsync(byte[] data, int parallelism, int level = 6, int writeSize = int.MaxValue)
    {
        using var output = new MemoryStream();
        await using (var gzip = new ParallelGzipStream(output, level, parallelism))
        {
            for (var at = 0; at < data.Length; at += writeSize)
            {
                await gzip.WriteAsync(data.AsMemory(at, Math.Min(writeSize, data.Length - at)));
            }

            await gzip.FinishAsync();
        }

        return output.ToArray();
    }

    private static byte[] Gunzip(byte[] blob)
    {
        using var gunzip = new GZipStream(new MemoryStream(blob), CompressionMode.Decompress);
        var result = new MemoryStream();
        gunzip.CopyTo(result);
        return result.ToArray();
    }

    [TestMethod]
    [DataRow(0)]
    [DataRow(1)]
    [DataRow(ParallelGzipStream.ChunkSize)]
    [DataRow(3 * ParallelGzipStream.ChunkSize + 12345)]
    public async Task Same_bytes_whatever_the_parallelism_and_the_write_sizes_and_gunzip_gives_the_input_back(int length)
    {
        var data = Sample(length, length);
        var reference = await CompressAsync(data, parallelism: 1);
        CollectionAssert.AreEqual(reference, await CompressAsync(data, parallelism: 1), "run to run");
        CollectionAssert.AreEqual(reference, await CompressAsync(data, parallelism: 2, writeSize: 4099), "two workers, odd writes");
        CollectionAssert.AreEqual(reference, await CompressAsync(data, parallelism: 8, writeSize: 1 << 16), "eight workers");
        CollectionAssert.AreEqual(data, Gunzip(reference));
        Assert.AreEqual(0x1f, reference[0]);
        Assert.AreEqual(0x8b, reference[1]);
    }

    [TestMethod]
    public async Task Gzip_tool_tests_and_decompresses_a_multi_chunk_stream_to_the_input()
    {
        var gzip = Requirements.Tool("gzip");
        using var dir = new TempDir();
        var data = Sample((5 * ParallelGzipStream.ChunkSize) / 2, 7);
        var path = dir.Combine("data.gz");
        await File.WriteAllBytesAsync(path, await CompressAsync(data, parallelism: 2, level: 1));
        (await ProcessRunner.RunAsync(gzip, ["-t", path])).EnsureSuccess("gzip -t");
        (await ProcessRunner.RunAsync(gzip, ["-d", path])).EnsureSuccess("gzip -d");
        CollectionAssert.AreEqual(data, await File.ReadAllBytesAsync(dir.Combine("data")));
    }

    [TestMethod]
    public async Task A_layer_larger_than_a_chunk_is_reproducible_and_skopeo_copies_it_checking_its_digest()
    {
        var skopeo = Requirements.Tool("skopeo");
        using var dir = new TempDir();
        var entries = new[]
        {
            LayerEntry.FromBytes("app/big.bin", Sample(3 * ParallelGzipStream.ChunkSize, 1)),
            LayerEntry.FromBytes("app/small.txt", "small"u8.ToArray()),
        };
        var first = await WriteAsync(entries);
        var second = await WriteAsync(entries);
        Assert.AreEqual(first.Result.Blob.Digest, second.Result.Blob.Digest);
        CollectionAssert.AreEqual(first.Blob, second.Blob);
        Assert.AreEqual(Digest.Sha256(Gunzip(first.Blob)), first.Result.DiffId);

        var layout = dir.Combine("layout");
        await OciLayoutForTests.WriteAsync(layout, "big", [first]);
        (await ProcessRunner.RunAsync(skopeo, ["copy", "oci:" + layout + ":big", "oci:" + dir.Combine("copy") + ":big"])).EnsureSuccess("skopeo copy");
        CollectionAssert.AreEqual(first.Blob, await File.ReadAllBytesAsync(dir.Combine("copy", "blobs", "sha256", first.Result.Blob.Digest.Encoded)));
        var listing = await ListAsync(first.Blob);
        Assert.AreEqual(3L * ParallelGzipStream.ChunkSize, listing.Single(e => e.Path == "app/big.bin").Size);
    }
}
