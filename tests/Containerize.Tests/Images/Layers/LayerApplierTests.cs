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
public sealed class LayerApplierTests
{
    [TestMethod]
    public async Task Layers_apply_whiteouts_delete_files_and_folders_and_opaque_folders_hide_lower_content()
    {
        using var dir = new TempDir();
        var root = dir.Combine("rootfs");
        var (_, lower) = await WriteAsync(
        [
            LayerEntry.FromBytes("etc/keep.conf", "keep"u8.ToArray()),
            LayerEntry.FromBytes("etc/gone.conf", "gone"u8.ToArray()),
            LayerEntry.FromBytes("var/cache/a/1", "1"u8.ToArray()),
            LayerEntry.FromBytes("var/cache/b", "b"u8.ToArray()),
            LayerEntry.FromBytes("opt/tool/bin/tool", "t"u8.ToArray()),
            LayerEntry.FromBytes("srv/sub/old", "old"u8.ToArray()),
        ]);
        var (_, upper) = await WriteAsync(
        [
            LayerEntry.Whiteout("etc/gone.conf"),
            LayerEntry.Whiteout("opt/tool"),
            LayerEntry.OpaqueWhiteout("var/cache"),
            LayerEntry.FromBytes("var/cache/new", "new"u8.ToArray()),
            LayerEntry.OpaqueWhiteout("srv"),
            LayerEntry.FromBytes("srv/sub/fresh", "fresh"u8.ToArray()),
            LayerEntry.Whiteout("never/existed"), // its parent folder is written, as in Docker's diffs
        ]);
        await ApplyAsync(root, lower);
        await ApplyAsync(root, upper);
        CollectionAssert.AreEqual(
            new[] { "d etc", "d never", "d opt", "d srv", "d srv/sub", "d var", "d var/cache", "f etc/keep.conf", "f srv/sub/fresh", "f var/cache/new" }.Order(StringComparer.Ordinal).ToList(),
            Tree(root),
            string.Join(", ", Tree(root)));
        Assert.AreEqual("new", await File.ReadAllTextAsync(Path.Combine(root, "var/cache/new")));
    }

    [TestMethod]
    public async Task Layers_apply_modes_symlinks_hardlinks_and_times_are_kept_and_later_layers_replace_entries()
    {
        using var dir = new TempDir();
        var root = dir.Combine("rootfs");
        var (_, lower) = await WriteAsync(
        [
            LayerEntry.FromBytes("bin/tool", "v1"u8.ToArray(), (UnixFileMode)Convert.ToInt32("755", 8)),
            LayerEntry.Directory("tmp", (UnixFileMode)Convert.ToInt32("1777", 8)),
            LayerEntry.FromBytes("secret", "s"u8.ToArray(), (UnixFileMode)Convert.ToInt32("600", 8)),
            LayerEntry.Symlink("lib", "usr/lib"),
            LayerEntry.FromBytes("usr/lib/x.so", "x"u8.ToArray()),
            LayerEntry.Hardlink("usr/lib/y.so", "usr/lib/x.so"),
            LayerEntry.FromBytes("replaced", "file"u8.ToArray()),
        ], new LayerWriterOptions { Timestamp = DateTimeOffset.FromUnixTimeSeconds(1_600_000_000) });
        await ApplyAsync(root, lower);
        Assert.AreEqual("755", Convert.ToString((int)File.GetUnixFileMode(Path.Combine(root, "bin/tool")), 8));
        Assert.AreEqual("1777", Convert.ToString((int)File.GetUnixFileMode(Path.Combine(root, "tmp")), 8));
        Assert.AreEqual("600", Convert.ToString((int)File.GetUnixFileMode(Path.Combine(root, "secret")), 8));
        Assert.AreEqual("usr/lib", new FileInfo(Path.Combine(root, "lib")).LinkTarget);
        Assert.AreEqual(new DateTime(2020, 9, 13, 12, 26, 40, DateTimeKind.Utc), File.GetLastWriteTimeUtc(Path.Combine(root, "bin/tool")));
        Assert.AreEqual(new DateTime(2020, 9, 13, 12, 26, 40, DateTimeKind.Utc), Directory.GetLastWriteTimeUtc(Path.Combine(root, "usr/lib")));
        var x = await ProcessRunner.RunAsync("stat", ["-c", "%i %h", Path.Combine(root, "usr/lib/x.so")]);
        var y = await ProcessRunner.RunAsync("stat", ["-c", "%i %h", Path.Combine(root, "usr/lib/y.so")]);
        Assert.AreEqual(x.StdOut, y.StdOut);
        StringAssert.EndsWith(x.StdOut.Trim(), " 2");

        // A file through a symlink inside the tree lands where the link points; a folder replaces a file.
        await ApplyAsync(root, RawTar(RawFile("lib/z.so", "z")));
        var (_, upper) = await WriteAsync(
        [
            LayerEntry.FromBytes("bin/tool", "v2"u8.ToArray(), (UnixFileMode)Convert.ToInt32("700", 8)),
            LayerEntry.Directory("replaced"),
            LayerEntry.FromBytes("lib/dir-now", "d"u8.ToArray()),
        ]);
        await ApplyAsync(root, upper);
        Assert.IsNull(new FileInfo(Path.Combine(root, "lib")).LinkTarget, "a folder entry replaces a symlink, as in Docker");
        Assert.AreEqual("z", await File.ReadAllTextAsync(Path.Combine(root, "usr/lib/z.so")));
        Assert.AreEqual("v2", await File.ReadAllTextAsync(Path.Combine(root, "bin/tool")));
        Assert.AreEqual("700", Convert.ToString((int)File.GetUnixFileMode(Path.Combine(root, "bin/tool")), 8));
        Assert.IsTrue(Directory.Exists(Path.Combine(root, "replaced")));
    }

    [TestMethod]
    public async Task Layers_apply_owners_are_set_when_running_as_root()
    {
        Requirements.RequireRoot("lchown needs root");
        using var dir = new TempDir();
        var root = dir.Combine("rootfs");
        var (_, blob) = await WriteAsync(
        [
            LayerEntry.FromBytes("home/app/data", "d"u8.ToArray()),
            LayerEntry.Directory("home/app") with { Uid = 1000, Gid = 1000 },
            LayerEntry.Symlink("home/app/link", "data") with { Uid = 1001, Gid = 1002 },
            LayerEntry.FromBytes("usr/bin/su", "su"u8.ToArray(), (UnixFileMode)Convert.ToInt32("4755", 8)),
        ], new LayerWriterOptions { Uid = 33, Gid = 44 });
        await ApplyAsync(root, blob);
        async Task<string> Stat(string p) => (await ProcessRunner.RunAsync("stat", ["-c", "%u:%g %a", Path.Combine(root, p)])).EnsureSuccess("stat").StdOut.Trim();
        Assert.AreEqual("1000:1000 755", await Stat("home/app"));
        Assert.AreEqual("33:44 644", await Stat("home/app/data"));
        Assert.AreEqual("1001:1002 777", await Stat("home/app/link"));
        Assert.AreEqual("33:44 4755", await Stat("usr/bin/su"));
    }

    [TestMethod]
    public async Task Layers_apply_entries_climbing_above_the_root_are_kept_inside_it()
    {
        using var dir = new TempDir();
        var root = dir.Combine("rootfs");

        // As containerd cleans names: '..' above the root stays at the root.
        await ApplyAsync(root, RawTar(RawFile("../escaped.txt", "x"), RawFile("a/../../escaped2.txt", "y")));
        Assert.IsFalse(File.Exists(dir.Combine("escaped.txt")));
        Assert.IsFalse(File.Exists(dir.Combine("escaped2.txt")));
        Assert.AreEqual("x", await File.ReadAllTextAsync(Path.Combine(root, "escaped.txt")));
        Assert.AreEqual("y", await File.ReadAllTextAsync(Path.Combine(root, "escaped2.txt")));

        // An absolute path is taken under the root.
        await ApplyAsync(root, RawTar(RawFile("/etc/absolute.txt", "inside")));
        Assert.AreEqual("inside", await File.ReadAllTextAsync(Path.Combine(root, "etc/absolute.txt")));
    }

    [TestMethod]
    public async Task Layers_apply_symlinks_never_lead_a_later_entry_out_of_the_root()
    {
        using var dir = new TempDir();
        var root = dir.Combine("rootfs");
        var outside = Directory.CreateDirectory(dir.Combine("outside")).FullName;

        // A relative link that climbs out, then a file through it: '..' stops at the root, as in a chroot.
        var relative = RawTar(RawLink(TarEntryType.SymbolicLink, "evil", "../../../outside"), RawFile("evil/pwned", "x"));
        await ApplyAsync(root, relative);
        Assert.IsEmpty(Directory.GetFileSystemEntries(outside));
        Assert.AreEqual("x", await File.ReadAllTextAsync(Path.Combine(root, "outside", "pwned")));
        Assert.AreEqual("../../../outside", new FileInfo(Path.Combine(root, "evil")).LinkTarget, "the link is stored as written");

        // A loop of links is a coded error naming the entry, and writes nothing.
        var loop = RawTar(RawLink(TarEntryType.SymbolicLink, "l1", "l2"), RawLink(TarEntryType.SymbolicLink, "l2", "/l1"), RawFile("l1/x", "x"));
        var e = await Assert.ThrowsExactlyAsync<ContainerizeException>(() => ApplyAsync(dir.Combine("loop"), loop));
        Assert.AreEqual(LayerErrors.SymlinkLoop, e.Code);
        StringAssert.Contains(e.Message, "l1/x");

        // An absolute link to the host's folder, then a file through it: the container's view, inside the root.
        var absolute = RawTar(RawLink(TarEntryType.SymbolicLink, "abs", outside), RawFile("abs/pwned", "x"));
        await ApplyAsync(root, absolute);
        Assert.IsEmpty(Directory.GetFileSystemEntries(outside));
        Assert.AreEqual("x", await File.ReadAllTextAsync(Path.Combine(root, outside.TrimStart('/'), "pwned")));

        // A symlink replaced by a file is replaced, never written through.
        var overwrite = RawTar(RawLink(TarEntryType.SymbolicLink, "target", Path.Combine(outside, "victim")), RawFile("target", "y"));
        await File.WriteAllTextAsync(Path.Combine(outside, "victim"), "untouched");
        await ApplyAsync(root, overwrite);
        Assert.AreEqual("untouched", await File.ReadAllTextAsync(Path.Combine(outside, "victim")));
        Assert.AreEqual("y", await File.ReadAllTextAsync(Path.Combine(root, "target")));
    }

    [TestMethod]
    public async Task Layers_apply_hardlinks_to_outside_or_to_nothing_are_refused()
    {
        using var dir = new TempDir();
        var root = dir.Combine("rootfs");
        var secret = dir.Write("secret.txt", "host secret");
        foreach (var target in new[] { "../secret.txt", secret, "missing/file" })
        {
            var tar = RawTar(RawLink(TarEntryType.HardLink, "stolen", target));
            var e = await Assert.ThrowsExactlyAsync<ContainerizeException>(() => ApplyAsync(root, tar), target);
            Assert.AreEqual(LayerErrors.BadHardlink, e.Code, target);
            Assert.IsFalse(File.Exists(Path.Combine(root, "stolen")), target);
        }

        // Through a symlink that climbs out: refused as well.
        var viaLink = RawTar(RawLink(TarEntryType.SymbolicLink, "up", ".."), RawLink(TarEntryType.HardLink, "stolen", "up/secret.txt"));
        Assert.AreEqual(LayerErrors.BadHardlink, (await Assert.ThrowsExactlyAsync<ContainerizeException>(() => ApplyAsync(root, viaLink))).Code);
        Assert.AreEqual("1", (await ProcessRunner.RunAsync("stat", ["-c", "%h", secret])).StdOut.Trim());
    }

    [TestMethod]
    public async Task Layers_apply_truncated_or_corrupt_layers_and_wrong_digests_are_coded_errors()
    {
        var entries = Enumerable.Range(0, 20).Select(i => LayerEntry.FromBytes($"f{i}", Encoding.UTF8.GetBytes(new string('x', 5000) + i))).ToList();
        var (result, blob) = await WriteAsync(entries);
        using var dir = new TempDir();

        var truncated = blob[..(blob.Length / 2)];
        Assert.AreEqual(LayerErrors.CorruptLayer, (await Assert.ThrowsExactlyAsync<ContainerizeException>(() => ApplyAsync(dir.Combine("t"), truncated))).Code);
        // Twelve bytes short: the gzip trailer and the end-of-stream block go, after the chunked writer has sync-flushed
        // every byte of the tar, so the tar itself is whole. Only the blob's digest tells, and the store and the
        // registry client always check it.
        var lastBytesMissing = blob[..^12];
        using (var cut = new MemoryStream(lastBytesMissing))
            Assert.AreEqual(LayerErrors.DigestMismatch, (await Assert.ThrowsExactlyAsync<ContainerizeException>(() => LayerReader.ListAsync(cut, expectedDigest: result.Blob.Digest))).Code);

        var corrupt = (byte[])blob.Clone();
        for (var i = 20; i < 60; i++) corrupt[i] ^= 0x5a;
        Assert.AreEqual(LayerErrors.CorruptLayer, (await Assert.ThrowsExactlyAsync<ContainerizeException>(() => ApplyAsync(dir.Combine("c"), corrupt))).Code);

        var other = Digest.Sha256("something else"u8);
        Assert.AreEqual(LayerErrors.DiffIdMismatch, (await Assert.ThrowsExactlyAsync<ContainerizeException>(() => ApplyAsync(dir.Combine("d"), blob, other))).Code);
        using var input = new MemoryStream(blob);
        Assert.AreEqual(LayerErrors.DigestMismatch, (await Assert.ThrowsExactlyAsync<ContainerizeException>(() => LayerReader.ListAsync(input, expectedDigest: other))).Code);

        await ApplyAsync(dir.Combine("ok"), blob, result.DiffId);
        Assert.HasCount(20, Directory.GetFiles(dir.Combine("ok")));
    }

    [TestMethod]
    public async Task Layers_apply_plain_and_zstd_layers_are_detected_by_their_magic_bytes()
    {
        var entries = new[] { LayerEntry.FromBytes("hello.txt", "hi"u8.ToArray()) };
        foreach (var compression in new[] { LayerCompression.None, LayerCompression.Zstd, LayerCompression.Gzip })
        {
            var (result, blob) = await WriteAsync(entries, new LayerWriterOptions { Compression = compression });
            using var dir = new TempDir();
            using var input = new MemoryStream(blob);
            var read = await LayerApplier.ApplyAsync(dir.Path, input, expectedDiffId: result.DiffId, expectedDigest: result.Blob.Digest);
            Assert.AreEqual(compression, read.Compression);
            Assert.AreEqual(result.UncompressedSize, read.UncompressedSize);
            Assert.AreEqual("hi", await File.ReadAllTextAsync(dir.Combine("hello.txt")));
        }
    }
}
