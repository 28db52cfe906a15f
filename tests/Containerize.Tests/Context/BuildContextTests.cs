using System.Formats.Tar;
using Containerize.Core.Context;
using Containerize.Core.Os;
using Containerize.Core.Diagnostics;
using Containerize.Tests.Infrastructure;

namespace Containerize.Tests.Context;

[TestClass]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class BuildContextTests
{
    private static readonly CancellationToken None = CancellationToken.None;

    private static async Task<List<string>> LsAsync(string dir, params string[] extra)
    {
        var r = await CliRunner.RunAsync(dir, ["context", "ls", .. extra, dir]);
        Assert.AreEqual(0, r.ExitCode, r.StdErr);
        return r.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries).ToList();
    }

    [TestMethod]
    public async Task SymlinkOutsideTheContextIsKeptAsALinkAndNeverFollowed()
    {
        using var outside = new TempDir("ctz-outside");
        ContextTreeBuilder.Create(outside.Path, "secret.txt", "deep/file");
        using var dir = new TempDir();
        ContextTreeBuilder.Create(dir.Path, "a.txt", $"out -> {outside.Path}", "up -> ../..", "in -> a.txt");
        var listed = await LsAsync(dir.Path);
        CollectionAssert.AreEqual(new[] { "a.txt", "in", "out", "up" }, listed);

        var sink = new CollectingSink();
        var ctx = await BuildContext.OpenAsync(dir.Path, null, None);
        var snapshot = await ContextSnapshot.CreateAsync(ctx, null, sink, None);
        Assert.AreEqual(EntryType.Symlink, snapshot.Find("out")!.Type);
        Assert.AreEqual(outside.Path, snapshot.Find("out")!.LinkTarget);
        Assert.AreEqual("../..", snapshot.Find("up")!.LinkTarget);

        var r = await CliRunner.RunAsync(dir.Path, "context", "ls", dir.Path);
        StringAssert.Contains(r.StdErr, "warning CTZ2107: symlink 'up' points outside the build context");
        Assert.DoesNotContain("'in'", r.StdErr);
    }

    [TestMethod]
    public async Task NamesWithSpacesUnicodeAndGlobCharactersAreListedSortedAndMatchable()
    {
        using var dir = new TempDir();
        ContextTreeBuilder.Create(dir.Path, "a b.txt", "ü.txt", "z.txt", "[x].txt", "*star", "q?.md", "é/ñ.txt", "\U0001F600.txt", "\uFFFD-private.txt");
        File.WriteAllText(dir.Combine(".dockerignore"), "\\[x\\].txt\n\\*star\n");
        var listed = await LsAsync(dir.Path);
        CollectionAssert.AreEqual(
            new[] { ".dockerignore", "a b.txt", "q?.md", "z.txt", "é/ñ.txt", "ü.txt", "\uFFFD-private.txt", "\U0001F600.txt" },
            listed, string.Join(" | ", listed));
    }

    [TestMethod]
    public async Task QuestionMarkMatchesOneCharacterEvenOutsideTheBasicPlane()
    {
        var m = PatternMatcher.Create(["?.txt"]);
        Assert.IsTrue(m.MatchesOrParentMatches("\U0001F600.txt"));
        Assert.IsTrue(m.MatchesOrParentMatches("a.txt"));
        Assert.IsFalse(m.MatchesOrParentMatches("ab.txt"));
        await Task.CompletedTask;
    }

    [TestMethod]
    public async Task EmptyDockerignoreKeepsEverything()
    {
        using var dir = new TempDir();
        ContextTreeBuilder.Create(dir.Path, ".dockerignore=", "Dockerfile", "src/a.cs");
        CollectionAssert.AreEqual(new[] { ".dockerignore", "Dockerfile", "src/a.cs" }, await LsAsync(dir.Path));
    }

    [TestMethod]
    public async Task DockerignoreThatExcludesItselfAndTheDockerfileIsStillReadAndTheClientStillSendsBoth()
    {
        using var dir = new TempDir();
        ContextTreeBuilder.Create(dir.Path, ".dockerignore=.dockerignore\nDockerfile\n*.log\n", "Dockerfile=FROM scratch", "app.log", "app.cs");
        CollectionAssert.AreEqual(new[] { "app.cs" }, await LsAsync(dir.Path));

        var r = await CliRunner.RunAsync(dir.Path, "context", "tar", dir.Path);
        Assert.AreEqual(0, r.ExitCode, r.StdErr);
        var names = ReadTar(r.RawStdOut).Select(e => e.Name).ToList();
        CollectionAssert.AreEqual(new[] { ".dockerignore", "Dockerfile", "app.cs" }, names);

        var exact = await CliRunner.RunAsync(dir.Path, "context", "tar", "--exact", dir.Path);
        CollectionAssert.AreEqual(new[] { "app.cs" }, ReadTar(exact.RawStdOut).Select(e => e.Name).ToList());
    }

    [TestMethod]
    public async Task DockerfileSpecificIgnoreFileReplacesTheRootOne()
    {
        using var dir = new TempDir();
        ContextTreeBuilder.Create(dir.Path, ".dockerignore=foo\n", "build/App.Dockerfile=FROM scratch", "build/App.Dockerfile.dockerignore=bar\n", "foo", "bar");
        var listed = await LsAsync(dir.Path, "-f", dir.Combine("build", "App.Dockerfile"));
        CollectionAssert.Contains(listed, "foo");
        CollectionAssert.DoesNotContain(listed, "bar");
        var why = await CliRunner.RunAsync(dir.Path, "context", "why", "-f", "build/App.Dockerfile", dir.Path, "bar");
        Assert.AreEqual("bar: excluded by App.Dockerfile.dockerignore line 1: bar\n", why.StdOut);
    }

    [TestMethod]
    public async Task WhyNamesTheLineAndPatternThatDecides()
    {
        using var dir = new TempDir();
        ContextTreeBuilder.Create(dir.Path, ".dockerignore=# comment\n/docs/\n!docs/README.md\n", "docs/README.md", "docs/x.md", "a");
        async Task<string> Why(string p) => (await CliRunner.RunAsync(dir.Path, "context", "why", dir.Path, p)).StdOut.TrimEnd('\n');
        Assert.AreEqual("docs/x.md: excluded by .dockerignore line 2: docs", await Why("docs/x.md"));
        Assert.AreEqual("docs/README.md: included by .dockerignore line 3: !docs/README.md", await Why("docs/README.md"));
        Assert.AreEqual("a: included", await Why("a"));
        var outside = await CliRunner.RunAsync(dir.Path, "context", "why", dir.Path, "../etc");
        Assert.AreEqual(1, outside.ExitCode);
        StringAssert.Contains(outside.StdErr, ContextErrors.PathOutsideContext);
    }

    [TestMethod]
    public async Task InvalidPatternIsACodedErrorWithFileAndLine()
    {
        using var dir = new TempDir();
        ContextTreeBuilder.Create(dir.Path, ".dockerignore=ok\n\n[z-\n", "a");
        var r = await CliRunner.RunAsync(dir.Path, "context", "ls", dir.Path);
        Assert.AreEqual(1, r.ExitCode);
        StringAssert.Contains(r.StdErr, ".dockerignore:3: CTZ2001 invalid pattern '[z-'");
        StringAssert.Contains(r.StdErr, "hint:");

        var missing = await CliRunner.RunAsync(dir.Path, "context", "ls", dir.Combine("nope"));
        Assert.AreEqual(1, missing.ExitCode);
        StringAssert.Contains(missing.StdErr, ContextErrors.ContextNotFound);
    }

    [TestMethod]
    public async Task SpecialFilesAreSkippedWithAWarning()
    {
        using var dir = new TempDir();
        ContextTreeBuilder.Create(dir.Path, "a");
        var mkfifo = Requirements.Tool("mkfifo");
        (await ProcessRunner.RunAsync(mkfifo, [dir.Combine("pipe")])).EnsureSuccess("mkfifo");
        var r = await CliRunner.RunAsync(dir.Path, "context", "ls", dir.Path);
        Assert.AreEqual(0, r.ExitCode);
        Assert.AreEqual("a\n", r.StdOut);
        StringAssert.Contains(r.StdErr, "warning CTZ2108: skipped FIFO 'pipe'");
    }

    [TestMethod]
    public async Task ExcludedFolderWithoutExceptionsIsNeverRead()
    {
        using var dir = new TempDir();
        ContextTreeBuilder.Create(dir.Path, ".dockerignore=node_modules\n**/bin\n!src/keep.txt\n", "node_modules/a/b/c.js", "src/bin/x", "src/keep.txt", "src/y/z");
        var ctx = await BuildContext.OpenAsync(dir.Path, null, None);
        var walker = ctx.CreateWalker();
        var listed = walker.List().Select(e => e.Path).ToList();
        CollectionAssert.AreEqual(new[] { ".dockerignore", "src", "src/keep.txt", "src/y", "src/y/z" }, listed);
        CollectionAssert.AreEquivalent(new[] { "node_modules", "src/bin" }, walker.Pruned);
        Assert.AreEqual(3, walker.DirectoriesRead, "root, src and src/y only");
    }

    [TestMethod]
    public async Task WildcardExceptionReachesOnlyFoldersOnItsLiteralPath()
    {
        using var dir = new TempDir();
        ContextTreeBuilder.Create(dir.Path, ".dockerignore=*\n!src/**/*.cs\n", "src/a/b.cs", "src/a/b.txt", "other/deep/x.cs");
        var ctx = await BuildContext.OpenAsync(dir.Path, null, None);
        var walker = ctx.CreateWalker();
        CollectionAssert.AreEqual(new[] { "src", "src/a", "src/a/b.cs" }, walker.List().Select(e => e.Path).ToList());
        CollectionAssert.Contains(walker.Pruned, "other");
    }

    [TestMethod]
    public async Task HundredThousandFiles()
    {
        using var dir = new TempDir("ctz-100k");
        File.WriteAllText(dir.Combine(".dockerignore"), "node_modules\n");
        for (var d = 0; d < 500; d++)
        {
            var ignored = dir.Combine("node_modules", $"pkg{d:D3}");
            var kept = dir.Combine("src", $"dir{d:D3}");
            Directory.CreateDirectory(ignored);
            Directory.CreateDirectory(kept);
            for (var f = 0; f < 100; f++)
            {
                File.WriteAllBytes(Path.Combine(ignored, $"f{f:D2}.js"), []);
                File.WriteAllBytes(Path.Combine(kept, $"f{f:D2}.cs"), []);
            }
        }

        var ctx = await BuildContext.OpenAsync(dir.Path, null, None);
        var walker = ctx.CreateWalker();
        var files = 0;
        string? previous = null;
        walker.Walk(e =>
        {
            if (!e.IsDirectory) files++;
            if (previous is not null) Assert.IsLessThan(0, GoPath.CompareOrdinalUtf8(previous, e.Path), $"{previous} before {e.Path}");
            previous = e.Path;
            return WalkAction.Continue;
        });
        Assert.AreEqual(50_001, files);
        Assert.AreEqual(502, walker.DirectoriesRead, "root, src and its 500 folders; node_modules is pruned");

        var snapshot = await ContextSnapshot.CreateAsync(ctx, DigestCache.InMemory(), null, None);
        await snapshot.ComputeDigestsAsync(None);
        Assert.AreEqual("sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", snapshot.Find("src/dir000/f00.cs")!.Digest);
    }

    [TestMethod]
    public async Task SecondSnapshotHashesOnlyWhatChanged()
    {
        using var dir = new TempDir();
        using var cacheDir = new TempDir("ctz-cache");
        ContextTreeBuilder.Create(dir.Path, "a=1", "b=2", "sub/c=3");
        var old = DateTime.UtcNow.AddHours(-1);
        foreach (var f in Directory.EnumerateFiles(dir.Path, "*", SearchOption.AllDirectories)) File.SetLastWriteTimeUtc(f, old);

        async Task<ContextSnapshot> Snap()
        {
            var ctx = await BuildContext.OpenAsync(dir.Path, null, None);
            var s = await ContextSnapshot.CreateAsync(ctx, DigestCache.ForContext(ctx.Root, cacheDir.Path), null, None);
            await s.ComputeDigestsAsync(None);
            await s.SaveCacheAsync(None);
            return s;
        }

        var first = await Snap();
        Assert.AreEqual(3, first.FilesHashed);
        var second = await Snap();
        Assert.AreEqual(0, second.FilesHashed);
        Assert.AreEqual(first.Find("sub/c")!.Digest, second.Find("sub/c")!.Digest);

        File.WriteAllText(dir.Combine("b"), "changed");
        File.SetLastWriteTimeUtc(dir.Combine("b"), old.AddMinutes(1));
        var third = await Snap();
        Assert.AreEqual(1, third.FilesHashed);
        Assert.AreNotEqual(first.Find("b")!.Digest, third.Find("b")!.Digest);
        Assert.AreNotEqual(await first.TreeDigestAsync(".", None), await third.TreeDigestAsync(".", None));
        Assert.AreEqual(await first.TreeDigestAsync("sub", None), await third.TreeDigestAsync("sub", None));

        // A damaged cache file is ignored, not an error.
        File.WriteAllText(first.Cache.File!, "garbage");
        Assert.AreEqual(3, (await Snap()).FilesHashed);
    }

    [TestMethod]
    public async Task DamagedOrTruncatedDigestCacheIsIgnoredNeverTrusted()
    {
        using var dir = new TempDir();
        using var cacheDir = new TempDir("ctz-cache");
        ContextTreeBuilder.Create(dir.Path, "a=1", "b=2", "sub/c=3");
        var old = DateTime.UtcNow.AddHours(-1);
        foreach (var f in Directory.EnumerateFiles(dir.Path, "*", SearchOption.AllDirectories)) File.SetLastWriteTimeUtc(f, old);

        async Task<ContextSnapshot> Snap()
        {
            var ctx = await BuildContext.OpenAsync(dir.Path, null, None);
            var s = await ContextSnapshot.CreateAsync(ctx, DigestCache.ForContext(ctx.Root, cacheDir.Path), null, None);
            await s.ComputeDigestsAsync(None);
            await s.SaveCacheAsync(None);
            return s;
        }

        var first = await Snap();
        var file = first.Cache.File!;
        var good = await File.ReadAllBytesAsync(file);
        Assert.AreEqual(0, (await Snap()).FilesHashed);

        // One flipped bit in a stored digest: the trailer no longer matches, so nothing from the file is used.
        var flipped = (byte[])good.Clone();
        flipped[40] ^= 1;
        await File.WriteAllBytesAsync(file, flipped);
        var afterFlip = await Snap();
        Assert.AreEqual(3, afterFlip.FilesHashed);
        Assert.AreEqual(first.Find("sub/c")!.Digest, afterFlip.Find("sub/c")!.Digest);

        await File.WriteAllBytesAsync(file, good[..(good.Length / 2)]);
        Assert.AreEqual(3, (await Snap()).FilesHashed);
        await File.WriteAllBytesAsync(file, []);
        Assert.AreEqual(3, (await Snap()).FilesHashed);
        CollectionAssert.AreEqual(good, await File.ReadAllBytesAsync(file), "the rebuilt cache is the same file");
    }

    [TestMethod]
    public async Task SnapshotStatsFoldersReportedLateAndDeepFiles()
    {
        // "keep" is excluded itself but re-included below: the walk reports it only once it meets "keep/deep/x",
        // from a deeper folder than the one it sits in.
        using var dir = new TempDir();
        ContextTreeBuilder.Create(dir.Path, "keep/deep/x=abc", "keep/other=1", "top=22", ".dockerignore=keep\n!keep/deep/x\n");
        File.SetUnixFileMode(dir.Combine("keep"), (UnixFileMode)Convert.ToInt32("750", 8));
        var ctx = await BuildContext.OpenAsync(dir.Path, null, None);
        var snapshot = await ContextSnapshot.CreateAsync(ctx, null, null, None);
        CollectionAssert.AreEqual(new[] { ".dockerignore", "keep", "keep/deep", "keep/deep/x", "top" }, snapshot.Entries.Select(e => e.Path).ToArray());
        var keep = snapshot.Find("keep")!;
        Assert.AreEqual(EntryType.Directory, keep.Type);
        Assert.AreEqual(Convert.ToUInt32("750", 8), keep.Permissions);
        Assert.AreEqual(new DirectoryInfo(dir.Combine("keep")).LastWriteTimeUtc, keep.ModificationTime.UtcDateTime);
        Assert.AreEqual(3, snapshot.Find("keep/deep/x")!.Size);
        Assert.AreEqual(2, snapshot.Find("top")!.Size);
    }

    [TestMethod]
    public async Task SnapshotRecordsModeOwnerSizeAndTimes()
    {
        using var dir = new TempDir();
        ContextTreeBuilder.Create(dir.Path, "run.sh=#!/bin/sh\n");
        File.SetUnixFileMode(dir.Combine("run.sh"), (UnixFileMode)Convert.ToInt32("755", 8));
        var when = new DateTime(2020, 1, 2, 3, 4, 5, DateTimeKind.Utc);
        File.SetLastWriteTimeUtc(dir.Combine("run.sh"), when);
        var ctx = await BuildContext.OpenAsync(dir.Path, null, None);
        var e = (await ContextSnapshot.CreateAsync(ctx, null, null, None)).Find("run.sh")!;
        Assert.AreEqual(Convert.ToUInt32("755", 8), e.Permissions);
        Assert.AreEqual(10, e.Size);
        Assert.AreEqual(new DateTimeOffset(when), e.ModificationTime);
        Assert.AreNotEqual(0UL, e.Inode);
        Assert.AreEqual(Requirements.IsRoot ? 0u : e.Uid, e.Uid);
    }

    [TestMethod]
    public async Task TarIsReproducibleSortedAndOwnedByRoot()
    {
        using var dir = new TempDir();
        ContextTreeBuilder.Create(dir.Path, "b/z", "b/a", "a", "link -> a", new string('n', 120) + "/long");
        var one = await CliRunner.RunAsync(dir.Path, "context", "tar", dir.Path);
        var two = await CliRunner.RunAsync(dir.Path, "context", "tar", dir.Path);
        Assert.AreEqual(0, one.ExitCode, one.StdErr);
        CollectionAssert.AreEqual(one.RawStdOut, two.RawStdOut);
        var entries = ReadTar(one.RawStdOut);
        CollectionAssert.AreEqual(new[] { "a", "b/", "b/a", "b/z", "link", new string('n', 120) + "/", new string('n', 120) + "/long" }, entries.Select(e => e.Name).ToList());
        Assert.IsTrue(entries.All(e => e.Uid == 0 && e.Gid == 0));
        Assert.AreEqual(TarEntryType.SymbolicLink, entries[4].EntryType);
        Assert.AreEqual("a", entries[4].LinkName);
        Assert.AreEqual("a", entries[0].Content);
    }

    [TestMethod]
    public async Task HygieneWarnsAboutGitBuildOutputAndSecrets()
    {
        using var dir = new TempDir();
        ContextTreeBuilder.Create(dir.Path, ".git/HEAD", "src/bin/Debug/x.dll", "src/obj/project.assets.json", "id_rsa", "cert.pfx", "tls.pem", ".env",
            ".npmrc", "nuget.config=<configuration><packageSourceCredentials><f><add key=\"ClearTextPassword\" value=\"x\" /></f></packageSourceCredentials></configuration>",
            "sub/NuGet.Config=<configuration/>", "server.key=-----BEGIN PRIVATE KEY-----\n", "notes.key=just a note", ".env.example");
        var r = await CliRunner.RunAsync(dir.Path, "context", "ls", dir.Path);
        Assert.AreEqual(0, r.ExitCode);
        foreach (var expected in new[]
                 {
                     "warning CTZ2103: '.git/'", "warning CTZ2104: build output folders are in the build context: src/bin/, src/obj/",
                     "'id_rsa' looks like an SSH private key", "'cert.pfx' looks like", "'tls.pem' looks like", "'.env' looks like", "'.npmrc' looks like",
                     "'nuget.config' looks like a NuGet configuration with a cleartext password", "'server.key' looks like a private key",
                 })
        {
            StringAssert.Contains(r.StdErr, expected);
        }

        Assert.DoesNotContain("NuGet.Config", r.StdErr);
        Assert.DoesNotContain("notes.key", r.StdErr);
        Assert.DoesNotContain(".env.example", r.StdErr);

        var strict = await CliRunner.RunAsync(dir.Path, "context", "ls", "--strict", dir.Path);
        Assert.AreEqual(1, strict.ExitCode);
        StringAssert.Contains(strict.StdErr, "build-context problem(s)");
    }

    [TestMethod]
    public async Task ContextRootOrHomeAndSizeLimitsWarn()
    {
        using var dir = new TempDir();
        ContextTreeBuilder.Create(dir.Path, "a=12345", "b=12345");
        var ctx = await BuildContext.OpenAsync(dir.Path, null, None);
        var hygiene = new ContextHygiene(ctx, HygieneOptions.Default with { MaxFiles = 1 });
        await ContextSnapshot.CreateAsync(ctx, null, null, hygiene, None);
        var sink = new CollectingSink();
        hygiene.Finish(sink);
        Assert.AreEqual(ContextErrors.TooLarge, sink.Diagnostics.Single().Code);
        StringAssert.Contains(sink.Diagnostics.Single().Message, "2 files, 10 bytes");

        var rootCtx = await BuildContext.OpenAsync("/", null, None);
        var rootSink = new CollectingSink();
        new ContextHygiene(rootCtx, HygieneOptions.Default).Finish(rootSink);
        Assert.AreEqual(ContextErrors.RootOrHome, rootSink.Diagnostics.Single().Code);
    }

    [TestMethod]
    public async Task CopySourcesExcludedByTheIgnoreFileAreReportedWithTheirLine()
    {
        using var dir = new TempDir();
        ContextTreeBuilder.Create(dir.Path, ".dockerignore=*.md\nconfig\n!config/app.json\n", "README.md", "config/app.json", "config/secret.json", "src/a.cs");
        var ctx = await BuildContext.OpenAsync(dir.Path, null, None);
        var found = ContextHygiene.CheckSources(ctx,
            [("README.md", 3), ("src", 4), ("config/app.json", 5), ("config/secret.json", 6), ("config/*.json", 7), ("https://example.org/x", 8), (".", 9)], "Dockerfile");
        Assert.HasCount(3, found);
        Assert.AreEqual((3, ContextErrors.SourceExcluded, Severity.Warning), (found[0].Line!.Value, found[0].Code, found[0].Severity));
        StringAssert.Contains(found[0].Message, "'README.md' is excluded by .dockerignore line 1: *.md");
        Assert.AreEqual(6, found[1].Line);
        StringAssert.Contains(found[1].Message, "line 2: config");
        Assert.AreEqual(7, found[2].Line);
        Assert.AreEqual("Dockerfile", found[0].File);
    }

    [TestMethod]
    public async Task UnreadableFileIsACodedErrorNotAnException()
    {
        using var dir = new TempDir();
        ContextTreeBuilder.Create(dir.Path, "ok", "locked=secret");
        File.SetUnixFileMode(dir.Combine("locked"), UnixFileMode.None);
        var args = new List<string>();
        if (Requirements.IsRoot)
        {
            // Root reads anything: run the CLI as 'nobody'.
            args.AddRange([Requirements.Tool("setpriv"), "--reuid=65534", "--regid=65534", "--clear-groups"]);
            File.SetUnixFileMode(dir.Path, (UnixFileMode)Convert.ToInt32("755", 8));
        }

        args.AddRange(["/usr/bin/dotnet", typeof(Containerize.Cli.CliApp).Assembly.Location, "context", "tar", dir.Path]);
        var env = new Dictionary<string, string?> { ["HOME"] = "/tmp", ["DOTNET_CLI_HOME"] = "/tmp", ["DOTNET_NOLOGO"] = "1" };
        var r = await ProcessRunner.RunAsync(args[0], args.Skip(1), workingDirectory: "/", environment: env, timeout: TimeSpan.FromMinutes(1));
        Assert.AreEqual(1, r.ExitCode, r.StdErr);
        StringAssert.StartsWith(r.StdErr, "locked: CTZ2003 cannot read the file");
        StringAssert.Contains(r.StdErr, "hint:");
        Assert.DoesNotContain("   at ", r.StdErr);
    }

    private sealed record TarItem(string Name, TarEntryType EntryType, int Uid, int Gid, string LinkName, string? Content);

    private static List<TarItem> ReadTar(byte[] bytes)
    {
        var result = new List<TarItem>();
        using var reader = new TarReader(new MemoryStream(bytes));
        while (reader.GetNextEntry() is { } e)
        {
            string? content = null;
            if (e.DataStream is not null) content = new StreamReader(e.DataStream).ReadToEnd();
            result.Add(new TarItem(e.Name, e.EntryType, e.Uid, e.Gid, e.LinkName, content));
        }

        return result;
    }
}
