using Containerize.Core.Diagnostics;
using Containerize.Core.Images.Oci;
using Containerize.Core.Registry;

namespace Containerize.Tests.Registry;

/// <summary>Push and pull against a real plain-HTTP registry (docker-registry 2.8), through a counting proxy where it matters.</summary>
[TestClass]
[DoNotParallelize]
public sealed class RegistryRoundTripTests
{
    private static RegistryProcess? _registry;

    private static async Task<RegistryProcess> RegistryAsync() => _registry ??= await RegistryProcess.StartPlainAsync();

    [ClassCleanup]
    public static void Cleanup()
    {
        _registry?.Dispose();
        _registry = null;
    }

    [TestMethod]
    public async Task Push_then_pull_gives_identical_digests()
    {
        var registry = await RegistryAsync();
        var (source, d1) = RegistryTestKit.NewStore();
        var (target, d2) = RegistryTestKit.NewStore();
        using var _ = d1;
        using var __ = d2;
        var image = await TestImages.BuildAsync(source, "local/app:v1", [100_000, 2_000_000, 10]);
        var sink = new CollectingSink();
        using var client = new RegistryClient(RegistryTestKit.Options(sink));
        await client.PingAsync(registry.Host);
        var remote = ImageReference.Parse($"{registry.Host}/ctz/roundtrip:v1");
        var result = await new ImagePusher(client, source).PushAsync(ImageReference.Parse("local/app:v1"), remote);
        Assert.AreEqual(image.Manifest.Digest, result.Digest);
        Assert.AreEqual(4, result.BlobsUploaded);
        Assert.IsGreaterThan(2_000_000L, result.BytesUploaded);

        var pulled = await new ImagePuller(client, target).PullAsync(remote, Platform.LinuxAmd64);
        Assert.IsFalse(pulled.FromCache);
        Assert.AreEqual(image.Manifest.Digest, pulled.ManifestDescriptor.Digest);
        Assert.AreEqual(image.Manifest.Digest, (await target.ResolveAsync(remote))!.Digest);
        await RegistryTestKit.AssertSameImageAsync(source, target, image.Manifest.Digest);
        Assert.AreEqual(image.Manifest.Digest, (await client.HeadManifestAsync(remote))!.Digest);
    }

    [TestMethod]
    public async Task Second_push_of_an_unchanged_image_uploads_no_blob_bytes_and_puts_each_tag_once()
    {
        var registry = await RegistryAsync();
        using var proxy = new FaultProxy(registry.Host);
        var (source, dir) = RegistryTestKit.NewStore();
        using var _ = dir;
        await TestImages.BuildAsync(source, "local/app:v2", [300_000, 50_000], seed: 2);
        using var client = new RegistryClient(RegistryTestKit.Options(new CollectingSink()));
        var remote = ImageReference.Parse($"{proxy.Host}/ctz/repeat:v2");
        var first = await new ImagePusher(client, source).PushAsync(ImageReference.Parse("local/app:v2"), remote, ["extra"]);
        Assert.IsGreaterThan(350_000L, proxy.UploadedBytes);
        Assert.AreEqual(first.BytesUploaded, proxy.UploadedBytes);

        proxy.ResetCounters();
        var second = await new ImagePusher(client, source).PushAsync(ImageReference.Parse("local/app:v2"), remote, ["extra"]);
        Assert.AreEqual(0L, proxy.UploadedBytes);
        Assert.AreEqual(0L, second.BytesUploaded);
        Assert.AreEqual(3, second.BlobsSkipped);
        Assert.IsFalse(proxy.Exchanges.Any(e => e.Method is "PUT" or "POST" or "PATCH"), string.Join("\n", proxy.Exchanges));

        // A new tag on the same image: blobs are checked, not sent, and only the new tag's manifest is PUT.
        proxy.ResetCounters();
        var third = await new ImagePusher(client, source).PushAsync(ImageReference.Parse("local/app:v2"), remote, ["extra", "new"]);
        Assert.AreEqual(0L, proxy.UploadedBytes);
        Assert.AreEqual(3, third.BlobsSkipped);
        var manifestPuts = proxy.Exchanges.Where(e => e.Method == "PUT" && e.Path.Contains("/manifests/", StringComparison.Ordinal)).Select(e => e.Path).ToList();
        CollectionAssert.AreEquivalent(new[] { "/v2/ctz/repeat/manifests/new" }, manifestPuts);
    }

    [TestMethod]
    public async Task Chunked_upload_resumes_from_the_servers_offset_after_a_reset()
    {
        var registry = await RegistryAsync();
        using var proxy = new FaultProxy(registry.Host);
        var patches = 0;
        proxy.Plan = e => e.Method == "PATCH" && Interlocked.Increment(ref patches) == 3 ? new Fault.Reset() : null;
        var (source, d1) = RegistryTestKit.NewStore();
        var (target, d2) = RegistryTestKit.NewStore();
        using var _ = d1;
        using var __ = d2;
        var image = await TestImages.BuildAsync(source, "local/big:v1", [700_000], seed: 3);
        var sink = new CollectingSink();
        using var client = new RegistryClient(RegistryTestKit.Options(sink) with { ChunkSize = 128 * 1024 });
        var remote = ImageReference.Parse($"{proxy.Host}/ctz/chunked:v1");
        await new ImagePusher(client, source).PushAsync(ImageReference.Parse("local/big:v1"), remote);

        Assert.IsGreaterThan(5, proxy.Exchanges.Count(e => e.Method == "PATCH"));
        Assert.IsTrue(proxy.Exchanges.Any(e => e.Method == "GET" && e.Path.Contains("/blobs/uploads/", StringComparison.Ordinal)), "the upload status was read back");
        Assert.IsTrue(sink.Messages.Any(m => m.Contains("resumes at byte 262144", StringComparison.Ordinal)), string.Join("\n", sink.Messages));
        using var direct = new RegistryClient(RegistryTestKit.Options(new CollectingSink()));
        await new ImagePuller(direct, target).PullAsync(ImageReference.Parse($"{registry.Host}/ctz/chunked:v1"), Platform.LinuxAmd64);
        await RegistryTestKit.AssertSameImageAsync(source, target, image.Manifest.Digest);
    }

    [TestMethod]
    public async Task Layers_of_a_base_in_another_repository_are_mounted_not_uploaded()
    {
        var registry = await RegistryAsync();
        using var proxy = new FaultProxy(registry.Host);
        var (source, dir) = RegistryTestKit.NewStore();
        using var _ = dir;
        await TestImages.BuildAsync(source, "local/base:v1", [200_000], seed: 4);
        using var client = new RegistryClient(RegistryTestKit.Options(new CollectingSink()));
        await new ImagePusher(client, source).PushAsync(ImageReference.Parse("local/base:v1"), ImageReference.Parse($"{proxy.Host}/ctz/base:v1"));
        var app = await TestImages.BuildAsync(source, "local/derived:v1", [200_000], seed: 4,
            annotations: new Dictionary<string, string> { [AnnotationKeys.BaseName] = $"{proxy.Host}/ctz/base:v1" });

        proxy.ResetCounters();
        await new ImagePusher(client, source).PushAsync(ImageReference.Parse("local/derived:v1"), ImageReference.Parse($"{proxy.Host}/ctz/derived:v1"));
        Assert.IsTrue(proxy.Exchanges.Any(e => e.Method == "POST" && e.Path.Contains("mount=", StringComparison.Ordinal) && e.Path.Contains("from=ctz%2Fbase", StringComparison.Ordinal)),
            string.Join("\n", proxy.Exchanges));
        Assert.AreEqual(0L, proxy.UploadedBytes);
        Assert.AreEqual(app.Manifest.Digest, (await client.HeadManifestAsync(ImageReference.Parse($"{registry.Host}/ctz/derived:v1")))!.Digest);
    }

    [TestMethod]
    public async Task Layers_pulled_from_another_repository_are_mounted_there_without_any_annotation()
    {
        var registry = await RegistryAsync();
        using var proxy = new FaultProxy(registry.Host);
        var (origin, d1) = RegistryTestKit.NewStore();
        using var _ = d1;
        var baseRepo = "ctz/pulled-base-" + Guid.NewGuid().ToString("N")[..8];
        await TestImages.BuildAsync(origin, "local/base:v1", [300_000], seed: 7);
        using var client = new RegistryClient(RegistryTestKit.Options(new CollectingSink()));
        await new ImagePusher(client, origin).PushAsync(ImageReference.Parse("local/base:v1"), ImageReference.Parse($"{proxy.Host}/{baseRepo}:v1"));

        // Another machine's store pulls the base, then pushes an image on it to its own repository.
        var (store, d2) = RegistryTestKit.NewStore();
        using var __ = d2;
        var pulled = await new ImagePuller(client, store).PullAsync(ImageReference.Parse($"{proxy.Host}/{baseRepo}:v1"), Platform.LinuxAmd64);
        await store.TagAsync(ImageReference.Parse("local/app:v1"), pulled.ManifestDescriptor);
        proxy.ResetCounters();
        var appRepo = "ctz/app-" + Guid.NewGuid().ToString("N")[..8];
        var pushed = await new ImagePusher(client, store).PushAsync(ImageReference.Parse("local/app:v1"), ImageReference.Parse($"{proxy.Host}/{appRepo}:v1"));
        Assert.IsTrue(proxy.Exchanges.Any(e => e.Method == "POST" && e.Path.Contains("mount=", StringComparison.Ordinal) && e.Path.Contains("from=" + Uri.EscapeDataString(baseRepo), StringComparison.Ordinal)),
            string.Join("\n", proxy.Exchanges));
        Assert.IsLessThan(10_000L, proxy.UploadedBytes, "the 300 kB layer is mounted; only the config travels");
        Assert.AreEqual(pulled.ManifestDescriptor.Digest, pushed.Digest);

        // The push is remembered too: a third repository mounts from one of the two.
        proxy.ResetCounters();
        await new ImagePusher(client, store).PushAsync(ImageReference.Parse("local/app:v1"), ImageReference.Parse($"{proxy.Host}/{appRepo}-copy:v1"));
        Assert.IsTrue(proxy.Exchanges.Any(e => e.Method == "POST" && e.Path.Contains("mount=", StringComparison.Ordinal)), string.Join("\n", proxy.Exchanges));
        Assert.IsLessThan(10_000L, proxy.UploadedBytes);
    }

    [TestMethod]
    public async Task An_index_is_pushed_whole_and_pulled_for_the_platform_asked_for()
    {
        var registry = await RegistryAsync();
        var (source, d1) = RegistryTestKit.NewStore();
        using var _ = d1;
        var (index, amd, arm) = await TestImages.BuildIndexAsync(source, "local/multi:v1");
        using var client = new RegistryClient(RegistryTestKit.Options(new CollectingSink()));
        var remote = ImageReference.Parse($"{registry.Host}/ctz/multi:v1");
        var pushed = await new ImagePusher(client, source).PushAsync(ImageReference.Parse("local/multi:v1"), remote);
        Assert.AreEqual(index.Digest, pushed.Digest);

        foreach (var (rid, expected) in new[] { ("linux-arm64", arm), ("linux-musl-x64", amd), ("linux-x64", amd) })
        {
            var (target, d2) = RegistryTestKit.NewStore();
            using var ___ = d2;
            var pulled = await new ImagePuller(client, target).PullAsync(remote, PlatformSelection.FromRuntimeIdentifier(rid));
            Assert.AreEqual(index.Digest, pulled.Root.Digest, rid);
            Assert.AreEqual(expected.Manifest.Digest, pulled.ManifestDescriptor.Digest, rid);
            Assert.AreEqual(expected.Layers[0].Digest, pulled.Manifest.Layers[0].Digest, rid);
            Assert.IsFalse(await target.HasBlobAsync((expected == arm ? amd : arm).Layers[0].Digest), "the other platform's layer is not pulled");
        }

        var (t3, d3) = RegistryTestKit.NewStore();
        using var ____ = d3;
        var e = await RegistryTestKit.ThrowsCodedAsync(() => new ImagePuller(client, t3).PullAsync(remote, PlatformSelection.FromRuntimeIdentifier("linux-s390x")), RegistryErrors.NoMatchingPlatform);
        StringAssert.Contains(e.Message, "linux/arm64/v8");
    }

    [TestMethod]
    public async Task A_digest_pinned_image_in_the_store_is_never_fetched_again()
    {
        var registry = await RegistryAsync();
        using var proxy = new FaultProxy(registry.Host);
        var (source, d1) = RegistryTestKit.NewStore();
        var (target, d2) = RegistryTestKit.NewStore();
        using var _ = d1;
        using var __ = d2;
        var image = await TestImages.BuildAsync(source, "local/pinned:v1", [10_000], seed: 5);
        using var client = new RegistryClient(RegistryTestKit.Options(new CollectingSink()));
        await new ImagePusher(client, source).PushAsync(ImageReference.Parse("local/pinned:v1"), ImageReference.Parse($"{proxy.Host}/ctz/pinned:v1"));
        var pinned = ImageReference.Parse($"{proxy.Host}/ctz/pinned@{image.Manifest.Digest}");
        var first = await new ImagePuller(client, target).PullAsync(pinned, Platform.LinuxAmd64);
        Assert.IsFalse(first.FromCache);

        proxy.ResetCounters();
        using var fresh = new RegistryClient(RegistryTestKit.Options(new CollectingSink()));
        var second = await new ImagePuller(fresh, target).PullAsync(pinned, Platform.LinuxAmd64);
        Assert.IsTrue(second.FromCache);
        Assert.AreEqual(image.Manifest.Digest, second.ManifestDescriptor.Digest);
        Assert.IsEmpty(proxy.Exchanges);
    }

    [TestMethod]
    public async Task A_tag_falls_back_to_the_store_with_a_warning_when_the_registry_is_unreachable_and_offline_never_connects()
    {
        var registry = await RegistryAsync();
        var proxy = new FaultProxy(registry.Host);
        var (source, d1) = RegistryTestKit.NewStore();
        var (target, d2) = RegistryTestKit.NewStore();
        using var _ = d1;
        using var __ = d2;
        var image = await TestImages.BuildAsync(source, "local/cached:v1", [10_000], seed: 6);
        var remote = ImageReference.Parse($"{proxy.Host}/ctz/cached:v1");
        using (var client = new RegistryClient(RegistryTestKit.Options(new CollectingSink())))
        {
            await new ImagePusher(client, source).PushAsync(ImageReference.Parse("local/cached:v1"), remote);
            await new ImagePuller(client, target).PullAsync(remote, Platform.LinuxAmd64);
        }

        // Offline: served from the store without a single request.
        proxy.ResetCounters();
        using (var offline = new RegistryClient(RegistryTestKit.Options(new CollectingSink()) with { Offline = true }))
        {
            var cached = await new ImagePuller(offline, target).PullAsync(remote, Platform.LinuxAmd64);
            Assert.IsTrue(cached.FromCache);
            Assert.AreEqual(image.Manifest.Digest, cached.ManifestDescriptor.Digest);
            await RegistryTestKit.ThrowsCodedAsync(() => new ImagePuller(offline, target).PullAsync(ImageReference.Parse($"{proxy.Host}/ctz/never:v1")), RegistryErrors.NotCached);
            Assert.IsEmpty(proxy.Exchanges);
        }

        // Unreachable: the proxy is gone, so the port refuses connections.
        proxy.Dispose();
        var sink = new CollectingSink();
        using var unreachable = new RegistryClient(RegistryTestKit.Options(sink) with { MaxRetries = 1 });
        var fallback = await new ImagePuller(unreachable, target).PullAsync(remote, Platform.LinuxAmd64);
        Assert.IsTrue(fallback.FromCache);
        Assert.AreEqual(image.Manifest.Digest, fallback.ManifestDescriptor.Digest);
        var warning = sink.Diagnostics.Single();
        Assert.AreEqual(Severity.Warning, warning.Severity);
        Assert.AreEqual(RegistryErrors.Unreachable, warning.Code);
        StringAssert.Contains(warning.Message, proxy.Host);
        await RegistryTestKit.ThrowsCodedAsync(() => new ImagePuller(unreachable, target).PullAsync(ImageReference.Parse($"{proxy.Host}/ctz/never:v1")), RegistryErrors.NotCached);
    }

    [TestMethod]
    public async Task A_missing_repository_or_tag_is_a_coded_error_naming_registry_and_repository()
    {
        var registry = await RegistryAsync();
        var (target, dir) = RegistryTestKit.NewStore();
        using var _ = dir;
        using var client = new RegistryClient(RegistryTestKit.Options(new CollectingSink()));
        var e = await RegistryTestKit.ThrowsCodedAsync(() => new ImagePuller(client, target).PullAsync(ImageReference.Parse($"{registry.Host}/ctz/does-not-exist:nope")), RegistryErrors.NotFound);
        StringAssert.Contains(e.Message, $"{registry.Host}/ctz/does-not-exist");
        StringAssert.Contains(e.Diagnostic.Hint!, "check the registry, repository and tag");
        Assert.IsFalse(await client.BlobExistsAsync(registry.Host, "ctz/does-not-exist", Digest.Sha256([1, 2, 3])));
    }
}
