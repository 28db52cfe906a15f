using System.Text.Json;
using Containerize.Core.Diagnostics;
using Containerize.Core.Images.Oci;
using Containerize.Core.Images.Store;
using Containerize.Tests.Infrastructure;

namespace Containerize.Tests.Images.Store;

[TestClass]
public sealed class LocalStoreTests
{
    [TestMethod]
    public async Task NewStoreIsAnOciLayout()
    {
        using var dir = new TempDir();
        var store = await OciLayoutStore.OpenOrCreateAsync(dir.Combine("store"));
        Assert.AreEqual("{\"imageLayoutVersion\":\"1.0.0\"}", File.ReadAllText(dir.Combine("store", "oci-layout")));
        using var index = JsonDocument.Parse(File.ReadAllText(dir.Combine("store", "index.json")));
        Assert.AreEqual(2, index.RootElement.GetProperty("schemaVersion").GetInt32());
        Assert.AreEqual(0, index.RootElement.GetProperty("manifests").GetArrayLength());
        Assert.IsTrue(Directory.Exists(dir.Combine("store", "blobs", "sha256")));
        Assert.AreEqual(store.Root, (await OciLayoutStore.OpenOrCreateAsync(dir.Combine("store"))).Root);
    }

    [TestMethod]
    public async Task BlobsAreStoredByDigestAndReadBackVerified()
    {
        using var dir = new TempDir();
        var store = await OciLayoutStore.OpenOrCreateAsync(dir.Path);
        var content = "hello blob"u8.ToArray();
        var d = await store.PutBlobAsync(content, "text/plain");
        Assert.AreEqual(Digest.Sha256(content), d.Digest);
        Assert.AreEqual(content.Length, d.Size);
        Assert.IsTrue(await store.HasBlobAsync(d.Digest));
        Assert.AreEqual((long?)content.Length, await store.GetBlobSizeAsync(d.Digest));
        CollectionAssert.AreEqual(content, File.ReadAllBytes(dir.Combine("blobs", "sha256", d.Digest.Encoded)));
        await using var s = await store.OpenBlobAsync(d.Digest);
        using var copy = new MemoryStream();
        await s.CopyToAsync(copy);
        CollectionAssert.AreEqual(content, copy.ToArray());
        Assert.IsFalse(await store.HasBlobAsync(Digest.Sha256("other"u8)));
        Assert.IsNull(await store.GetBlobSizeAsync(Digest.Sha256("other"u8)));
        var missing = await Assert.ThrowsExactlyAsync<ContainerizeException>(() => store.OpenBlobAsync(Digest.Sha256("other"u8)));
        Assert.AreEqual(StoreErrors.BlobNotFound, missing.Code);
    }

    [TestMethod]
    public async Task StreamedPutComputesDigestWithoutExpectation()
    {
        using var dir = new TempDir();
        var store = await OciLayoutStore.OpenOrCreateAsync(dir.Path);
        var big = new byte[300_000];
        new Random(7).NextBytes(big);
        var d = await store.PutBlobAsync(new MemoryStream(big), MediaTypes.OciLayer);
        Assert.AreEqual(Digest.Sha256(big), d.Digest);
        Assert.AreEqual(big.Length, d.Size);
        Assert.AreEqual(0, Directory.GetFiles(store.IngestPath).Length);
    }

    [TestMethod]
    public async Task WrongExpectedDigestIsRejectedAndLeavesNothing()
    {
        using var dir = new TempDir();
        var store = await OciLayoutStore.OpenOrCreateAsync(dir.Path);
        var claimed = Digest.Sha256("what the manifest says"u8);
        var e = await Assert.ThrowsExactlyAsync<ContainerizeException>(() =>
            store.PutBlobAsync(new MemoryStream("something else"u8.ToArray()), MediaTypes.OciLayer, claimed));
        Assert.AreEqual(StoreErrors.DigestMismatch, e.Code);
        StringAssert.Contains(e.Diagnostic.Message, Digest.Sha256("something else"u8).ToString());
        Assert.IsFalse(await store.HasBlobAsync(claimed));
        Assert.IsFalse(await store.HasBlobAsync(Digest.Sha256("something else"u8)));
        await AssertCleanAsync(store);
    }

    [TestMethod]
    public async Task TruncatedContentIsRejected()
    {
        using var dir = new TempDir();
        var store = await OciLayoutStore.OpenOrCreateAsync(dir.Path);
        var full = new byte[10_000];
        new Random(1).NextBytes(full);
        var truncated = full[..6000];
        var e = await Assert.ThrowsExactlyAsync<ContainerizeException>(() =>
            store.PutBlobAsync(new MemoryStream(truncated), MediaTypes.OciLayer, Digest.Sha256(full), full.Length));
        Assert.AreEqual(StoreErrors.SizeMismatch, e.Code);
        StringAssert.Contains(e.Diagnostic.Message, "truncated");
        var tooLong = await Assert.ThrowsExactlyAsync<ContainerizeException>(() =>
            store.PutBlobAsync(new MemoryStream(full), MediaTypes.OciLayer, Digest.Sha256(full), 5000));
        Assert.AreEqual(StoreErrors.SizeMismatch, tooLong.Code);
        Assert.IsFalse(await store.HasBlobAsync(Digest.Sha256(full)));
        await AssertCleanAsync(store);
    }

    [TestMethod]
    public async Task CorruptBlobOnDiskFailsOnReadAndInStoreCheck()
    {
        using var dir = new TempDir();
        var store = await OciLayoutStore.OpenOrCreateAsync(dir.Path);
        var image = await TestImages.PutImageAsync(store);
        await store.TagAsync(ImageReference.Parse("app:1.0"), image);
        var manifest = await store.ReadManifestAsync(image);
        var layerPath = store.BlobPath(manifest.Layers[0].Digest);
        var bytes = File.ReadAllBytes(layerPath);
        bytes[bytes.Length / 2] ^= 0xff;
        File.WriteAllBytes(layerPath, bytes);

        await using (var s = await store.OpenBlobAsync(manifest.Layers[0].Digest))
        {
            var e = await Assert.ThrowsExactlyAsync<ContainerizeException>(() => s.CopyToAsync(Stream.Null));
            Assert.AreEqual(StoreErrors.CorruptBlob, e.Code);
        }

        var check = await CliRunner.RunAsync(dir.Path, "store", "check", "--store", dir.Path);
        Assert.AreEqual(1, check.ExitCode, check.StdOut + check.StdErr);
        StringAssert.Contains(check.StdErr, StoreErrors.CheckFailed);
        StringAssert.Contains(check.StdErr, manifest.Layers[0].Digest.ToString());

        var repair = await CliRunner.RunAsync(dir.Path, "store", "check", "--delete-corrupt", "--store", dir.Path);
        Assert.AreEqual(1, repair.ExitCode);
        Assert.IsFalse(File.Exists(layerPath));
        // The blob is gone, so the tag is now incomplete: check keeps failing until the image is restored.
        var after = await CliRunner.RunAsync(dir.Path, "store", "check", "--store", dir.Path);
        Assert.AreEqual(1, after.ExitCode);
        StringAssert.Contains(after.StdErr, "missing");
        await TestImages.PutImageAsync(store);
        Assert.AreEqual(0, (await CliRunner.RunAsync(dir.Path, "store", "check", "--store", dir.Path)).ExitCode);
    }

    [TestMethod]
    public async Task TagsAreRefNameAnnotationsWithTheFullReference()
    {
        using var dir = new TempDir();
        var store = await OciLayoutStore.OpenOrCreateAsync(dir.Path);
        var first = await TestImages.PutImageAsync(store, LayerCompression.Gzip);
        var second = await TestImages.PutImageAsync(store, LayerCompression.Zstd);
        await store.TagAsync(ImageReference.Parse("app:1.0"), first);
        await store.TagAsync(ImageReference.Parse("localhost:5000/team/app"), first);
        await store.TagAsync(ImageReference.Parse("app:1.0"), second);

        using var index = JsonDocument.Parse(File.ReadAllText(dir.Combine("index.json")));
        var entries = index.RootElement.GetProperty("manifests").EnumerateArray().ToList();
        Assert.HasCount(2, entries);
        var app = entries.Single(e => e.GetProperty("annotations").GetProperty(AnnotationKeys.RefName).GetString() == "docker.io/library/app:1.0");
        Assert.AreEqual(second.Digest.ToString(), app.GetProperty("digest").GetString());
        Assert.AreEqual("docker.io/library/app:1.0", app.GetProperty("annotations").GetProperty(AnnotationKeys.ContainerdImageName).GetString());
        Assert.AreEqual(MediaTypes.OciManifest, app.GetProperty("mediaType").GetString());
        Assert.AreEqual("amd64", app.GetProperty("platform").GetProperty("architecture").GetString());

        Assert.AreEqual(second.Digest, (await store.ResolveAsync(ImageReference.Parse("docker.io/library/app:1.0")))!.Digest);
        Assert.AreEqual(first.Digest, (await store.ResolveAsync(ImageReference.Parse("localhost:5000/team/app:latest")))!.Digest);
        Assert.IsNull(await store.ResolveAsync(ImageReference.Parse("app:2.0")));
        Assert.AreEqual(first.Digest, (await store.ResolveAsync(ImageReference.Parse("app@" + first.Digest)))!.Digest);

        var digestOnly = await Assert.ThrowsExactlyAsync<ContainerizeException>(() => store.TagAsync(ImageReference.Parse("app@" + first.Digest), first));
        Assert.AreEqual(StoreErrors.TagRequired, digestOnly.Code);
        var dangling = await Assert.ThrowsExactlyAsync<ContainerizeException>(() =>
            store.TagAsync(ImageReference.Parse("app:x"), first with { Digest = Digest.Sha256("nope"u8) }));
        Assert.AreEqual(StoreErrors.BlobNotFound, dangling.Code);

        Assert.IsTrue(await store.UntagAsync(ImageReference.Parse("app:1.0")));
        Assert.IsFalse(await store.UntagAsync(ImageReference.Parse("app:1.0")));
        Assert.IsNull(await store.ResolveAsync(ImageReference.Parse("app:1.0")));
    }

    [TestMethod]
    public async Task TwoStoreInstancesTaggingAtOnceLoseNothing()
    {
        using var dir = new TempDir();
        var a = await OciLayoutStore.OpenOrCreateAsync(dir.Path);
        var b = await OciLayoutStore.OpenOrCreateAsync(dir.Path);
        var image = await TestImages.PutImageAsync(a);
        var tasks = Enumerable.Range(0, 40).Select(i => Task.Run(() => (i % 2 == 0 ? a : b).TagAsync(ImageReference.Parse($"app:{i}"), image))).ToArray();
        await Task.WhenAll(tasks);
        var tags = await a.ListTagsAsync();
        Assert.HasCount(40, tags);
        CollectionAssert.AreEquivalent(Enumerable.Range(0, 40).Select(i => $"docker.io/library/app:{i}").ToList(), tags.Select(t => t.RefName).ToList());
        Assert.AreEqual(0, Directory.GetFiles(dir.Path, "*.tmp").Length);
    }

    [TestMethod]
    public async Task TwoProcessesTaggingAtOnceLoseNothing()
    {
        var cli = Path.Combine(AppContext.BaseDirectory, "containerize.dll");
        Assert.IsTrue(File.Exists(cli), cli);
        var dotnet = Environment.ProcessPath is { } p && Path.GetFileNameWithoutExtension(p) == "dotnet" ? p : Requirements.Tool("dotnet");
        using var dir = new TempDir();
        var store = await OciLayoutStore.OpenOrCreateAsync(dir.Path);
        await store.TagAsync(ImageReference.Parse("base:1"), await TestImages.PutImageAsync(store));
        var runs = Enumerable.Range(0, 6).Select(i => ProcessRunner.RunAsync(dotnet, [cli, "tag", "base:1", $"app:{i}", "--store", dir.Path])).ToArray();
        foreach (var r in await Task.WhenAll(runs)) r.EnsureSuccess("containerize tag");
        var tags = (await store.ListTagsAsync()).Select(t => t.RefName).ToList();
        Assert.HasCount(7, tags);
        for (var i = 0; i < 6; i++) CollectionAssert.Contains(tags, $"docker.io/library/app:{i}");
    }

    [TestMethod]
    public async Task ConcurrentWritersOfTheSameBlobBothSucceed()
    {
        using var dir = new TempDir();
        var stores = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => OciLayoutStore.OpenOrCreateAsync(dir.Path)));
        var data = new byte[2_000_000];
        new Random(3).NextBytes(data);
        var results = await Task.WhenAll(stores.Select(s => Task.Run(() => s.PutBlobAsync(new MemoryStream(data), MediaTypes.OciLayer))));
        Assert.IsTrue(results.All(r => r.Digest == Digest.Sha256(data)));
        await AssertCleanAsync(stores[0]);
    }

    [TestMethod]
    public async Task PruneDeletesUnreferencedBlobsAndStaleIngestFiles()
    {
        using var dir = new TempDir();
        var store = await OciLayoutStore.OpenOrCreateAsync(dir.Path);
        var kept = await TestImages.PutImageAsync(store, LayerCompression.Gzip);
        await store.TagAsync(ImageReference.Parse("kept:1"), kept);
        var dropped = await TestImages.PutImageAsync(store, LayerCompression.Zstd, layers: [[new LayerFile("other", "x")]]);
        var orphan = await store.PutBlobAsync("orphan"u8.ToArray(), "text/plain");
        Directory.CreateDirectory(store.IngestPath);
        var stale = Path.Combine(store.IngestPath, "dead.partial");
        File.WriteAllText(stale, "half a blob from a killed build");

        // With the default grace period nothing young is touched: a running build may not have tagged yet.
        var young = await new StorePruner(store).PruneAsync();
        Assert.AreEqual(0, young.BlobsDeleted);
        Assert.IsTrue(File.Exists(stale));

        var result = await CliRunner.RunAsync(dir.Path, "prune", "--grace-seconds", "0", "--store", dir.Path);
        Assert.AreEqual(0, result.ExitCode, result.StdErr);
        Assert.IsFalse(await store.HasBlobAsync(dropped.Digest));
        Assert.IsFalse(await store.HasBlobAsync(orphan.Digest));
        Assert.IsFalse(File.Exists(stale));
        foreach (var d in await ImageGraph.ClosureAsync(store, [kept], tolerateMissing: false)) Assert.IsTrue(await store.HasBlobAsync(d.Digest));
        StringAssert.Contains(result.StdOut, "deleted 4 blobs");
        Assert.AreEqual(0, (await CliRunner.RunAsync(dir.Path, "store", "check", "--store", dir.Path)).ExitCode);
    }

    [TestMethod]
    public async Task PruneKeepsRegisteredRootsUntilTheSizeBoundNeedsThem()
    {
        using var dir = new TempDir();
        var store = await OciLayoutStore.OpenOrCreateAsync(dir.Path);
        var tagged = await TestImages.PutImageAsync(store, LayerCompression.None, layers: [[new LayerFile("a", new string('a', 3000))]]);
        await store.TagAsync(ImageReference.Parse("t:1"), tagged);
        var old = await store.PutBlobAsync(new byte[50_000], MediaTypes.OciLayer);
        var recent = await store.PutBlobAsync(new byte[60_000].Select((_, i) => (byte)i).ToArray(), MediaTypes.OciLayer);
        var cache = new FakeCache([new PruneRoot(old, DateTimeOffset.UtcNow.AddDays(-3)), new PruneRoot(recent, DateTimeOffset.UtcNow)]);
        var pruner = new StorePruner(store) { GracePeriod = TimeSpan.Zero };
        pruner.AddRootSource(cache);

        var unbounded = await pruner.PruneAsync();
        Assert.AreEqual(0, unbounded.BlobsDeleted);
        Assert.IsTrue(await store.HasBlobAsync(old.Digest));

        var bounded = await pruner.PruneAsync(maxSize: 70_000);
        Assert.AreEqual(1, bounded.RootsReleased);
        Assert.IsFalse(await store.HasBlobAsync(old.Digest), "the stalest cache entry goes first");
        Assert.IsTrue(await store.HasBlobAsync(recent.Digest));
        Assert.IsTrue(await store.HasBlobAsync(tagged.Digest));
        CollectionAssert.AreEqual(new[] { old.Digest }, cache.Released.Select(r => r.Descriptor.Digest).ToList());

        var tiny = await pruner.PruneAsync(maxSize: 1);
        Assert.IsTrue(await store.HasBlobAsync(tagged.Digest), "tagged images are never pruned");
        Assert.IsFalse(await store.HasBlobAsync(recent.Digest));
        Assert.IsTrue(tiny.BytesKept > 1);
    }

    private sealed class FakeCache(List<PruneRoot> roots) : IPruneRootSource
    {
        public List<PruneRoot> Released { get; } = [];

        public Task<IReadOnlyList<PruneRoot>> GetRootsAsync(CancellationToken cancellationToken) => Task.FromResult<IReadOnlyList<PruneRoot>>(roots.ToList());

        public Task ReleaseAsync(PruneRoot root, CancellationToken cancellationToken)
        {
            roots.Remove(root);
            Released.Add(root);
            return Task.CompletedTask;
        }
    }

    [TestMethod]
    public void StoreLocationFollowsOptionThenEnvironmentThenXdgThenHome()
    {
        Dictionary<string, string?> env = new() { ["HOME"] = "/home/u" };
        Assert.AreEqual("/home/u/.cache/containerize/store", StoreLocation.Resolve(null, k => env.GetValueOrDefault(k)));
        env["XDG_CACHE_HOME"] = "relative/ignored";
        Assert.AreEqual("/home/u/.cache/containerize/store", StoreLocation.Resolve(null, k => env.GetValueOrDefault(k)));
        env["XDG_CACHE_HOME"] = "/xdg";
        Assert.AreEqual("/xdg/containerize/store", StoreLocation.Resolve(null, k => env.GetValueOrDefault(k)));
        env["CONTAINERIZE_STORE"] = "/env/store";
        Assert.AreEqual("/env/store", StoreLocation.Resolve(null, k => env.GetValueOrDefault(k)));
        Assert.AreEqual("/opt/s", StoreLocation.Resolve("/opt/s", k => env.GetValueOrDefault(k)));
    }

    [TestMethod]
    public async Task AFolderThatIsNotALayoutIsRefused()
    {
        using var dir = new TempDir();
        dir.Write("notes.txt", "not a store");
        var e = await Assert.ThrowsExactlyAsync<ContainerizeException>(() => OciLayoutStore.OpenOrCreateAsync(dir.Path));
        Assert.AreEqual(StoreErrors.NotAStore, e.Code);
        var missing = Assert.ThrowsExactly<ContainerizeException>(() => OciLayoutStore.OpenExisting(dir.Combine("nothing")));
        Assert.AreEqual(StoreErrors.LayoutNotFound, missing.Code);
    }

    [TestMethod]
    public async Task ImagesListsTaggedImagesWithLabelFilter()
    {
        using var dir = new TempDir();
        var store = await OciLayoutStore.OpenOrCreateAsync(dir.Path);
        var web = await TestImages.PutImageAsync(store, labels: new Dictionary<string, string> { ["tier"] = "web", ["team"] = "a" });
        var db = await TestImages.PutImageAsync(store, LayerCompression.Zstd, labels: new Dictionary<string, string> { ["tier"] = "db" });
        await store.TagAsync(ImageReference.Parse("web:1.0"), web);
        await store.TagAsync(ImageReference.Parse("localhost:5000/db"), db);

        var all = await CliRunner.RunAsync(dir.Path, "images", "--store", dir.Path);
        Assert.AreEqual(0, all.ExitCode, all.StdErr);
        var lines = all.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.HasCount(3, lines);
        StringAssert.StartsWith(lines[0], "REPOSITORY");
        StringAssert.Contains(lines[0], "IMAGE ID");
        var webConfig = (await store.ReadManifestAsync(web)).Config;
        StringAssert.Contains(all.StdOut, webConfig.Digest.ShortId);
        StringAssert.Matches(lines[2], new System.Text.RegularExpressions.Regex(@"^web\s+1\.0\s+[0-9a-f]{12}\s+\d+ years ago\s+\d"));
        StringAssert.Matches(lines[1], new System.Text.RegularExpressions.Regex(@"^localhost:5000/db\s+latest\s"));

        var filtered = await CliRunner.RunAsync(dir.Path, "images", "--filter", "label=tier=web", "--store", dir.Path);
        Assert.HasCount(2, filtered.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        StringAssert.Contains(filtered.StdOut, "web ");
        var byKey = await CliRunner.RunAsync(dir.Path, "images", "-f", "label=team", "-q", "--store", dir.Path);
        Assert.AreEqual(webConfig.Digest.ShortId + "\n", byKey.StdOut);
        var bad = await CliRunner.RunAsync(dir.Path, "images", "--filter", "before=web:1.0", "--store", dir.Path);
        Assert.AreEqual(1, bad.ExitCode);
        StringAssert.Contains(bad.StdErr, "CTZ0002");
    }

    [TestMethod]
    [DataRow(0L, "0B")]
    [DataRow(999L, "999B")]
    [DataRow(7_050_000L, "7.05MB")]
    [DataRow(149_312_345L, "149.3MB")]
    [DataRow(1_234_567_890L, "1.235GB")]
    public void SizesPrintAsDockerPrintsThem(long bytes, string expected) => Assert.AreEqual(expected, HumanUnits.Size(bytes));

    [TestMethod]
    public void SizeArgumentsParse()
    {
        Assert.AreEqual(1234L, HumanUnits.ParseSize("1234"));
        Assert.AreEqual(500L << 20, HumanUnits.ParseSize("500M"));
        Assert.AreEqual(10L << 30, HumanUnits.ParseSize("10GiB"));
        Assert.AreEqual(GeneralErrors.BadArguments, Assert.ThrowsExactly<ContainerizeException>(() => HumanUnits.ParseSize("lots")).Code);
    }

    internal static async Task AssertCleanAsync(OciLayoutStore store)
    {
        Assert.IsEmpty(TestImages.BadBlobFiles(store.Root), "no partial or corrupt file may be visible as a blob");
        Assert.IsTrue(!Directory.Exists(store.IngestPath) || Directory.GetFiles(store.IngestPath).Length == 0, "no ingest file is left behind");
        var check = await new StoreChecker(store).CheckAsync();
        Assert.IsTrue(check.Ok, string.Join("\n", check.Problems));
    }
}
