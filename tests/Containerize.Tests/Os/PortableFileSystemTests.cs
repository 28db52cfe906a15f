using Containerize.Core.Context;
using Containerize.Core.Diagnostics;
using Containerize.Core.Generation;
using Containerize.Core.Os;
using Containerize.Core.Publishing;
using Containerize.Tests.Context;
using Containerize.Tests.Infrastructure;

namespace Containerize.Tests.Os;

/// <summary>
/// The portable file-system path (.NET's API, no C library) against the native one on the same trees, and Windows'
/// rules forced from Linux: the mode rule, links and case variants, staging with paths compared as Windows does.
/// </summary>
[TestClass]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class PortableFileSystemTests
{
    private static readonly CancellationToken None = CancellationToken.None;

    // Files, folders (empty ones too), links inside, dangling and climbing out, odd modes, a .dockerignore with an exception.
    private static void CreateTree(string root)
    {
        ContextTreeBuilder.Create(root,
            ".dockerignore=ignored\n!ignored/kept\n*.tmp\n",
            "a/b/c.txt=three", "a/b/deeper/d.bin=four4", "a/empty/", "empty/", "ignored/x=x", "ignored/kept=k", "scratch.tmp=t",
            "run.sh=#!/bin/sh", "secret=s", "setuid=u", "sticky/inside=i", "private/file=p", "Ä-ünïcode/ß=x",
            "link -> a/b/c.txt", "dangling -> nowhere", "up -> ../outside", "a/dirlink -> b");
        File.SetUnixFileMode(Path.Combine(root, "run.sh"), (UnixFileMode)0b111_101_101);
        File.SetUnixFileMode(Path.Combine(root, "secret"), (UnixFileMode)0b110_000_000);
        File.SetUnixFileMode(Path.Combine(root, "setuid"), (UnixFileMode)0b100_111_101_101);
        File.SetUnixFileMode(Path.Combine(root, "sticky"), (UnixFileMode)0b001_111_111_111);
        File.SetUnixFileMode(Path.Combine(root, "private"), (UnixFileMode)0b111_000_000);
    }

    private static async Task<(List<WalkEntry> Listing, ContextSnapshot Snapshot, string Digest)> ReadAsync(string root, HostRules rules, string? cacheDir = null)
    {
        using (HostRules.Use(rules))
        {
            var context = await BuildContext.OpenAsync(root, null, None);
            var listing = context.List(null, None);
            var snapshot = await ContextSnapshot.CreateAsync(context, cacheDir is null ? null : DigestCache.ForContext(context.Root, cacheDir), null, None);
            var digest = await snapshot.TreeDigestAsync(".", None);
            await snapshot.SaveCacheAsync(None);
            return (listing, snapshot, digest);
        }
    }

    private static void RequireNative()
    {
        if (!HostRules.NativeFileSystemAvailable) Assert.Inconclusive("the native file-system path is not available here (not Linux, or the C library lacks an export)");
    }

    [TestMethod]
    public async Task NativeAndPortableGiveTheSameListingSnapshotAndContextDigest()
    {
        RequireNative();
        using var dir = new TempDir();
        CreateTree(dir.Path);

        var native = await ReadAsync(dir.Path, HostRules.Actual);
        var portable = await ReadAsync(dir.Path, HostRules.Portable);

        CollectionAssert.AreEqual(native.Listing.Select(e => $"{e.Path} {e.Type}").ToList(), portable.Listing.Select(e => $"{e.Path} {e.Type}").ToList());
        Assert.IsTrue(native.Listing.Any(e => e.Path == "ignored/kept") && native.Listing.All(e => e.Path != "ignored/x" && e.Path != "scratch.tmp"),
            "the .dockerignore applies");
        Assert.IsTrue(native.Listing.Any(e => e.Path == "a/empty" && e.IsDirectory), "empty folders are listed");

        static string Line(ContextEntry e) =>
            $"{e.Path} {e.Type} {Convert.ToString(e.Mode, 8)} {e.Size} {e.LinkTarget} {e.MTimeNanoseconds / 100}";
        CollectionAssert.AreEqual(native.Snapshot.Entries.Select(Line).ToList(), portable.Snapshot.Entries.Select(Line).ToList());
        Assert.AreEqual(native.Digest, portable.Digest, "the context digest a COPY keys on");

        // Really two paths: the portable one has no inodes, the native one does.
        Assert.IsTrue(native.Snapshot.Entries.All(e => e.Inode != 0));
        Assert.IsTrue(portable.Snapshot.Entries.All(e => e.Inode == 0));
        Assert.AreEqual("4755", Convert.ToString(portable.Snapshot.Find("setuid")!.Permissions, 8));
        Assert.AreEqual("1777", Convert.ToString(portable.Snapshot.Find("sticky")!.Permissions, 8));
        Assert.AreEqual("../outside", portable.Snapshot.Find("up")!.LinkTarget);
        Assert.AreEqual(EntryType.Symlink, portable.Snapshot.Find("a/dirlink")!.Type, "a link to a folder is a link, never followed");
    }

    [TestMethod]
    public async Task PortableDigestCacheDetectsASameSizeChangeByMtimeAndReusesTheRest()
    {
        using var dir = new TempDir();
        using var cache = new TempDir("ctz-cache");
        ContextTreeBuilder.Create(dir.Path, "same=abc", "changed=abc", "sub/other=xyz");
        var old = DateTime.UtcNow.AddHours(-1);
        foreach (var f in Directory.EnumerateFiles(dir.Path, "*", SearchOption.AllDirectories)) File.SetLastWriteTimeUtc(f, old);

        var first = await ReadAsync(dir.Path, HostRules.Portable, cache.Path);
        Assert.AreEqual(3, first.Snapshot.FilesHashed);

        var changed = Path.Combine(dir.Path, "changed");
        await File.WriteAllTextAsync(changed, "abd");
        File.SetLastWriteTimeUtc(changed, old.AddMinutes(1));
        var second = await ReadAsync(dir.Path, HostRules.Portable, cache.Path);
        Assert.AreEqual(1, second.Snapshot.FilesHashed, "only the changed file is read again");
        Assert.AreEqual(2, second.Snapshot.Cache.Hits);
        Assert.AreNotEqual(first.Snapshot.Find("changed")!.Digest, second.Snapshot.Find("changed")!.Digest);
        Assert.AreEqual(first.Snapshot.Find("same")!.Digest, second.Snapshot.Find("same")!.Digest);
        Assert.AreNotEqual(first.Digest, second.Digest);

        var third = await ReadAsync(dir.Path, HostRules.Portable, cache.Path);
        Assert.AreEqual(0, third.Snapshot.FilesHashed, "nothing changed: every digest from the cache");
        Assert.AreEqual(second.Digest, third.Digest);
    }

    [TestMethod]
    public async Task WindowsRulesGiveExecutablesAndScripts0755AndEverythingElse0644()
    {
        using var dir = new TempDir();
        ContextTreeBuilder.Create(dir.Path, "app/App=host", "app/App.dll=dll", "app/tools/marked=m", "app/run.sh=sh", "app/tools/START.SH=sh",
            "app/data.json=j", "app/Package.dll=p", "app/sub/deep/x.so=so", "app/private/");
        // What the disk says is ignored: Windows has no modes.
        File.SetUnixFileMode(Path.Combine(dir.Path, "app/App.dll"), (UnixFileMode)0b111_111_111);
        File.SetUnixFileMode(Path.Combine(dir.Path, "app/App"), (UnixFileMode)0b110_000_000);
        File.SetUnixFileMode(Path.Combine(dir.Path, "app/private"), (UnixFileMode)0b111_000_000);

        using (HostRules.Use(HostRules.Windows))
        {
            var context = (await BuildContext.OpenAsync(dir.Path, null, None)).WithFileModes(new Dictionary<string, UnixFileMode>
            {
                ["app/App"] = (UnixFileMode)ModeRule.Executable,
                ["app\\tools\\marked"] = (UnixFileMode)ModeRule.Executable,
                ["app/Package.dll"] = (UnixFileMode)ModeRule.NuGetExtracted,
            });
            var snapshot = await ContextSnapshot.CreateAsync(context, null, null, None);
            string Mode(string p) => Convert.ToString(snapshot.Find(p)!.Permissions, 8);
            Assert.AreEqual("755", Mode("app/App"), "the app host");
            Assert.AreEqual("755", Mode("app/tools/marked"), "ContainerExecutable");
            Assert.AreEqual("755", Mode("app/run.sh"));
            Assert.AreEqual("755", Mode("app/tools/START.SH"));
            Assert.AreEqual("644", Mode("app/App.dll"));
            Assert.AreEqual("744", Mode("app/Package.dll"), "a package's file, as NuGet extracts it on Linux");
            Assert.AreEqual("644", Mode("app/data.json"));
            Assert.AreEqual("644", Mode("app/sub/deep/x.so"));
            foreach (var folder in new[] { "app", "app/private", "app/sub", "app/sub/deep", "app/tools" }) Assert.AreEqual("755", Mode(folder), folder);
            Assert.IsTrue(snapshot.Entries.All(e => !e.Path.Contains('\\') && !e.Path.StartsWith('/')), "names are '/'-separated and relative");
        }
    }

    [TestMethod]
    public void TheLayerPlanGivesTheAppHostMarkedItemsAndPackageFilesTheirLinuxModes()
    {
        var plan = LayerPlanner.Plan([
            new PublishedFile("App", "/p/App"), new PublishedFile("App.dll", "/p/App.dll"),
            new PublishedFile("tools/run", "/p/tools/run", Executable: true),
            new PublishedFile("Humanizer.dll", "/p/Humanizer.dll", NuGetPackageId: "Humanizer.Core", NuGetPackageVersion: "2.14.1"),
        ], ContainerLayering.Dependencies, false, "/src/App.csproj", appHost: "App");
        var modes = plan.AllFiles.ToDictionary(f => f.RelativePath, f => f.Mode);
        Assert.AreEqual((UnixFileMode)ModeRule.Executable, modes["App"]);
        Assert.AreEqual((UnixFileMode)ModeRule.Executable, modes["tools/run"]);
        Assert.AreEqual((UnixFileMode)ModeRule.NuGetExtracted, modes["Humanizer.dll"]);
        Assert.IsNull(modes["App.dll"], "left to the rule: 0644");
    }

    [TestMethod]
    public async Task WindowsRulesRefuseCaseVariantsAndLinksToThisMachinesDisks()
    {
        using var dir = new TempDir();
        ContextTreeBuilder.Create(dir.Path, "sub/Readme.md=a", "sub/README.md=b");
        using (HostRules.Use(HostRules.Actual))
        {
            Assert.HasCount(3, (await BuildContext.OpenAsync(dir.Path, null, None)).List(null, None), "Linux: two files");
        }

        using (HostRules.Use(HostRules.Windows))
        {
            var context = await BuildContext.OpenAsync(dir.Path, null, None);
            var e = Assert.ThrowsExactly<ContainerizeException>(() => context.List(null, None));
            Assert.AreEqual(ContextErrors.CaseVariantNames, e.Diagnostic.Code);
            StringAssert.Contains(e.Diagnostic.File, "sub/");
        }

        using var links = new TempDir();
        ContextTreeBuilder.Create(links.Path, "lib/x=x", "rel -> lib\\x", "junction -> C:\\Users\\me\\lib", "unc -> \\\\server\\share\\x");
        File.Delete(Path.Combine(links.Path, "junction"));
        File.Delete(Path.Combine(links.Path, "unc"));
        using (HostRules.Use(HostRules.Windows))
        {
            var snapshot = await ContextSnapshot.CreateAsync(await BuildContext.OpenAsync(links.Path, null, None), null, null, None);
            Assert.AreEqual("lib/x", snapshot.Find("rel")!.LinkTarget, "'\\' becomes '/' in the image");
            foreach (var target in new[] { "C:\\Users\\me\\lib", "\\\\server\\share\\x", "\\\\?\\C:\\x" })
            {
                var link = Path.Combine(links.Path, "abs");
                File.Delete(link);
                File.CreateSymbolicLink(link, target);
                var context = await BuildContext.OpenAsync(links.Path, null, None);
                var e = await Assert.ThrowsExactlyAsync<ContainerizeException>(() => ContextSnapshot.CreateAsync(context, null, null, None));
                Assert.AreEqual(ContextErrors.UnportableLink, e.Diagnostic.Code, target);
                Assert.AreEqual("abs", e.Diagnostic.File);
            }
        }
    }

    [TestMethod]
    public async Task StagingWithWindowsRulesRemovesOnlyStaleFilesAndHandlesPathsPast260Characters()
    {
        using var dir = new TempDir();
        var publish = Path.Combine(dir.Path, "publish");
        // A nested path well past Windows' old MAX_PATH, in the publish output and in the staged context.
        var longFolder = string.Join('/', Enumerable.Range(0, 6).Select(i => $"folder-{i}-" + new string('x', 50)));
        var files = new[] { "App.dll", "App", "runtimes/linux-x64/native/libe_sqlite3.so", "de/App.resources.dll", longFolder + "/deep.txt" };
        foreach (var f in files)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(publish, f))!);
            await File.WriteAllTextAsync(Path.Combine(publish, f), f);
        }

        Assert.IsGreaterThan(260, Path.Combine(dir.Path, "context", "app", longFolder, "deep.txt").Length);
        LayerPlan Plan(IEnumerable<string> names) =>
            new([new Layer("app", "app", names.Select(f => new LayerFile(f, Path.Combine(publish, f))).ToList())]);

        var context = Path.Combine(dir.Path, "context");
        using (HostRules.Use(HostRules.Windows))
        {
            var first = await ContextStager.StageAsync(Plan(files), context, None);
            Assert.AreEqual(new StagingResult(0, files.Length, 0, 0), first, "no hard links on the portable path: copies");
            Assert.AreEqual(files[4], await File.ReadAllTextAsync(Path.Combine(context, "app", longFolder, "deep.txt")));

            var again = await ContextStager.StageAsync(Plan(files), context, None);
            Assert.AreEqual(new StagingResult(0, 0, files.Length, 0), again, "nested files are the same files, not stale ones");

            await File.WriteAllTextAsync(Path.Combine(context, "app", "runtimes", "stale.so"), "old");
            var fewer = await ContextStager.StageAsync(Plan(files.Where(f => f != "de/App.resources.dll")), context, None);
            Assert.AreEqual(new StagingResult(0, 0, files.Length - 1, 2), fewer);
            Assert.IsFalse(Directory.Exists(Path.Combine(context, "app", "de")), "the emptied folder goes too");
            Assert.IsTrue(File.Exists(Path.Combine(context, "app", "runtimes/linux-x64/native/libe_sqlite3.so")));
            Assert.IsTrue(File.Exists(Path.Combine(context, "app", longFolder, "deep.txt")));
        }

        // The staged context reads back with the same paths, long one included, and the app host executable.
        using (HostRules.Use(HostRules.Windows))
        {
            var snapshot = await ContextSnapshot.CreateAsync((await BuildContext.OpenAsync(context, null, None)).WithFileModes(new Dictionary<string, UnixFileMode> { ["app/App"] = (UnixFileMode)ModeRule.Executable }), null, null, None);
            Assert.AreEqual("755", Convert.ToString(snapshot.Find("app/App")!.Permissions, 8));
            Assert.AreEqual("644", Convert.ToString(snapshot.Find("app/" + longFolder + "/deep.txt")!.Permissions, 8));
        }
    }

    [TestMethod]
    public async Task NativeStagingHardLinksAndPortableStagingCopiesWithModeAndTime()
    {
        RequireNative();
        using var dir = new TempDir();
        var source = Path.Combine(dir.Path, "publish", "App");
        Directory.CreateDirectory(Path.GetDirectoryName(source)!);
        await File.WriteAllTextAsync(source, "host");
        File.SetUnixFileMode(source, (UnixFileMode)0b111_101_101);
        File.SetLastWriteTimeUtc(source, new DateTime(2020, 1, 2, 3, 4, 5, DateTimeKind.Utc));
        var plan = new LayerPlan([new Layer("app", "app", [new LayerFile("App", source)])]);

        using (HostRules.Use(HostRules.Actual))
        {
            Assert.AreEqual(new StagingResult(1, 0, 0, 0), await ContextStager.StageAsync(plan, Path.Combine(dir.Path, "native"), None));
        }

        using (HostRules.Use(HostRules.Portable))
        {
            Assert.AreEqual(new StagingResult(0, 1, 0, 0), await ContextStager.StageAsync(plan, Path.Combine(dir.Path, "portable"), None));
            var copy = Path.Combine(dir.Path, "portable", "app", "App");
            Assert.AreEqual((UnixFileMode)0b111_101_101, File.GetUnixFileMode(copy));
            Assert.AreEqual(File.GetLastWriteTimeUtc(source), File.GetLastWriteTimeUtc(copy));
            Assert.AreEqual(new StagingResult(0, 0, 1, 0), await ContextStager.StageAsync(plan, Path.Combine(dir.Path, "portable"), None));
        }
    }
}
