using Containerize.Core.Diagnostics;
using Containerize.Core.Images.Oci;
using Containerize.Core.Registry;

namespace Containerize.Tests.Registry;

/// <summary>
/// Pull and push through <see cref="FaultProxy"/>: resets mid-blob, 500, 429 with Retry-After, truncated bodies and
/// corrupted bytes. Transfers must finish with identical digests, every retry must be in the detail log, and corrupt
/// content must never reach the store.
/// </summary>
[TestClass]
[DoNotParallelize]
public sealed class RegistryFaultTests
{
    private static RegistryProcess? _registry;

    private static async Task<RegistryProcess> RegistryAsync() => _registry ??= await RegistryProcess.StartPlainAsync();

    [ClassCleanup]
    public static void Cleanup()
    {
        _registry?.Dispose();
        _registry = null;
    }

    private static bool IsBlobGet(ProxyExchange e) => e.Method == "GET" && e.Path.Contains("/blobs/sha256:", StringComparison.Ordinal);

    [TestMethod]
    public async Task Pull_survives_resets_500_429_and_truncation_with_identical_digests()
    {
        var registry = await RegistryAsync();
        using var proxy = new FaultProxy(registry.Host);
        var (source, d1) = RegistryTestKit.NewStore();
        var (target, d2) = RegistryTestKit.NewStore();
        using var _ = d1;
        using var __ = d2;
        var image = await TestImages.BuildAsync(source, "local/faulty:v1", [400_000, 300_000, 200_000], seed: 21);
        using (var setup = new RegistryClient(RegistryTestKit.Options(new CollectingSink())))
        {
            await new ImagePusher(setup, source).PushAsync(ImageReference.Parse("local/faulty:v1"), ImageReference.Parse($"{registry.Host}/ctz/faulty:v1"));
        }

        // Each blob's first GET fails in a different way; the manifest's first GET answers 500.
        var seen = new Dictionary<string, int>();
        var faults = new Queue<Fault>([new Fault.ResetMidBody(), new Fault.Truncate(), new Fault.Status(429, 1), new Fault.Reset()]);
        var manifestFailed = false;
        proxy.Plan = e =>
        {
            lock (seen)
            {
                if (e.Path.Contains("/manifests/", StringComparison.Ordinal) && !manifestFailed)
                {
                    manifestFailed = true;
                    return new Fault.Status(500);
                }

                if (!IsBlobGet(e)) return null;
                var key = e.Path;
                seen[key] = seen.GetValueOrDefault(key) + 1;
                return seen[key] == 1 && faults.Count > 0 ? faults.Dequeue() : null;
            }
        };

        var sink = new CollectingSink();
        using var client = new RegistryClient(RegistryTestKit.Options(sink));
        var started = DateTime.UtcNow;
        var pulled = await new ImagePuller(client, target).PullAsync(ImageReference.Parse($"{proxy.Host}/ctz/faulty:v1"), Platform.LinuxAmd64);
        Assert.AreEqual(image.Manifest.Digest, pulled.ManifestDescriptor.Digest);
        await RegistryTestKit.AssertSameImageAsync(source, target, image.Manifest.Digest);
        Assert.IsEmpty(faults, "every fault was injected");

        var log = string.Join("\n", sink.Messages);
        // A reset before any answer on a pooled connection is retried inside SocketsHttpHandler itself, unseen.
        Assert.IsGreaterThanOrEqualTo(4, sink.Messages.Count(m => m.StartsWith("retry ", StringComparison.Ordinal)), log);
        StringAssert.Contains(log, "500 Injected");
        StringAssert.Contains(log, "429 Injected; waiting 1 s");
        Assert.AreEqual(2, sink.Messages.Count(m => m.Contains(" at byte ", StringComparison.Ordinal) && m.Contains("ended prematurely", StringComparison.Ordinal)), "a reset and a truncation mid-body were resumed");
        Assert.IsGreaterThanOrEqualTo(TimeSpan.FromSeconds(1), DateTime.UtcNow - started, "Retry-After was honoured");
        Assert.IsTrue(proxy.Exchanges.Count(IsBlobGet) >= 8, "broken blobs were fetched again");
    }

    [TestMethod]
    public async Task Push_survives_500_429_and_resets_with_identical_digests()
    {
        var registry = await RegistryAsync();
        using var proxy = new FaultProxy(registry.Host);
        var (source, d1) = RegistryTestKit.NewStore();
        var (target, d2) = RegistryTestKit.NewStore();
        using var _ = d1;
        using var __ = d2;
        var image = await TestImages.BuildAsync(source, "local/faulty-push:v1", [300_000, 200_000, 500_000], seed: 22);
        var counts = new Dictionary<string, int>();
        proxy.Plan = e =>
        {
            lock (counts)
            {
                var kind = e.Method + (e.Path.Contains("/uploads/", StringComparison.Ordinal) ? " upload" : e.Path.Contains("/manifests/", StringComparison.Ordinal) ? " manifest" : " other");
                counts[kind] = counts.GetValueOrDefault(kind) + 1;
                return (kind, counts[kind]) switch
                {
                    ("POST upload", 1) => new Fault.Status(503),
                    ("POST upload", 2) => new Fault.Status(429, 1),
                    ("PUT upload", 1) => new Fault.Reset(),
                    ("PATCH upload", 2) => new Fault.Status(500),
                    ("PATCH upload", 4) => new Fault.Reset(),
                    ("PUT manifest", 1) => new Fault.Status(502),
                    ("HEAD other", 2) => new Fault.Reset(),
                    _ => null,
                };
            }
        };

        var sink = new CollectingSink();
        using var client = new RegistryClient(RegistryTestKit.Options(sink) with { ChunkSize = 256 * 1024, MaxParallelUploads = 2 });
        var remote = ImageReference.Parse($"{proxy.Host}/ctz/faulty-push:v1");
        var result = await new ImagePusher(client, source).PushAsync(ImageReference.Parse("local/faulty-push:v1"), remote);
        Assert.AreEqual(image.Manifest.Digest, result.Digest);

        using var direct = new RegistryClient(RegistryTestKit.Options(new CollectingSink()));
        await new ImagePuller(direct, target).PullAsync(ImageReference.Parse($"{registry.Host}/ctz/faulty-push:v1"), Platform.LinuxAmd64);
        await RegistryTestKit.AssertSameImageAsync(source, target, image.Manifest.Digest);
        var log = string.Join("\n", sink.Messages);
        StringAssert.Contains(log, "503 Injected");
        StringAssert.Contains(log, "429 Injected; waiting 1 s");
        StringAssert.Contains(log, "502 Injected");
        StringAssert.Contains(log, "resumes at byte");
        // Resets of a request on a pooled connection may be retried inside SocketsHttpHandler, unseen; the rest show.
        Assert.IsGreaterThanOrEqualTo(5, sink.Messages.Count(m => m.StartsWith("retry ", StringComparison.Ordinal)), log);
    }

    [TestMethod]
    public async Task A_corrupt_blob_is_rejected_and_nothing_corrupt_is_left_in_the_store()
    {
        var registry = await RegistryAsync();
        using var proxy = new FaultProxy(registry.Host);
        var (source, d1) = RegistryTestKit.NewStore();
        var (target, d2) = RegistryTestKit.NewStore();
        using var _ = d1;
        using var __ = d2;
        var image = await TestImages.BuildAsync(source, "local/corrupt:v1", [50_000], seed: 23);
        var layer = image.Layers[0].Digest;
        proxy.Plan = e => e.Method == "GET" && e.Path.EndsWith(layer.ToString(), StringComparison.Ordinal) ? new Fault.Corrupt() : null;
        var sink = new CollectingSink();
        using var client = new RegistryClient(RegistryTestKit.Options(sink));
        await new ImagePusher(client, source).PushAsync(ImageReference.Parse("local/corrupt:v1"), ImageReference.Parse($"{proxy.Host}/ctz/corrupt:v1"));

        var e = await RegistryTestKit.ThrowsCodedAsync(
            () => new ImagePuller(client, target).PullAsync(ImageReference.Parse($"{proxy.Host}/ctz/corrupt:v1"), Platform.LinuxAmd64), RegistryErrors.DigestMismatch);
        StringAssert.Contains(e.Message, layer.ToString());
        Assert.IsFalse(await target.HasBlobAsync(layer));
        Assert.IsFalse(Directory.Exists(target.IngestPath) && Directory.EnumerateFiles(target.IngestPath, "*", SearchOption.AllDirectories).Any(), "no partial file is left");
        foreach (var file in Directory.EnumerateFiles(Path.Combine(target.Root, "blobs"), "*", SearchOption.AllDirectories))
        {
            Assert.AreEqual(Path.GetFileName(file), Digest.Sha256(await File.ReadAllBytesAsync(file)).Encoded, "every stored blob has its digest");
        }

        Assert.AreEqual(3, proxy.Exchanges.Count(x => x.Method == "GET" && x.Path.EndsWith(layer.ToString(), StringComparison.Ordinal)), "fetched three times before giving up");
        Assert.IsTrue(sink.Messages.Any(m => m.Contains("retry 1/2: blob", StringComparison.Ordinal)), string.Join("\n", sink.Messages));
    }
}
