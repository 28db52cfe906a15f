using System.Formats.Tar;
using System.IO.Compression;
using System.Text;
using Containerize.Core.Diagnostics;
using Containerize.Core.Images.Layers;
using Containerize.Core.Images.Oci;
using Containerize.Tests.Infrastructure;
using static Containerize.Tests.Images.Layers.LayerTestSupport;

namespace Containerize.Tests.Images.Layers;

[TestClass]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class LayerWriterTests
{
    private const UnixFileMode Mode644 = (UnixFileMode)0b110_100_100;
    private const UnixFileMode Mode755 = (UnixFileMode)0b111_101_101;

    [TestMethod]
    public async Task Layers_reproducible_same_content_from_another_folder_order_and_mtimes_gives_the_same_digests()
    {
        using var a = new TempDir();
        using var b = new TempDir();
        string[] files = ["app/web.dll", "app/web.runtimeconfig.json", "app/de/web.resources.dll", "app/wwwroot/index.html", "app/run.sh", ".hidden"];
        foreach (var f in files) a.Write(f, "content of " + f);
        foreach (var f in files.Reverse()) b.Write(f, "content of " + f);
        File.SetUnixFileMode(a.Combine("app/run.sh"), Mode755);
        File.SetUnixFileMode(b.Combine("app/run.sh"), Mode755);
        File.CreateSymbolicLink(a.Combine("app/current"), "web.dll");
        File.CreateSymbolicLink(b.Combine("app/current"), "web.dll");
        foreach (var f in Directory.EnumerateFileSystemEntries(b.Path, "*", SearchOption.AllDirectories))
        {
            File.SetLastWriteTimeUtc(f, new DateTime(2001, 2, 3, 4, 5, 6, DateTimeKind.Utc));
        }

        foreach (var compression in new[] { LayerCompression.Gzip, LayerCompression.Zstd, LayerCompression.None })
        {
            var options = new LayerWriterOptions { Compression = compression };
            var (first, blobA) = await WriteAsync(LayerSource.FromDirectory(a.Path), options);
            var (second, blobB) = await WriteAsync(LayerSource.FromDirectory(b.Path), options);
            Assert.AreEqual(first.Blob.Digest, second.Blob.Digest, compression.ToString());
            Assert.AreEqual(first.DiffId, second.DiffId, compression.ToString());
            CollectionAssert.AreEqual(blobA, blobB);
            Assert.AreEqual(Digest.Sha256(blobA), first.Blob.Digest);
            Assert.AreEqual(blobA.Length, first.Blob.Size);
        }

        // Changing one byte changes the digest: the digest is a function of the content.
        a.Write("app/web.dll", "content of app/web.dlL");
        var (changed, _) = await WriteAsync(LayerSource.FromDirectory(a.Path));
        var (original, _) = await WriteAsync(LayerSource.FromDirectory(b.Path));
        Assert.AreNotEqual(original.DiffId, changed.DiffId);
    }

    [TestMethod]
    public async Task DiffId_is_the_sha256_of_the_uncompressed_tar_and_digest_that_of_the_blob()
    {
        var entries = new[] { LayerEntry.FromBytes("a.txt", "hello"u8.ToArray()) };
        var (gz, gzBlob) = await WriteAsync(entries);
        var (plain, plainBlob) = await WriteAsync(entries, new LayerWriterOptions { Compression = LayerCompression.None });
        using var gunzip = new GZipStream(new MemoryStream(gzBlob), CompressionMode.Decompress);
        var tar = new MemoryStream();
        await gunzip.CopyToAsync(tar);
        CollectionAssert.AreEqual(plainBlob, tar.ToArray());
        Assert.AreEqual(Digest.Sha256(tar.ToArray()), gz.DiffId);
        Assert.AreEqual(plain.DiffId, gz.DiffId);
        Assert.AreEqual(plain.DiffId, plain.Blob.Digest);
        Assert.AreEqual(tar.Length, gz.UncompressedSize);
        Assert.AreEqual(MediaTypes.OciLayerGzip, gz.Blob.MediaType);
        Assert.AreEqual(MediaTypes.OciLayer, plain.Blob.MediaType);
        var docker = await WriteAsync(entries, new LayerWriterOptions { DockerMediaTypes = true });
        Assert.AreEqual(MediaTypes.DockerLayerGzip, docker.Result.Blob.MediaType);
    }

    [TestMethod]
    public async Task Layers_reproducible_empty_layer_is_two_zero_blocks_with_the_well_known_diff_id()
    {
        var (result, blob) = await WriteAsync([], new LayerWriterOptions { Compression = LayerCompression.None });
        Assert.AreEqual(1024, blob.Length);
        Assert.IsTrue(blob.All(b => b == 0));
        Assert.AreEqual("sha256:5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef", result.DiffId.ToString());
        var (gz, gzBlob) = await WriteAsync([]);
        Assert.AreEqual(result.DiffId, gz.DiffId);
        Assert.IsEmpty(await ListAsync(gzBlob));
    }

    [TestMethod]
    public async Task Entries_are_sorted_as_a_tree_walk_and_parents_are_emitted()
    {
        var entries = new[]
        {
            LayerEntry.FromBytes("b/z.txt", "z"u8.ToArray()),
            LayerEntry.FromBytes("a-b", "x"u8.ToArray()),
            LayerEntry.FromBytes("/a/b/c.txt", "c"u8.ToArray()),
            LayerEntry.FromBytes("./a/a.txt", "a"u8.ToArray()),
        };
        var (_, blob) = await WriteAsync(entries);
        var listed = (await ListAsync(blob)).Select(e => e.Path).ToList();
        CollectionAssert.AreEqual(new[] { "a", "a/a.txt", "a/b", "a/b/c.txt", "a-b", "b", "b/z.txt" }, listed);
        var raw = await TarNamesAsync(blob);
        CollectionAssert.AreEqual(new[] { "a/", "a/a.txt", "a/b/", "a/b/c.txt", "a-b", "b/", "b/z.txt" }, raw);
    }

    [TestMethod]
    public async Task Every_entry_gets_the_one_timestamp_and_the_configured_owner()
    {
        var entries = new[]
        {
            LayerEntry.FromBytes("app/a.txt", "a"u8.ToArray()),
            LayerEntry.FromBytes("app/b.txt", "b"u8.ToArray()) with { Uid = 7, Gid = 8 },
            LayerEntry.Symlink("app/c", "a.txt"),
        };
        var (_, blob) = await WriteAsync(entries);
        foreach (var e in await ListAsync(blob))
        {
            Assert.AreEqual(DateTimeOffset.UnixEpoch, e.ModificationTime, e.Path);
            Assert.AreEqual(e.Path == "app/b.txt" ? 7 : 0, e.Uid, e.Path);
            Assert.AreEqual(e.Path == "app/b.txt" ? 8 : 0, e.Gid, e.Path);
        }

        var epoch = DateTimeOffset.FromUnixTimeSeconds(1_700_000_000);
        var (_, blob2) = await WriteAsync(entries, new LayerWriterOptions { Timestamp = epoch, Uid = 1000, Gid = 1001 });
        foreach (var e in await ListAsync(blob2))
        {
            Assert.AreEqual(epoch, e.ModificationTime, e.Path);
            Assert.AreEqual(e.Path == "app/b.txt" ? 7 : 1000, e.Uid, e.Path);
            Assert.AreEqual(e.Path == "app/b.txt" ? 8 : 1001, e.Gid, e.Path);
        }

        // No uname or gname: the header's fields stay empty.
        using var reader = new TarReader(new GZipStream(new MemoryStream(blob2), CompressionMode.Decompress));
        while (reader.GetNextEntry() is PosixTarEntry entry)
        {
            Assert.AreEqual("", entry.UserName);
            Assert.AreEqual("", entry.GroupName);
        }

        var bad = await Assert.ThrowsExactlyAsync<ContainerizeException>(() => WriteAsync(entries, new LayerWriterOptions { Timestamp = DateTimeOffset.UnixEpoch.AddSeconds(-1) }));
        Assert.AreEqual(LayerErrors.InvalidTimestamp, bad.Code);
    }

    [TestMethod]
    public async Task Modes_are_kept_as_on_disk_or_set_by_rule()
    {
        using var dir = new TempDir();
        dir.Write("r.txt", "r");
        dir.Write("x.sh", "x");
        dir.Write("secret", "s");
        Directory.CreateDirectory(dir.Combine("tmp"));
        Directory.CreateDirectory(dir.Combine("setgid"));
        File.SetUnixFileMode(dir.Combine("r.txt"), Mode644);
        File.SetUnixFileMode(dir.Combine("x.sh"), Mode755);
        File.SetUnixFileMode(dir.Combine("secret"), UnixFileMode.UserRead | UnixFileMode.UserWrite);
        File.SetUnixFileMode(dir.Combine("tmp"), (UnixFileMode)Convert.ToInt32("1777", 8));
        File.SetUnixFileMode(dir.Combine("setgid"), (UnixFileMode)Convert.ToInt32("2755", 8));
        var (_, blob) = await WriteAsync(LayerSource.FromDirectory(dir.Path));
        var modes = (await ListAsync(blob)).ToDictionary(e => e.Path, e => Convert.ToString((int)e.Mode, 8));
        Assert.AreEqual("644", modes["r.txt"]);
        Assert.AreEqual("755", modes["x.sh"]);
        Assert.AreEqual("600", modes["secret"]);
        Assert.AreEqual("1777", modes["tmp"]);
        Assert.AreEqual("2755", modes["setgid"]);

        var (_, chmodded) = await WriteAsync(LayerSource.FromDirectory(dir.Path, "app"), new LayerWriterOptions { ModeRule = LayerModeRules.Fixed(LayerModeRules.ParseOctal("0750")) });
        var after = (await ListAsync(chmodded)).ToDictionary(e => e.Path, e => Convert.ToString((int)e.Mode, 8));
        Assert.AreEqual("755", after["app"], "an implied parent keeps the default");
        Assert.AreEqual("750", after["app/r.txt"]);
        Assert.AreEqual("750", after["app/tmp"]);
        Assert.AreEqual(LayerErrors.InvalidMode, Assert.ThrowsExactly<ContainerizeException>(() => LayerModeRules.ParseOctal("u+x")).Code);
        Assert.AreEqual(LayerErrors.InvalidMode, Assert.ThrowsExactly<ContainerizeException>(() => LayerModeRules.ParseOctal("0888")).Code);
    }

    [TestMethod]
    public async Task Symlinks_hardlinks_and_whiteouts_are_encoded()
    {
        using var dir = new TempDir();
        dir.Write("data/one.bin", "shared");
        ProcessRunner.RunAsync("ln", [dir.Combine("data/one.bin"), dir.Combine("data/two.bin")]).Result.EnsureSuccess("ln");
        File.CreateSymbolicLink(dir.Combine("data/abs"), "/etc/passwd");
        File.CreateSymbolicLink(dir.Combine("data/dangling"), "../nowhere");
        var entries = LayerSource.FromDirectory(dir.Path).Concat([LayerEntry.Whiteout("old/file.txt"), LayerEntry.OpaqueWhiteout("cache")]);
        var (_, blob) = await WriteAsync(entries);
        var all = await ListAsync(blob);
        var listed = all.Where(e => e.Kind != LayerEntryKind.OpaqueWhiteout).ToDictionary(e => e.Path);
        Assert.AreEqual(LayerEntryKind.File, listed["data/one.bin"].Kind);
        Assert.AreEqual(LayerEntryKind.Hardlink, listed["data/two.bin"].Kind);
        Assert.AreEqual("data/one.bin", listed["data/two.bin"].LinkTarget);
        Assert.AreEqual(LayerEntryKind.Symlink, listed["data/abs"].Kind);
        Assert.AreEqual("/etc/passwd", listed["data/abs"].LinkTarget);
        Assert.AreEqual("../nowhere", listed["data/dangling"].LinkTarget);
        Assert.AreEqual(LayerEntryKind.Whiteout, listed["old/file.txt"].Kind);
        Assert.AreEqual("cache", all.Single(e => e.Kind == LayerEntryKind.OpaqueWhiteout).Path);
        var names = await TarNamesAsync(blob);
        CollectionAssert.Contains(names, "old/.wh.file.txt");
        CollectionAssert.Contains(names, "cache/.wh..wh..opq");
        CollectionAssert.Contains(names, "cache/");
    }

    [TestMethod]
    public async Task Long_unicode_and_spaced_names_round_trip_and_PAX_headers_carry_no_process_id()
    {
        var longName = string.Join('/', Enumerable.Range(0, 12).Select(i => $"folder-number-{i:00}")) + "/file.txt"; // > 100 bytes, splits into prefix/name
        var veryLong = new string('n', 180) + ".txt"; // one component longer than USTAR can hold
        string[] names = [longName, veryLong, "unicodé/Ünïcødé 文件.txt", "with spaces/a file.txt", "empty.txt"];
        var entries = names.Select(n => LayerEntry.FromBytes(n, n == "empty.txt" ? [] : Encoding.UTF8.GetBytes(n))).ToList();
        entries.Add(LayerEntry.Symlink("link-to-long", "/" + veryLong));
        var (_, blob) = await WriteAsync(entries, new LayerWriterOptions { Compression = LayerCompression.None });
        var listed = (await ListAsync(blob)).ToDictionary(e => e.Path);
        foreach (var n in names) Assert.IsTrue(listed.ContainsKey(n), n);
        Assert.AreEqual(0, listed["empty.txt"].Size);
        Assert.AreEqual("/" + veryLong, listed["link-to-long"].LinkTarget);

        var text = Encoding.Latin1.GetString(blob);
        Assert.DoesNotContain($"PaxHeaders.{Environment.ProcessId}", text);
        Assert.Contains("PaxHeaders.0/", text);
        Assert.DoesNotContain("atime=", text);
        Assert.DoesNotContain("ctime=", text);
        Assert.DoesNotContain("mtime=", text);

        // Only the entries USTAR cannot hold get a PAX header.
        var paxCount = 0;
        for (var at = 0; at + 512 <= blob.Length; at += 512)
        {
            if (blob[at + 156] == (byte)'x' && blob.AsSpan(at + 257, 5).SequenceEqual("ustar"u8)) paxCount++;
        }

        Assert.AreEqual(4, paxCount, "the very long name, the unicode folder and file, and the long link target");
    }

    [TestMethod]
    public async Task Large_files_stream_through_with_exact_content()
    {
        using var dir = new TempDir();
        var data = new byte[5 * 1024 * 1024 + 123];
        new Random(42).NextBytes(data);
        await File.WriteAllBytesAsync(dir.Combine("big.bin"), data);
        var blobPath = dir.Combine("layer.tar.gz");
        var result = await WriteFileAsync(LayerSource.FromDirectory(dir.Path).Where(e => e.Path == "big.bin"), blobPath);
        Assert.AreEqual(new FileInfo(blobPath).Length, result.Blob.Size);
        await using var input = File.OpenRead(blobPath);
        using var reader = new TarReader(new GZipStream(input, CompressionMode.Decompress));
        var entry = reader.GetNextEntry()!;
        Assert.AreEqual("big.bin", entry.Name);
        var copy = new MemoryStream();
        entry.DataStream!.CopyTo(copy);
        CollectionAssert.AreEqual(data, copy.ToArray());
        Assert.IsNull(reader.GetNextEntry());
    }

    [TestMethod]
    public async Task Bad_entries_get_coded_errors()
    {
        async Task<string> CodeOf(params LayerEntry[] entries) =>
            (await Assert.ThrowsExactlyAsync<ContainerizeException>(() => WriteAsync(entries))).Code;

        Assert.AreEqual(LayerErrors.PathEscapesRoot, await CodeOf(LayerEntry.FromBytes("../x", Array.Empty<byte>())));
        Assert.AreEqual(LayerErrors.InvalidEntry, await CodeOf(LayerEntry.FromBytes("", Array.Empty<byte>())));
        Assert.AreEqual(LayerErrors.InvalidEntry, await CodeOf(LayerEntry.FromBytes("a", Array.Empty<byte>()), LayerEntry.FromBytes("a/b", Array.Empty<byte>())));
        Assert.AreEqual(LayerErrors.InvalidEntry, await CodeOf(LayerEntry.Hardlink("a", "missing")));
        Assert.AreEqual(LayerErrors.InvalidEntry, await CodeOf(LayerEntry.FromBytes(".wh.sneaky", Array.Empty<byte>())));
        Assert.AreEqual(LayerErrors.InvalidEntry, await CodeOf(new LayerEntry { Path = "f", Kind = LayerEntryKind.File }));
        Assert.AreEqual(LayerErrors.SourceChanged, await CodeOf(LayerEntry.FromStream("short", () => new MemoryStream(new byte[3]), 10)));
        Assert.AreEqual(LayerErrors.UnreadableSource, await CodeOf(LayerEntry.FromFile("gone", "/nonexistent/file")));
    }

    [TestMethod]
    public async Task Layers_reproducible_layers_written_in_parallel_match_sequential_writes()
    {
        var sets = Enumerable.Range(0, 4).Select(i => Enumerable.Range(0, 50).Select(j => LayerEntry.FromBytes($"l{i}/f{j}.txt", Encoding.UTF8.GetBytes(new string((char)('a' + j % 26), 1000 * (i + 1))))).ToList()).ToList();
        var outputs = sets.Select(_ => new MemoryStream()).ToList();
        var results = await LayerWriter.WriteManyAsync([.. sets.Select((s, i) => new LayerWriteRequest(s, outputs[i]))], maxParallelism: 2);
        for (var i = 0; i < sets.Count; i++)
        {
            var (sequential, blob) = await WriteAsync(sets[i]);
            Assert.AreEqual(sequential.Blob.Digest, results[i].Blob.Digest);
            Assert.AreEqual(sequential.DiffId, results[i].DiffId);
            CollectionAssert.AreEqual(blob, outputs[i].ToArray());
        }
    }

    [TestMethod]
    public async Task Layers_tools_zstd_decompresses_our_zstd_layers()
    {
        var zstd = Requirements.Tool("zstd");
        using var dir = new TempDir();
        var entries = new[] { LayerEntry.FromBytes("a/b.txt", "zstd content"u8.ToArray()) };
        var result = await WriteFileAsync(entries, dir.Combine("layer.tar.zst"), new LayerWriterOptions { Compression = LayerCompression.Zstd });
        Assert.AreEqual(MediaTypes.OciLayerZstd, result.Blob.MediaType);
        (await ProcessRunner.RunAsync(zstd, ["-d", "-q", dir.Combine("layer.tar.zst"), "-o", dir.Combine("layer.tar")])).EnsureSuccess("zstd -d");
        Assert.AreEqual(result.DiffId, Digest.Sha256(await File.ReadAllBytesAsync(dir.Combine("layer.tar"))));
        await using var input = File.OpenRead(dir.Combine("layer.tar.zst"));
        var listing = await LayerReader.ListAsync(input, result.DiffId, result.Blob.Digest);
        Assert.AreEqual(LayerCompression.Zstd, listing.Read.Compression);
        CollectionAssert.AreEqual(new[] { "a", "a/b.txt" }, listing.Entries.Select(e => e.Path).ToList());
    }

    [TestMethod]
    public async Task A_failing_output_stream_surfaces_its_error_instead_of_hanging()
    {
        var entries = Enumerable.Range(0, 8).Select(i => LayerEntry.FromStream($"f{i}", () => new MemoryStream(new byte[1 << 20]), 1 << 20)).ToList();
        var write = LayerWriter.WriteAsync(entries, new FailingStream(), new LayerWriterOptions { Compression = LayerCompression.None });
        var finished = await Task.WhenAny(write, Task.Delay(TimeSpan.FromSeconds(30)));
        Assert.AreSame(write, finished, "the writer hung");
        var e = await Assert.ThrowsExactlyAsync<IOException>(() => write);
        Assert.AreEqual("disk full", e.Message);
    }

    private sealed class FailingStream : MemoryStream
    {
        public override void Write(ReadOnlySpan<byte> buffer) => throw new IOException("disk full");

        public override void Write(byte[] buffer, int offset, int count) => throw new IOException("disk full");

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) => throw new IOException("disk full");

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => throw new IOException("disk full");
    }

    private static async Task<List<string>> TarNamesAsync(byte[] blob)
    {
        using var input = new MemoryStream(blob);
        Stream tar = blob[0] == 0x1f ? new GZipStream(input, CompressionMode.Decompress) : input;
        var names = new List<string>();
        await using var reader = new TarReader(tar);
        while (await reader.GetNextEntryAsync() is { } e) names.Add(e.Name);
        return names;
    }
}
