using System.Text.Json;
using Containerize.Core.Diagnostics;
using Containerize.Core.Images.Oci;
using Containerize.Core.Images.Store;
using Containerize.Core.Registry;
using Containerize.Tests.Infrastructure;

namespace Containerize.Tests.Registry;

/// <summary>skopeo, an independent client, reads what we push; and we pull what skopeo pushes.</summary>
[TestClass]
[DoNotParallelize]
public sealed class SkopeoInteropTests
{
    private static RegistryProcess? _plain;
    private static RegistryProcess? _tls;

    [ClassCleanup]
    public static void Cleanup()
    {
        _plain?.Dispose();
        _tls?.Dispose();
        _plain = _tls = null;
    }

    [TestMethod]
    public async Task Skopeo_inspects_and_copies_what_we_pushed()
    {
        var skopeo = Requirements.Tool("skopeo");
        var registry = _plain ??= await RegistryProcess.StartPlainAsync();
        var (source, d1) = RegistryTestKit.NewStore();
        using var _ = d1;
        using var layout = new TempDir("ctz-skopeo");
        var image = await TestImages.BuildAsync(source, "local/sk:v1", [120_000, 5_000], seed: 41);
        using var client = new RegistryClient(RegistryTestKit.Options(new CollectingSink()));
        await new ImagePusher(client, source).PushAsync(ImageReference.Parse("local/sk:v1"), ImageReference.Parse($"{registry.Host}/ctz/sk:v1"));

        var inspect = (await ProcessRunner.RunAsync(skopeo, ["inspect", "--tls-verify=false", $"docker://{registry.Host}/ctz/sk:v1"])).EnsureSuccess("skopeo inspect");
        using var doc = JsonDocument.Parse(inspect.StdOut);
        Assert.AreEqual(image.Manifest.Digest.ToString(), doc.RootElement.GetProperty("Digest").GetString());
        CollectionAssert.AreEqual(image.Layers.Select(l => l.Digest.ToString()).ToList(),
            doc.RootElement.GetProperty("Layers").EnumerateArray().Select(e => e.GetString()).ToList());

        (await ProcessRunner.RunAsync(skopeo, ["copy", "--src-tls-verify=false", $"docker://{registry.Host}/ctz/sk:v1", $"oci:{layout.Path}:v1"])).EnsureSuccess("skopeo copy");
        foreach (var blob in image.Layers.Append(image.Config).Append(image.Manifest))
        {
            var path = Path.Combine(layout.Path, "blobs", "sha256", blob.Digest.Encoded);
            Assert.IsTrue(File.Exists(path), $"skopeo copied {blob.Digest}");
            CollectionAssert.AreEqual(await File.ReadAllBytesAsync(source.BlobPath(blob.Digest)), await File.ReadAllBytesAsync(path));
        }
    }

    [TestMethod]
    public async Task We_pull_what_skopeo_pushed_from_an_OCI_layout()
    {
        var skopeo = Requirements.Tool("skopeo");
        var registry = _plain ??= await RegistryProcess.StartPlainAsync();
        var (source, d1) = RegistryTestKit.NewStore();
        var (target, d2) = RegistryTestKit.NewStore();
        using var _ = d1;
        using var __ = d2;
        using var layout = new TempDir("ctz-layout");
        var image = await TestImages.BuildAsync(source, "local/fromsk:v1", [80_000, 3_000], seed: 42);
        WriteLayout(layout.Path, source, image, "v1");

        (await ProcessRunner.RunAsync(skopeo, ["copy", "--dest-tls-verify=false", $"oci:{layout.Path}:v1", $"docker://{registry.Host}/ctz/fromskopeo:v1"])).EnsureSuccess("skopeo copy");
        using var client = new RegistryClient(RegistryTestKit.Options(new CollectingSink()));
        var pulled = await new ImagePuller(client, target).PullAsync(ImageReference.Parse($"{registry.Host}/ctz/fromskopeo:v1"), Platform.LinuxAmd64);
        Assert.AreEqual(image.Manifest.Digest, pulled.ManifestDescriptor.Digest, "skopeo keeps an OCI manifest as it is");
        await RegistryTestKit.AssertSameImageAsync(source, target, image.Manifest.Digest);
    }

    [TestMethod]
    public async Task Skopeo_reads_what_we_pushed_to_a_TLS_registry_with_credentials()
    {
        var skopeo = Requirements.Tool("skopeo");
        var registry = _tls ??= await RegistryProcess.StartTlsBasicAsync();
        var (source, d1) = RegistryTestKit.NewStore();
        using var _ = d1;
        var image = await TestImages.BuildAsync(source, "local/sktls:v1", [20_000], seed: 43);
        using var client = new RegistryClient(RegistryTestKit.Options(new CollectingSink(), new Dictionary<string, string>
        {
            ["DOTNET_CONTAINER_REGISTRY_UNAME"] = RegistryProcess.User,
            ["DOTNET_CONTAINER_REGISTRY_PWORD"] = RegistryProcess.Password,
        }) with { CaFile = registry.CaFile });
        await new ImagePusher(client, source).PushAsync(ImageReference.Parse("local/sktls:v1"), ImageReference.Parse($"{registry.Host}/ctz/sktls:v1"));
        var inspect = (await ProcessRunner.RunAsync(skopeo, ["inspect", "--cert-dir", registry.CertDir!, "--creds", $"{RegistryProcess.User}:{RegistryProcess.Password}",
            $"docker://{registry.Host}/ctz/sktls:v1"])).EnsureSuccess("skopeo inspect");
        using var doc = JsonDocument.Parse(inspect.StdOut);
        Assert.AreEqual(image.Manifest.Digest.ToString(), doc.RootElement.GetProperty("Digest").GetString());
    }

    /// <summary>An OCI image layout (oci-layout, index.json, blobs/sha256) of one image, as skopeo reads it.</summary>
    internal static void WriteLayout(string dir, OciLayoutStore store, TestImages.Built image, string tag)
    {
        Directory.CreateDirectory(Path.Combine(dir, "blobs", "sha256"));
        File.WriteAllBytes(Path.Combine(dir, "oci-layout"), OciJson.Serialize(new ImageLayoutHeader()));
        foreach (var blob in image.Layers.Append(image.Config).Append(image.Manifest))
        {
            File.Copy(store.BlobPath(blob.Digest), Path.Combine(dir, "blobs", "sha256", blob.Digest.Encoded), overwrite: true);
        }

        var index = new ImageIndex
        {
            Manifests = [image.Manifest with { Annotations = new Dictionary<string, string> { [AnnotationKeys.RefName] = tag } }],
        };
        File.WriteAllBytes(Path.Combine(dir, "index.json"), OciJson.Serialize(index));
    }
}
