using Containerize.Core.Context;
using Containerize.Tests.Infrastructure;

namespace Containerize.Tests.Context;

/// <summary>The on-disk digest cache: left alone when nothing changed, and never trusted for a file that did.</summary>
[TestClass]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class DigestCacheTests
{
    private static readonly CancellationToken None = CancellationToken.None;

    private static async Task<ContextSnapshot> SnapAsync(string dir, string cacheDir)
    {
        var ctx = await BuildContext.OpenAsync(dir, null, None);
        var s = await ContextSnapshot.CreateAsync(ctx, DigestCache.ForContext(ctx.Root, cacheDir), null, None);
        await s.ComputeDigestsAsync(None);
        await s.SaveCacheAsync(None);
        return s;
    }

    private static void MakeOld(string dir, DateTime when)
    {
        foreach (var f in Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories)) File.SetLastWriteTimeUtc(f, when);
    }

    [TestMethod]
    public async Task WarmSnapshotWithNothingChangedDoesNotRewriteTheCacheFile()
    {
        using var dir = new TempDir();
        using var cacheDir = new TempDir("ctz-cache");
        ContextTreeBuilder.Create(dir.Path, "a=1", "b=22", "sub/c=333", "sub/deeper/d=4444");
        MakeOld(dir.Path, DateTime.UtcNow.AddHours(-1));

        var first = await SnapAsync(dir.Path, cacheDir.Path);
        Assert.AreEqual(1, first.Cache.Writes);
        var file = first.Cache.File!;
        var bytes = await File.ReadAllBytesAsync(file);
        // Dated back, so that a rewrite would show as a new mtime even within the same clock tick.
        var stamp = DateTime.UtcNow.AddDays(-1);
        File.SetLastWriteTimeUtc(file, stamp);

        var warm = await SnapAsync(dir.Path, cacheDir.Path);
        Assert.AreEqual(0, warm.FilesHashed);
        Assert.AreEqual(4, warm.Cache.Hits);
        Assert.AreEqual(0, warm.Cache.Writes, "nothing changed: the cache file is not written");
        Assert.AreEqual(stamp, File.GetLastWriteTimeUtc(file));
        CollectionAssert.AreEqual(bytes, await File.ReadAllBytesAsync(file));
        Assert.IsEmpty(Directory.GetFiles(Path.GetDirectoryName(file)!, "*.tmp"));
        foreach (var e in first.Entries.Where(e => e.Digest is not null)) Assert.AreEqual(e.Digest, warm.Find(e.Path)!.Digest, e.Path);
    }

    [TestMethod]
    public async Task ChangedSizeMtimeOrInodeIsHashedAgainAndTheCacheRewritten()
    {
        using var dir = new TempDir();
        using var cacheDir = new TempDir("ctz-cache");
        ContextTreeBuilder.Create(dir.Path, "size=abc", "mtime=abc", "inode=abc", "same=abc", "gone=abc");
        var old = DateTime.UtcNow.AddHours(-1);
        MakeOld(dir.Path, old);
        var first = await SnapAsync(dir.Path, cacheDir.Path);
        Assert.AreEqual(5, first.FilesHashed);
        var before = first.Find("same")!.Digest;

        // Each change alone must be noticed: the content changes too, so a stale digest would be visible.
        File.WriteAllText(dir.Combine("size"), "abcd");
        File.SetLastWriteTimeUtc(dir.Combine("size"), old);
        File.WriteAllText(dir.Combine("mtime"), "xyz");
        File.SetLastWriteTimeUtc(dir.Combine("mtime"), old.AddSeconds(1));
        // A new file (new inode) renamed over the old one, with the same size and mtime.
        File.WriteAllText(dir.Combine("inode.new"), "xyz");
        File.SetLastWriteTimeUtc(dir.Combine("inode.new"), old);
        var oldInode = Inode(dir.Combine("inode"));
        File.Move(dir.Combine("inode.new"), dir.Combine("inode"), overwrite: true);
        Assert.AreNotEqual(oldInode, Inode(dir.Combine("inode")));
        File.Delete(dir.Combine("gone"));

        var second = await SnapAsync(dir.Path, cacheDir.Path);
        Assert.AreEqual(3, second.FilesHashed);
        Assert.AreEqual(Sha256("abcd"), second.Find("size")!.Digest);
        Assert.AreEqual(Sha256("xyz"), second.Find("mtime")!.Digest);
        Assert.AreEqual(Sha256("xyz"), second.Find("inode")!.Digest);
        Assert.AreEqual(before, second.Find("same")!.Digest);
        Assert.AreEqual(1, second.Cache.Writes);

        // The rewritten cache holds the new digests (and no longer the deleted file): a third run hashes nothing.
        var third = await SnapAsync(dir.Path, cacheDir.Path);
        Assert.AreEqual(0, third.FilesHashed);
        Assert.AreEqual(0, third.Cache.Writes);
        Assert.AreEqual(Sha256("xyz"), third.Find("inode")!.Digest);
    }

    [TestMethod]
    public async Task DeletedFileDropsOutOfTheCacheFile()
    {
        using var dir = new TempDir();
        using var cacheDir = new TempDir("ctz-cache");
        ContextTreeBuilder.Create(dir.Path, "keep=1", "gone=2");
        MakeOld(dir.Path, DateTime.UtcNow.AddHours(-1));
        var first = await SnapAsync(dir.Path, cacheDir.Path);
        var full = (await File.ReadAllBytesAsync(first.Cache.File!)).Length;

        File.Delete(dir.Combine("gone"));
        var second = await SnapAsync(dir.Path, cacheDir.Path);
        Assert.AreEqual(0, second.FilesHashed);
        Assert.AreEqual(1, second.Cache.Writes, "a record no file matches any more is dropped");
        Assert.IsLessThan(full, (await File.ReadAllBytesAsync(first.Cache.File!)).Length);
        Assert.AreEqual(0, (await SnapAsync(dir.Path, cacheDir.Path)).Cache.Writes);
    }

    private static string Sha256(string text) =>
        "sha256:" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(text)));

    private static ulong Inode(string path)
    {
        return (Containerize.Core.Os.LibC.LStat(path) ?? throw new AssertFailedException("missing " + path)).Inode;
    }
}
