using System.Diagnostics;
using Containerize.Core.Diagnostics;
using Containerize.Core.Images.Oci;
using Containerize.Core.Images.Store;
using Containerize.Core.Os;
using Containerize.Tests.Infrastructure;

namespace Containerize.Tests.Images.Store;

/// <summary>
/// The store under Windows' rules, forced from Linux: blobs never renamed over, index rewrites that wait out a file
/// another process holds, a lock that gives up with a coded error, and processes sharing one store.
/// </summary>
[TestClass]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class WindowsStoreTests
{
    private static ulong Inode(string path) => LibC.LStat(path)!.Value.Inode;

    [TestMethod]
    public async Task WindowsStore_AnExistingBlobIsNeverRenamedOverWhileAReaderHoldsIt()
    {
        using var dir = new TempDir("ctz-winstore");
        var store = await OciLayoutStore.OpenOrCreateAsync(dir.Path);
        var data = new byte[300_000];
        new Random(5).NextBytes(data);
        var first = await store.PutBlobAsync(new MemoryStream(data), MediaTypes.OciLayer);
        var path = store.BlobPath(first.Digest);
        var inode = Inode(path);

        foreach (var rules in new[] { HostRules.Windows, HostRules.Current })
        {
            using (HostRules.Use(rules))
            // A reader without FILE_SHARE_DELETE: on Windows a rename over this file would fail.
            await using (var reader = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read))
            {
                var streamed = await store.PutBlobAsync(new MemoryStream(data), MediaTypes.OciLayer);
                var written = await store.PutBlobFromWriterAsync(MediaTypes.OciLayer, (s, ct) => s.WriteAsync(data, ct).AsTask());
                Assert.AreEqual(first, streamed);
                Assert.AreEqual(first, written);
                Assert.AreEqual(inode, Inode(path), $"{rules.Os}: the stored blob was replaced");
                var read = new byte[data.Length];
                await reader.ReadExactlyAsync(read);
                CollectionAssert.AreEqual(data, read);
            }
        }

        await LocalStoreTests.AssertCleanAsync(store);

        // A copy of the wrong size is damaged: it is replaced, not trusted.
        File.WriteAllBytes(path, data.AsSpan(0, 1000).ToArray());
        using (HostRules.Use(HostRules.Windows))
        {
            await store.PutBlobAsync(new MemoryStream(data), MediaTypes.OciLayer);
        }

        Assert.AreNotEqual(inode, Inode(path));
        CollectionAssert.AreEqual(data, File.ReadAllBytes(path));
        await LocalStoreTests.AssertCleanAsync(store);
    }

    [TestMethod]
    public async Task WindowsStore_IndexRewriteWaitsForTheTargetToBeReleased()
    {
        using var dir = new TempDir("ctz-winstore");
        var store = await OciLayoutStore.OpenOrCreateAsync(dir.Path);
        var image = await TestImages.PutImageAsync(store);
        var index = Path.Combine(store.Root, "index.json");
        var before = File.ReadAllText(index);

        // A reader holding index.json open (as a concurrent 'containerize images' does) never blocks a rewrite.
        using (HostRules.Use(HostRules.Windows))
        await using (var reader = new FileStream(index, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete))
        {
            await store.TagAsync(ImageReference.Parse("held:1"), image);
            Assert.AreEqual(before, new StreamReader(reader).ReadToEnd(), "the reader keeps the index it opened");
            StringAssert.Contains(File.ReadAllText(index), "held:1");
        }

        // Linux renames over an open file, so the failure Windows gives for one is made here with a target the rename
        // cannot replace (a folder of that name) until the "other process" lets go of it.
        File.Delete(index);
        Directory.CreateDirectory(index);
        File.WriteAllText(Path.Combine(index, "held"), "x");
        await Assert.ThrowsAsync<IOException>(() => store.TagAsync(ImageReference.Parse("unix:1"), image), "Unix rules: a failed rename is final");

        using (HostRules.Use(HostRules.Windows))
        {
            var watch = Stopwatch.StartNew();
            var release = Task.Run(async () =>
            {
                await Task.Delay(300);
                Directory.Delete(index, recursive: true);
            });
            await store.TagAsync(ImageReference.Parse("waited:1"), image);
            await release;
            Assert.IsGreaterThanOrEqualTo(250L, watch.ElapsedMilliseconds, "the rewrite waited for the release");
        }

        CollectionAssert.AreEqual(new[] { "docker.io/library/waited:1" }, (await store.ListTagsAsync()).Select(t => t.RefName).ToArray());
        Assert.IsEmpty(Directory.GetFiles(store.Root, "*.tmp"), "no temporary file is left");
    }

    [TestMethod]
    public async Task WindowsStore_MoveOverGivesUpAfterItsBudgetAndStopsWhenTheContentIsInPlace()
    {
        using var dir = new TempDir("ctz-winstore");
        var target = dir.Combine("blob");
        Directory.CreateDirectory(target); // never released
        var source = dir.Write("ingest", "bytes");
        using (HostRules.Use(HostRules.Windows))
        {
            var watch = Stopwatch.StartNew();
            await Assert.ThrowsAsync<IOException>(() => AtomicFile.MoveOverAsync(source, target));
            Assert.IsGreaterThanOrEqualTo((long)AtomicFile.MoveRetryBudget.TotalMilliseconds, watch.ElapsedMilliseconds, "retried for the whole budget");
            Assert.IsLessThan((long)AtomicFile.MoveRetryBudget.TotalMilliseconds + 2000, watch.ElapsedMilliseconds, "then gave up");

            // Another writer put the same content there: the wait ends at once, the source stays for its owner to drop.
            var asked = 0;
            Assert.IsFalse(await AtomicFile.MoveOverAsync(source, target, () => ++asked > 0));
            Assert.AreEqual(1, asked);
            Assert.IsTrue(File.Exists(source));
        }
    }

    [TestMethod]
    public async Task WindowsStore_ALockNeverReleasedGivesCTZ3204NamingTheLockFile()
    {
        using var dir = new TempDir("ctz-winstore");
        var opened = await OciLayoutStore.OpenOrCreateAsync(dir.Path);
        var image = await TestImages.PutImageAsync(opened);
        var store = opened.WithLockTimeout(TimeSpan.FromMilliseconds(400));
        var lockFile = Path.Combine(store.Root, "index.json.lock");

        // Another holder in this process (a second store instance)...
        using (HostRules.Use(HostRules.Windows))
        using (new FileStream(lockFile, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None))
        {
            var watch = Stopwatch.StartNew();
            var e = await Assert.ThrowsExactlyAsync<ContainerizeException>(() => store.TagAsync(ImageReference.Parse("app:1"), image));
            Assert.AreEqual(StoreErrors.StoreLocked, e.Code);
            Assert.AreEqual(lockFile, e.Diagnostic.File);
            StringAssert.Contains(e.Message, lockFile);
            StringAssert.Contains(e.Diagnostic.Hint, "wait for it");
            Assert.IsLessThan(5000L, watch.ElapsedMilliseconds, "the wait is bounded by the store's timeout");
        }

        // ...and in another process that never lets go (util-linux flock holds the same kind of lock .NET takes).
        var flock = Requirements.Tool("flock");
        var holder = Process.Start(new ProcessStartInfo(flock, [lockFile, "sleep", "60"]) { UseShellExecute = false })!;
        try
        {
            await WaitUntilHeldAsync(lockFile);
            var e = await Assert.ThrowsExactlyAsync<ContainerizeException>(() => store.TagAsync(ImageReference.Parse("app:2"), image));
            Assert.AreEqual(StoreErrors.StoreLocked, e.Code);
            StringAssert.Contains(e.Message, lockFile);
        }
        finally
        {
            holder.Kill(entireProcessTree: true);
            await holder.WaitForExitAsync();
        }

        // Released: the same store instance takes the lock again.
        await store.TagAsync(ImageReference.Parse("app:3"), image);
        CollectionAssert.AreEqual(new[] { "docker.io/library/app:3" }, (await store.ListTagsAsync()).Select(t => t.RefName).ToArray());
    }

    private static async Task WaitUntilHeldAsync(string lockFile)
    {
        for (var i = 0; i < 200; i++)
        {
            try
            {
                using (new FileStream(lockFile, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None))
                {
                }
            }
            catch (IOException)
            {
                return;
            }

            await Task.Delay(25);
        }

        Assert.Fail("flock never took the lock");
    }

    [TestMethod]
    public async Task WindowsStore_ProcessesImportingTheSameLayerUnderWindowsRulesKeepOneConsistentIndex()
    {
        var cli = Path.Combine(AppContext.BaseDirectory, "containerize.dll");
        Assert.IsTrue(File.Exists(cli), cli);
        var dotnet = Environment.ProcessPath is { } p && Path.GetFileNameWithoutExtension(p) == "dotnet" ? p : Requirements.Tool("dotnet");
        using var dir = new TempDir("ctz-winstore");
        dir.Write("rootfs/app/app.dll", new string('x', 200_000));
        dir.Write("rootfs/app/app.runtimeconfig.json", "{}");
        var store = await OciLayoutStore.OpenOrCreateAsync(dir.Combine("store"));
        var environment = new Dictionary<string, string?> { [HostRules.OsVariable] = "windows" };
        const int processes = 6;
        // Every process writes the same layer, config and manifest blobs at once and adds its own tag.
        var runs = Enumerable.Range(0, processes).Select(i => ProcessRunner.RunAsync(dotnet,
            [cli, "import", dir.Combine("rootfs"), $"app:{i}", "--compression", "none", "--store", store.Root], environment: environment)).ToArray();
        foreach (var r in await Task.WhenAll(runs)) r.EnsureSuccess("containerize import under Windows rules");

        var tags = await store.ListTagsAsync();
        CollectionAssert.AreEquivalent(Enumerable.Range(0, processes).Select(i => $"docker.io/library/app:{i}").ToList(), tags.Select(t => t.RefName).ToList());
        Assert.AreEqual(1, tags.Select(t => t.Manifest.Digest).Distinct().Count(), "the same rootfs gives the same image in every process");
        await LocalStoreTests.AssertCleanAsync(store);
        Assert.IsEmpty(Directory.GetFiles(store.Root, "*.tmp"));
    }
}
