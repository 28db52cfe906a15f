using Containerize.Core.Diagnostics;
using Containerize.Core.Building;
using Containerize.Core.Building.Plan;
using Containerize.Core.Images.Oci;
using Containerize.Core.Images.Store;
using Containerize.Core.Images.Transfer;
using Containerize.Core.Registry;
using Containerize.Tests.Infrastructure;

namespace Containerize.Tests.Registry;

/// <summary>
/// A build on a registry base keeps the base's layers in the registry (manifest and config only in the store): a
/// push mounts them (same registry) or streams them (another registry, or a refused mount), an archive fetches them,
/// offline is a coded error, and the image digest is the one a store holding the layers gives. Two real
/// docker-registry 2.8 instances; skopeo reads every result as an independent client.
/// </summary>
[TestClass]
[DoNotParallelize]
public sealed class RemoteBaseLayerTests
{
    private const string BaseRepository = "ctz/lazy-base";

    private static RegistryProcess? _source;
    private static RegistryProcess? _other;
    private static TestImages.Built? _base;

    [ClassCleanup]
    public static void Cleanup()
    {
        _source?.Dispose();
        _other?.Dispose();
        _source = _other = null;
        _base = null;
    }

    /// <summary>Registry A holds the base (two layers of random bytes); registry B starts empty.</summary>
    private static async Task<(RegistryProcess Source, RegistryProcess Other, TestImages.Built Base)> LabAsync()
    {
        _source ??= await RegistryProcess.StartPlainAsync();
        _other ??= await RegistryProcess.StartPlainAsync();
        if (_base is null)
        {
            var (seed, dir) = RegistryTestKit.NewStore();
            using var _ = dir;
            var built = await TestImages.BuildAsync(seed, "local/lazy-base:1", [400_000, 1_200_000], seed: 30);
            using var client = new RegistryClient(RegistryTestKit.Options(new CollectingSink()));
            await new ImagePusher(client, seed).PushAsync(ImageReference.Parse("local/lazy-base:1"), ImageReference.Parse($"{_source.Host}/{BaseRepository}:1"));
            _base = built;
        }

        return (_source, _other, _base);
    }

    /// <summary>The generated Host-mode shape: FROM the base, COPY into /app, WORKDIR after it.</summary>
    private static async Task<BuildResult> BuildAsync(TempDir dir, string store, string from, bool ignoreBaseFiles = true, string tag = "lazy/app:1")
    {
        dir.Write("ctx/app/hello.txt", "hello from the app layer\n");
        var dockerfile = dir.Write("ctx/Dockerfile", $"FROM {from}\nCOPY [\"app/\", \"/app/\"]\nWORKDIR /app/\nENTRYPOINT [\"/app/hello.txt\"]\n");
        return await new ImageBuilder(new CollectingSink()).BuildAsync(new BuildRequest
        {
            ContextDirectory = dir.Combine("ctx"),
            DockerfilePath = dockerfile,
            Tags = [tag],
            StorePath = store,
            IgnoreBaseFiles = ignoreBaseFiles,
            LayerCompression = LayerCompression.Gzip,
        }, CancellationToken.None);
    }

    private static async Task AssertNoBaseLayerAsync(OciLayoutStore store, TestImages.Built image, string when)
    {
        var stored = store.EnumerateBlobs().Select(b => b.Digest).ToHashSet();
        foreach (var layer in image.Layers) Assert.IsFalse(stored.Contains(layer.Digest), $"{when}: base layer {layer.Digest} is in the store");
        Assert.IsTrue(stored.Contains(image.Config.Digest), $"{when}: the base's config is stored");
        await Task.CompletedTask;
    }

    /// <summary>skopeo copies every blob of the image out of the registry (or archive) and verifies each digest.</summary>
    private static async Task<int> SkopeoCopyAsync(string source, TempDir dir)
    {
        var target = dir.Combine("skopeo-" + Guid.NewGuid().ToString("N")[..8]);
        (await ProcessRunner.RunAsync(Requirements.Tool("skopeo"), ["copy", "--src-tls-verify=false", source, $"dir:{target}"])).EnsureSuccess("skopeo copy " + source);
        using var manifest = System.Text.Json.JsonDocument.Parse(await File.ReadAllBytesAsync(Path.Combine(target, "manifest.json")));
        var layers = manifest.RootElement.GetProperty("layers").EnumerateArray().ToList();
        foreach (var layer in layers)
        {
            var digest = Digest.Parse(layer.GetProperty("digest").GetString()!);
            Assert.IsTrue(File.Exists(Path.Combine(target, digest.Encoded)), $"skopeo did not copy {digest}");
        }

        return layers.Count;
    }

    [TestMethod]
    public async Task Build_on_a_registry_base_downloads_only_its_manifest_and_config_and_gives_the_digest_of_a_warm_store()
    {
        var (source, _, image) = await LabAsync();
        using var dir = new TempDir("ctz-lazy");
        var from = $"{source.Host}/{BaseRepository}:1";
        var cold = await BuildAsync(dir, dir.Combine("cold"), from);
        var coldStore = await OciLayoutStore.OpenOrCreateAsync(dir.Combine("cold"));
        await AssertNoBaseLayerAsync(coldStore, image, "after a build on an empty store");
        Assert.AreEqual(image.Layers.Count + 1, cold.Image.Layers.Count, "the base's layers and the COPY; WORKDIR after it adds none");
        Assert.IsTrue((await new StoreChecker(coldStore).CheckAsync()).Ok, "a layer left in its registry is not a store problem");

        // Warm: the same store layout after a full pull (every base layer stored before the build).
        var warmPath = dir.Combine("warm");
        var warmStore = await OciLayoutStore.OpenOrCreateAsync(warmPath);
        using (var client = new RegistryClient(RegistryTestKit.Options(new CollectingSink())))
        {
            var pulled = await new ImagePuller(client, warmStore).PullAsync(ImageReference.Parse(from), Platform.LinuxAmd64);
            Assert.AreEqual(image.Layers.Count + 1, pulled.BlobsDownloaded, "an explicit pull downloads every layer");
        }

        var warm = await BuildAsync(dir, warmPath, from);
        Assert.AreEqual(cold.Image.Manifest!.Digest, warm.Image.Manifest!.Digest, "the image does not depend on whether the base's layers were downloaded");
        Assert.AreEqual(cold.Image.ConfigDigest, warm.Image.ConfigDigest);

        // A cached rebuild on the cold store is still a hit: remote layers count as present.
        var again = await BuildAsync(dir, dir.Combine("cold"), from);
        Assert.IsTrue(again.Steps.Skip(1).All(s => s.CacheHit), "every step after FROM comes from the cache");
        await AssertNoBaseLayerAsync(coldStore, image, "after a cached rebuild");
    }

    [TestMethod]
    public async Task A_Dockerfile_whose_steps_read_the_base_fetches_its_layers_once()
    {
        var (source, _, image) = await LabAsync();
        using var dir = new TempDir("ctz-lazy");
        // Without IgnoreBaseFiles (a user's Dockerfile), COPY's destination is looked up in the base's files.
        await BuildAsync(dir, dir.Combine("store"), $"{source.Host}/{BaseRepository}:1", ignoreBaseFiles: false);
        var store = await OciLayoutStore.OpenOrCreateAsync(dir.Combine("store"));
        foreach (var layer in image.Layers) Assert.IsTrue(await store.HasBlobAsync(layer.Digest), $"base layer {layer.Digest} fetched for the lookup");
    }

    [TestMethod]
    public async Task Push_to_the_base_registry_mounts_the_base_layers_and_sends_only_the_new_ones()
    {
        var (source, _, image) = await LabAsync();
        using var dir = new TempDir("ctz-lazy");
        var built = await BuildAsync(dir, dir.Combine("store"), $"{source.Host}/{BaseRepository}:1");
        var store = await OciLayoutStore.OpenOrCreateAsync(dir.Combine("store"));
        var sink = new CollectingSink();
        using var client = new RegistryClient(RegistryTestKit.Options(sink));
        var remote = ImageReference.Parse($"{source.Host}/ctz/lazy-app-mount:1");
        var result = await new ImagePusher(client, store).PushAsync(ImageReference.Parse("lazy/app:1"), remote);

        Assert.AreEqual(built.Image.Manifest!.Digest, result.Digest);
        Assert.IsLessThan(image.Layers.Sum(l => l.Size), result.BytesUploaded, "the base's layers are mounted, not uploaded");
        Assert.AreEqual(2, result.BlobsUploaded, "the COPY layer and the config");
        await AssertNoBaseLayerAsync(store, image, "after the push");
        Assert.AreEqual(image.Layers.Count + 1, await SkopeoCopyAsync($"docker://{remote}", dir));
    }

    [TestMethod]
    public async Task Push_to_another_registry_streams_the_base_layers_without_storing_them()
    {
        var (source, other, image) = await LabAsync();
        using var dir = new TempDir("ctz-lazy");
        var built = await BuildAsync(dir, dir.Combine("store"), $"{source.Host}/{BaseRepository}:1");
        var store = await OciLayoutStore.OpenOrCreateAsync(dir.Combine("store"));
        var sink = new CollectingSink();
        using var client = new RegistryClient(RegistryTestKit.Options(sink));
        var remote = ImageReference.Parse($"{other.Host}/ctz/lazy-app-stream:1");
        var result = await new ImagePusher(client, store).PushAsync(ImageReference.Parse("lazy/app:1"), remote);

        Assert.AreEqual(built.Image.Manifest!.Digest, result.Digest);
        Assert.IsGreaterThanOrEqualTo(image.Layers.Sum(l => l.Size), result.BytesUploaded, "the base's layers went to the other registry");
        Assert.IsTrue(sink.Messages.Any(d => d.Contains("streamed from " + source.Host, StringComparison.Ordinal)), string.Join('\n', sink.Messages));
        await AssertNoBaseLayerAsync(store, image, "after the streamed push");
        foreach (var layer in image.Layers) Assert.IsTrue(await client.BlobExistsAsync(other.Host, "ctz/lazy-app-stream", layer.Digest), $"{layer.Digest} in the other registry");
        Assert.AreEqual(image.Layers.Count + 1, await SkopeoCopyAsync($"docker://{remote}", dir));
    }

    [TestMethod]
    public async Task A_refused_mount_falls_back_to_streaming_from_the_base_repository()
    {
        var (source, _, image) = await LabAsync();
        using var proxy = new FaultProxy(source.Host) { Plan = e => e.Method == "POST" && e.Path.Contains("mount=", StringComparison.Ordinal) ? new Fault.RefuseMount() : null };
        using var dir = new TempDir("ctz-lazy");
        // Pulled through the proxy, so the store records the proxy's address: the push is then to the same registry.
        var built = await BuildAsync(dir, dir.Combine("store"), $"{proxy.Host}/{BaseRepository}:1");
        var store = await OciLayoutStore.OpenOrCreateAsync(dir.Combine("store"));
        proxy.ResetCounters();
        using var client = new RegistryClient(RegistryTestKit.Options(new CollectingSink()));
        var remote = ImageReference.Parse($"{proxy.Host}/ctz/lazy-app-refused:1");
        var result = await new ImagePusher(client, store).PushAsync(ImageReference.Parse("lazy/app:1"), remote);

        Assert.AreEqual(built.Image.Manifest!.Digest, result.Digest);
        var exchanges = proxy.Exchanges;
        Assert.IsTrue(exchanges.Any(e => e.Method == "POST" && e.Path.Contains("mount=", StringComparison.Ordinal)), "a mount was tried first");
        foreach (var layer in image.Layers)
        {
            Assert.IsTrue(exchanges.Any(e => e.Method == "GET" && e.Path == $"/v2/{BaseRepository}/blobs/{layer.Digest}"), $"{layer.Digest} read from the base repository");
        }

        Assert.IsGreaterThanOrEqualTo(image.Layers.Sum(l => l.Size), proxy.UploadedBytes, "the refused layers were uploaded");
        await AssertNoBaseLayerAsync(store, image, "after the fallback");
        Assert.AreEqual(image.Layers.Count + 1, await SkopeoCopyAsync($"docker://{source.Host}/ctz/lazy-app-refused:1", dir));
    }

    [TestMethod]
    public async Task A_corrupt_stream_from_the_source_registry_fails_the_push_with_a_coded_error_and_stores_nothing()
    {
        var (source, other, image) = await LabAsync();
        var big = image.Layers.MaxBy(l => l.Size)!;
        using var proxy = new FaultProxy(source.Host) { Plan = e => e.Method == "GET" && e.Path.EndsWith(big.Digest.ToString(), StringComparison.Ordinal) ? new Fault.Corrupt() : null };
        using var dir = new TempDir("ctz-lazy");
        await BuildAsync(dir, dir.Combine("store"), $"{proxy.Host}/{BaseRepository}:1");
        var store = await OciLayoutStore.OpenOrCreateAsync(dir.Combine("store"));
        using var client = new RegistryClient(RegistryTestKit.Options(new CollectingSink()) with { MaxRetries = 1 });
        var remote = ImageReference.Parse($"{other.Host}/ctz/lazy-app-corrupt:1");
        var e = await Assert.ThrowsAsync<Containerize.Core.Diagnostics.ContainerizeException>(() => new ImagePusher(client, store).PushAsync(ImageReference.Parse("lazy/app:1"), remote));
        StringAssert.StartsWith(e.Code, "CTZ4", e.Diagnostic.Message);
        Assert.IsFalse(await client.BlobExistsAsync(other.Host, "ctz/lazy-app-corrupt", big.Digest), "no corrupt copy in the destination");
        Assert.IsNull(await client.HeadManifestAsync(remote), "no manifest without its blobs");
        await AssertNoBaseLayerAsync(store, image, "after the failed push");
    }

    [TestMethod]
    public async Task An_archive_fetches_the_base_layers_and_is_complete()
    {
        var (source, _, image) = await LabAsync();
        using var dir = new TempDir("ctz-lazy");
        var built = await BuildAsync(dir, dir.Combine("store"), $"{source.Host}/{BaseRepository}:1");
        var store = await OciLayoutStore.OpenOrCreateAsync(dir.Combine("store"));
        using (RegistryBlobFetcher.Attach(store, RegistryTestKit.Options(new CollectingSink())))
        {
            var archive = dir.Combine("app.tar");
            await new ImageExporter(store, dir.Combine("scratch")).ExportAsync(built.Image.Manifest!, ImageReference.Parse("lazy/app:1"), ImageLocation.Parse("docker-archive://" + archive));
            Assert.AreEqual(image.Layers.Count + 1, await SkopeoCopyAsync($"docker-archive:{archive}", dir));
            var oci = dir.Combine("app.oci.tar");
            await new ImageExporter(store, dir.Combine("scratch2")).ExportAsync(built.Image.Manifest!, ImageReference.Parse("lazy/app:1"), ImageLocation.Parse("oci-archive://" + oci));
            Assert.AreEqual(image.Layers.Count + 1, await SkopeoCopyAsync($"oci-archive:{oci}", dir));
        }

        foreach (var layer in image.Layers) Assert.IsTrue(await store.HasBlobAsync(layer.Digest), $"{layer.Digest} fetched into the store, verified, once");
    }

    [TestMethod]
    public async Task The_cli_lists_checks_prunes_and_saves_an_image_whose_base_layers_are_remote()
    {
        var (source, _, image) = await LabAsync();
        using var dir = new TempDir("ctz-lazy");
        var store = dir.Combine("store");
        await BuildAsync(dir, store, $"{source.Host}/{BaseRepository}:1");
        async Task<ProcessResult> Cli(params string[] args) =>
            await ProcessRunner.RunAsync("dotnet", [typeof(Containerize.Cli.CliApp).Assembly.Location, .. args, "--store", store], timeout: TimeSpan.FromMinutes(2));

        var images = (await Cli("images")).EnsureSuccess("containerize images");
        StringAssert.Contains(images.StdOut, "lazy/app");
        var check = (await Cli("store", "check")).EnsureSuccess("containerize store check");
        Assert.DoesNotContain("CTZ", check.StdOut + check.StdErr, "a layer left in its registry is not a problem");
        (await Cli("prune")).EnsureSuccess("containerize prune");
        await AssertNoBaseLayerAsync(await OciLayoutStore.OpenOrCreateAsync(store), image, "after images, check and prune");

        var archive = dir.Combine("saved.tar");
        (await Cli("save", "lazy/app:1", "-o", "docker-archive:" + archive)).EnsureSuccess("containerize save");
        Assert.AreEqual(image.Layers.Count + 1, await SkopeoCopyAsync($"docker-archive:{archive}", dir), "save fetched the base's layers");
    }

    [TestMethod]
    public async Task A_needed_remote_layer_is_a_coded_error_offline_and_where_no_registry_is_reachable()
    {
        var (source, _, image) = await LabAsync();
        using var dir = new TempDir("ctz-lazy");
        var built = await BuildAsync(dir, dir.Combine("store"), $"{source.Host}/{BaseRepository}:1");
        var store = await OciLayoutStore.OpenOrCreateAsync(dir.Combine("store"));
        var exporter = new ImageExporter(store, dir.Combine("scratch"));
        var archive = ImageLocation.Parse("docker-archive://" + dir.Combine("offline.tar"));

        var none = await RegistryTestKit.ThrowsCodedAsync(() => exporter.ExportAsync(built.Image.Manifest!, null, archive), RemoteBlobErrors.NotFetchable);
        StringAssert.Contains(none.Diagnostic.Message, source.Host + "/" + BaseRepository);
        Assert.IsNotNull(none.Diagnostic.Hint);

        using (RegistryBlobFetcher.Attach(store, RegistryTestKit.Options(new CollectingSink()) with { Offline = true }))
        {
            var offline = await RegistryTestKit.ThrowsCodedAsync(() => exporter.ExportAsync(built.Image.Manifest!, null, archive), RemoteBlobErrors.Offline);
            StringAssert.Contains(offline.Diagnostic.Message, "offline");
            StringAssert.Contains(offline.Diagnostic.Hint, "ContainerOffline");
        }

        // The build itself offline: the base is in the store (manifest and config), so it builds, and still reads no layer.
        var rebuilt = await new ImageBuilder(new CollectingSink()).BuildAsync(new BuildRequest
        {
            ContextDirectory = dir.Combine("ctx"),
            DockerfilePath = dir.Combine("ctx", "Dockerfile"),
            Tags = ["lazy/app:offline"],
            StorePath = dir.Combine("store"),
            IgnoreBaseFiles = true,
            Offline = true,
            NoCache = true,
            LayerCompression = LayerCompression.Gzip,
        }, CancellationToken.None);
        Assert.AreEqual(built.Image.Manifest!.Digest, rebuilt.Image.Manifest!.Digest);
        await AssertNoBaseLayerAsync(store, image, "after an offline build");
        Assert.IsFalse(File.Exists(dir.Combine("offline.tar")), "no half-written archive");
    }
}
