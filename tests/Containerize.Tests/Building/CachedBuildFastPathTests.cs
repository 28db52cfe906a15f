using System.Runtime.Versioning;
using Containerize.Core.Images.Oci;
using Containerize.Core.Images.Store;
using Containerize.Tests.Infrastructure;

namespace Containerize.Tests.Building;

/// <summary>
/// A fully cached build writes nothing to the store but its cache entries' last-used times: index.json keeps its inode
/// and time when the tag already names the image, the step records are not rewritten, no blob is added. A moved tag is
/// still written.
/// </summary>
[TestClass]
[SupportedOSPlatform("linux")]
public sealed class CachedBuildFastPathTests
{
    [TestMethod]
    public async Task FastPath_FullyCachedBuildLeavesTheStoreUntouched()
    {
        using var dir = new TempDir();
        dir.Write("ctx/Dockerfile", "FROM scratch\nCOPY a.txt /a.txt\nENV K=v\nCOPY b.txt /b.txt\n");
        dir.Write("ctx/a.txt", "a\n");
        dir.Write("ctx/b.txt", "b\n");
        var store = dir.Combine("store");
        string[] build = ["build", "-t", "fast:1", "--store", store, dir.Combine("ctx")];
        var first = await CliRunner.RunAsync(dir.Path, build);
        Assert.AreEqual(0, first.ExitCode, first.StdErr + first.StdOut);
        var before = Snapshot(store);

        var second = await CliRunner.RunAsync(dir.Path, build);
        Assert.AreEqual(0, second.ExitCode, second.StdErr + second.StdOut);
        Assert.AreEqual(3, second.StdOut.Split('\n').Count(l => l == " ---> Using cache"), second.StdOut);
        CollectionAssert.AreEquivalent(before.ToList(), Snapshot(store).ToList(), "a fully cached build changed files in the store");

        // A changed file: the last COPY runs again, and the tag moves to the new image.
        dir.Write("ctx/b.txt", "b2\n");
        var third = await CliRunner.RunAsync(dir.Path, build);
        Assert.AreEqual(0, third.ExitCode, third.StdErr + third.StdOut);
        Assert.AreEqual(2, third.StdOut.Split('\n').Count(l => l == " ---> Using cache"), third.StdOut);
        Assert.AreNotEqual(before[Path.Combine(store, "index.json")], Snapshot(store)[Path.Combine(store, "index.json")], "the moved tag was not written");
        var opened = await OciLayoutStore.OpenOrCreateAsync(store);
        var manifest = await opened.ReadManifestAsync((await opened.ResolveAsync(ImageReference.Parse("fast:1")))!);
        Assert.AreNotEqual(BuiltId(first.StdOut), BuiltId(third.StdOut));
        Assert.AreEqual(BuiltId(third.StdOut), manifest.Config.Digest.ShortId, "the tag names the new image");
    }

    private static string BuiltId(string log) =>
        log.Split('\n').Single(l => l.StartsWith("Successfully built ", StringComparison.Ordinal))["Successfully built ".Length..];

    /// <summary>Every file of the store but the lock, with its inode, size and modification time.</summary>
    private static Dictionary<string, string> Snapshot(string store) =>
        Directory.EnumerateFiles(store, "*", SearchOption.AllDirectories)
            .Where(f => !f.EndsWith(".lock", StringComparison.Ordinal))
            .ToDictionary(f => f, f =>
            {
                var info = new FileInfo(f);
                // A cache hit only touches its entry's time (least recently used goes first when pruning).
                var time = Path.GetFileName(Path.GetDirectoryName(f)) == "build-cache" ? 0 : info.LastWriteTimeUtc.Ticks;
                return $"{Inode(f)} {info.Length} {time}";
            });

    // A rewrite through a temporary file and a rename shows as a new inode even within one timestamp tick.
    private static ulong Inode(string path) =>
        (Core.Os.LibC.LStat(path) ?? throw new IOException("lstat failed: " + path)).Inode;
}
