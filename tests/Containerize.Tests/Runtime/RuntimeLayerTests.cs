using System.Formats.Tar;
using System.Runtime.Versioning;
using System.Text;
using Containerize.Core.Images.Oci;
using Containerize.Core.Runtime;
using Containerize.Tests.Infrastructure;

namespace Containerize.Tests.Runtime;

[TestClass]
[SupportedOSPlatform("linux")]
public sealed class RuntimeLayerTests
{
    /// <summary>An in-memory layer tar, with a counter of how often it was opened.</summary>
    private sealed class TestLayer
    {
        private readonly byte[] _tar;

        public TestLayer(Action<TarWriter> write)
        {
            using var buffer = new MemoryStream();
            using (var writer = new TarWriter(buffer, TarEntryFormat.Pax, leaveOpen: true)) write(writer);
            _tar = buffer.ToArray();
            Layer = new TarLayer(Digest.Sha256(_tar), _ =>
            {
                Interlocked.Increment(ref Opens);
                return Task.FromResult<Stream>(new MemoryStream(_tar, writable: false));
            });
        }

        public int Opens;

        public TarLayer Layer { get; }
    }

    private static void File(TarWriter w, string name, string content, int mode = 0x1A4, int uid = 0)
    {
        w.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, name)
        {
            DataStream = new MemoryStream(Encoding.UTF8.GetBytes(content)),
            Mode = (UnixFileMode)mode,
            Uid = uid,
            Gid = uid,
            ModificationTime = new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero),
        });
    }

    private static void Dir(TarWriter w, string name) =>
        w.WriteEntry(new PaxTarEntry(TarEntryType.Directory, name) { Mode = (UnixFileMode)0x1ED, ModificationTime = DateTimeOffset.UnixEpoch });

    private static List<TestLayer> FortyFiveLayers()
    {
        var layers = new List<TestLayer>();
        for (var i = 0; i < 45; i++)
        {
            var n = i;
            layers.Add(new TestLayer(w =>
            {
                Dir(w, "layers/");
                File(w, $"layers/{n}.txt", $"layer {n}\n", uid: n);
                if (n == 20) File(w, "layers/.wh.3.txt", "");
                if (n == 30)
                {
                    Dir(w, "data/");
                    File(w, "data/x", "x\n");
                }

                if (n == 31)
                {
                    Dir(w, "data/");
                    File(w, "data/.wh..wh..opq", "");
                    File(w, "data/y", "y\n");
                }

                if (n == 40)
                {
                    w.WriteEntry(new PaxTarEntry(TarEntryType.SymbolicLink, "layers/link") { LinkName = "40.txt", ModificationTime = DateTimeOffset.UnixEpoch });
                    w.WriteEntry(new PaxTarEntry(TarEntryType.HardLink, "layers/hard") { LinkName = "layers/40.txt", ModificationTime = DateTimeOffset.UnixEpoch });
                }
            }));
        }

        return layers;
    }

    [TestMethod]
    [DataRow(RootfsStrategy.Overlay)]
    [DataRow(RootfsStrategy.Copy)]
    public async Task Lowers_FortyFiveTarLayers_WithWhiteoutsAndOpaqueFolders(RootfsStrategy strategy)
    {
        using var f = await RuntimeFixture.CreateAsync();
        var layers = FortyFiveLayers();
        var request = f.Shell("ls /layers | wc -l; test -e /layers/3.txt && echo has-3 || echo no-3; ls /data; stat -c %u /layers/44.txt; cat /layers/link; stat -c %h /layers/hard") with
        {
            Layers = [new DirectoryLayer(f.Base), .. layers.Select(l => l.Layer)],
        };
        var output = new List<string>();
        await using (var result = await f.Runtime(strategy).RunAsync(request, output.Add, CancellationToken.None))
        {
            Assert.AreEqual(strategy, result.Strategy);
            Assert.IsEmpty(result.Changes);
        }

        CollectionAssert.AreEqual(new[] { "46", "no-3", "y", "44", "layer 40", "2" }, output);

        if (strategy == RootfsStrategy.Overlay)
        {
            // Each layer is extracted once into the shared snapshots folder; the next step reuses it.
            var again = new List<string>();
            await using (await f.Runtime(strategy).RunAsync(request, again.Add, CancellationToken.None)) CollectionAssert.AreEqual(output, again);
            Assert.IsTrue(layers.All(l => l.Opens == 1), "layers are extracted once: " + string.Join(",", layers.Select(l => l.Opens)));
            Assert.AreEqual(46, Directory.GetFileSystemEntries(Path.Combine(f.Root, "snapshots", "l")).Length);
            // Absolute lower paths would not fit the 4096-byte option string; the short links do.
            Assert.IsGreaterThan(4096, layers.Count * Path.Combine(f.Root, "snapshots", "sha256-" + new string('0', 64), "diff").Length);
        }
    }

    [TestMethod]
    public async Task Cleanup_NothingStaysMounted_AfterSuccessAndFailure()
    {
        using var f = await RuntimeFixture.CreateAsync();
        var runtime = f.Runtime(RootfsStrategy.Overlay);
        await using (await runtime.RunAsync(f.Shell("echo ok > /ok"), null, CancellationToken.None))
        {
        }

        await Assert.ThrowsExactlyAsync<Containerize.Core.Diagnostics.ContainerizeException>(() =>
            runtime.RunAsync(f.Shell("exit 1"), null, CancellationToken.None));
        var mountinfo = await System.IO.File.ReadAllTextAsync("/proc/self/mountinfo");
        Assert.DoesNotContain(f.Root, mountinfo);
        Assert.HasCount(1, Directory.GetDirectories(runtime.RunsFolder), "only the failed step's folder stays");
    }

    [TestMethod]
    [DataRow(RootfsStrategy.Overlay)]
    [DataRow(RootfsStrategy.Copy)]
    public async Task Cleanup_CancellationKillsTheContainer(RootfsStrategy strategy)
    {
        using var f = await RuntimeFixture.CreateAsync();
        var runtime = f.Runtime(strategy);
        using var cts = new CancellationTokenSource();
        var started = new TaskCompletionSource();
        // A duration no other test or session uses, so the check below sees only this container's process.
        var seconds = 300_000 + Random.Shared.Next(600_000);
        var run = runtime.RunAsync(f.Shell($"echo started; sleep {seconds}"), line => started.TrySetResult(), cts.Token);
        await started.Task.WaitAsync(TimeSpan.FromSeconds(30));
        var clock = System.Diagnostics.Stopwatch.StartNew();
        await cts.CancelAsync();
        await Assert.ThrowsAsync<OperationCanceledException>(() => run);
        Assert.IsLessThan(20, clock.Elapsed.TotalSeconds);
        var list = await ProcessRunner.RunAsync("runc", ["--root", Path.Combine(f.Root, "runc"), "list", "-q"]);
        Assert.AreEqual("", list.StdOut.Trim(), "runc has no container left");
        Assert.DoesNotContain(f.Root, await System.IO.File.ReadAllTextAsync("/proc/self/mountinfo"));
        Assert.IsEmpty(Directory.GetDirectories(runtime.RunsFolder), "a cancelled step's folder is removed");
        var sleeping = await ProcessRunner.RunAsync("sh", ["-c", $"ps -eo args | grep -c '^sleep {seconds}$' || true"]);
        Assert.AreEqual("0", sleeping.StdOut.Trim(), "the container's process is gone");
    }
}
