using System.Runtime.Versioning;
using System.Text.Json;
using Containerize.Core.Images.Oci;
using Containerize.Core.Images.Store;
using Containerize.Tests.Engines;
using Containerize.Tests.Infrastructure;

namespace Containerize.Tests.Building;

/// <summary>
/// `containerize build --output` (several at once; -t always tags in the store) read back by independent tools:
/// skopeo and umoci for the layout and archives, the registry through skopeo, and docker for `docker load`.
/// And `--platform`: the automatic ARGs, the base chosen from an index, the config's os/architecture, and a coded
/// error for a RUN this machine cannot execute.
/// </summary>
[TestClass]
[SupportedOSPlatform("linux")]
public sealed class EngineOutputTests
{
    [TestMethod]
    public async Task Output_LayoutArchivesAndRegistryHoldTheBuiltImage()
    {
        var skopeo = Requirements.Tool("skopeo");
        using var registry = await LocalRegistry.StartAsync();
        using var lab = await EngineLab.CreateAsync();
        lab.Write("a.txt", "payload");
        lab.Write("Dockerfile", "FROM busybox:test\nCOPY a.txt /a.txt\nCMD [\"cat\", \"/a.txt\"]\n");
        var name = $"{registry.Host}/cmode/out";
        var layout = Path.Combine(lab.Temp, "layout");
        var ociArchive = Path.Combine(lab.Temp, "out", "image.oci.tar");
        var dockerArchive = Path.Combine(lab.Temp, "out", "image.docker.tar");
        var result = await lab.BuildAsync("-t", name + ":1.0", "-t", name + ":latest",
            "--output", "oci-layout:" + layout, "--output", "oci-layout://" + layout + "-custom:v9", "--output", "oci-archive:" + ociArchive, "-o", "docker-archive://" + dockerArchive, "--output", "registry");
        Assert.AreEqual(0, result.ExitCode, result.StdErr + result.StdOut);
        var (manifest, config) = await lab.ImageAsync(name + ":1.0");

        // The layout holds both tags, and umoci unpacks it.
        foreach (var tag in new[] { "1.0", "latest" })
        {
            var inspect = await Inspect(skopeo, $"oci:{layout}:{tag}");
            Assert.AreEqual(manifest.Digest.ToString(), inspect.GetProperty("Digest").GetString(), tag);
        }

        Assert.AreEqual(manifest.Digest.ToString(), (await Inspect(skopeo, $"oci:{layout}-custom:v9")).GetProperty("Digest").GetString(), "oci-layout:DIR:TAG, as save reads it");
        var bundle = Path.Combine(lab.Temp, "bundle");
        (await ProcessRunner.RunAsync(Requirements.Tool("umoci"), ["unpack", "--image", $"{layout}:1.0", bundle])).EnsureSuccess("umoci unpack");
        Assert.AreEqual("payload", File.ReadAllText(Path.Combine(bundle, "rootfs", "a.txt")));

        Assert.AreEqual(manifest.Digest.ToString(), (await Inspect(skopeo, "oci-archive:" + ociArchive)).GetProperty("Digest").GetString());
        var fromDocker = await Inspect(skopeo, "docker-archive:" + dockerArchive, config: true);
        Assert.AreEqual("cat", fromDocker.GetProperty("config").GetProperty("Cmd")[0].GetString(), "the docker-archive carries the config");

        // Every -t name is in the registry, pointing at the built manifest.
        foreach (var tag in new[] { "1.0", "latest" })
        {
            var remote = await Inspect(skopeo, $"docker://{name}:{tag}", "--tls-verify=false");
            Assert.AreEqual(manifest.Digest.ToString(), remote.GetProperty("Digest").GetString(), tag);
        }

        Assert.AreEqual("cat", config.Config!.Cmd![0]);
        var bad = await lab.BuildAsync("--output", "registry");
        StringAssert.Contains(bad.StdErr, "CTZ5045", "a push needs a -t name");
        var unknown = await lab.BuildAsync("-t", "x:1", "--output", "tarball:/tmp/x");
        StringAssert.Contains(unknown.StdErr, "CTZ5045");
    }

    [TestMethod]
    public async Task Build_KeepsPlainLayersInTheStoreAndCompressesThemWhenTheImageLeaves()
    {
        var skopeo = Requirements.Tool("skopeo");
        using var lab = await EngineLab.CreateAsync();
        lab.Write("big.txt", string.Concat(Enumerable.Repeat("compressible text\n", 20_000)));
        lab.Write("Dockerfile", "FROM busybox:test\nCOPY big.txt /big.txt\n");
        Assert.AreEqual(0, (await lab.BuildAsync("-t", "plain:1")).ExitCode);
        var (manifest, config) = await lab.ImageAsync("plain:1");
        var store = await OciLayoutStore.OpenOrCreateAsync(lab.Store);
        var layer = (await store.ReadManifestAsync(manifest)).Layers[^1];
        Assert.AreEqual(MediaTypes.OciLayer, layer.MediaType, "a local build stores the layer as a plain tar");
        Assert.AreEqual(config.RootFs.DiffIds[^1], layer.Digest, "so its digest is its diff ID");
        Assert.IsGreaterThan(360_000L, layer.Size);

        // Exported, the image leaves with a gzip layer, and the store's tag follows it; the image ID stays.
        var archive = Path.Combine(lab.Temp, "out.oci.tar");
        var again = await lab.BuildAsync("-t", "plain:1", "--output", "oci-archive:" + archive);
        Assert.AreEqual(0, again.ExitCode, again.StdErr);
        var (exported, exportedConfig) = await lab.ImageAsync("plain:1");
        Assert.AreNotEqual(manifest.Digest, exported.Digest);
        Assert.AreEqual((await store.ReadManifestAsync(manifest)).Config.Digest, (await store.ReadManifestAsync(exported)).Config.Digest);
        var raw = (await ProcessRunner.RunAsync(skopeo, ["inspect", "--raw", "oci-archive:" + archive])).EnsureSuccess("skopeo inspect --raw");
        using var doc = JsonDocument.Parse(raw.StdOut);
        var last = doc.RootElement.GetProperty("layers")[doc.RootElement.GetProperty("layers").GetArrayLength() - 1];
        Assert.AreEqual(MediaTypes.OciLayerGzip, last.GetProperty("mediaType").GetString());
        Assert.IsLessThan(30_000L, last.GetProperty("size").GetInt64(), "gzip of 360 kB of repeated text");
        Assert.AreEqual(exported.Digest.ToString(), (await Inspect(skopeo, "oci-archive:" + archive)).GetProperty("Digest").GetString());
        Assert.AreEqual(config.RootFs.DiffIds[^1], exportedConfig.RootFs.DiffIds[^1]);
    }

    [TestMethod]
    public async Task Output_DockerLoadGivesTheSameImageId()
    {
        var docker = DockerEngines.Docker20();
        using var lab = await EngineLab.CreateAsync();
        lab.Write("Dockerfile", $"FROM busybox:test\nLABEL run={Guid.NewGuid():N}\n");
        var tag = "ctz-cmode-load:" + Guid.NewGuid().ToString("N")[..8];
        try
        {
            var result = await lab.BuildAsync("-t", tag, "--output", "docker");
            Assert.AreEqual(0, result.ExitCode, result.StdErr + result.StdOut);
            var (manifest, _) = await lab.ImageAsync(tag);
            var store = await OciLayoutStore.OpenOrCreateAsync(lab.Store);
            var configDigest = (await store.ReadManifestAsync(manifest)).Config.Digest.ToString();
            var inspect = (await ProcessRunner.RunAsync(docker, ["image", "inspect", "--format", "{{.Id}}", tag])).EnsureSuccess("docker image inspect");
            Assert.AreEqual(configDigest, inspect.StdOut.Trim(), "docker's image ID is our config digest");
        }
        finally
        {
            await ProcessRunner.RunAsync(docker, ["rmi", "-f", tag]);
        }
    }

    [TestMethod]
    public async Task Platform_SetsArgsConfigAndPicksTheIndexEntry()
    {
        using var lab = await EngineLab.CreateAsync();

        // A two-platform base: each entry carries a file naming its platform.
        lab.Write("Dockerfile", """
            FROM scratch
            ARG TARGETPLATFORM
            COPY <<EOF /platform.txt
            ${TARGETPLATFORM}
            EOF
            """);
        foreach (var p in new[] { "linux/amd64", "linux/arm64" })
        {
            var r = await lab.BuildAsync("-t", "base:" + p.Replace('/', '-'), "--platform", p);
            Assert.AreEqual(0, r.ExitCode, r.StdErr + r.StdOut);
        }

        var store = await OciLayoutStore.OpenOrCreateAsync(lab.Store);
        var amd = await store.ResolveRequiredAsync(ImageReference.Parse("base:linux-amd64"));
        var arm = await store.ResolveRequiredAsync(ImageReference.Parse("base:linux-arm64"));
        var index = new ImageIndex
        {
            Manifests =
            [
                amd with { MediaType = MediaTypes.OciManifest, Platform = Platform.LinuxAmd64, Annotations = null },
                arm with { MediaType = MediaTypes.OciManifest, Platform = Platform.LinuxArm64, Annotations = null },
            ],
        };
        var indexDescriptor = await store.PutBlobAsync(OciJson.Serialize(index), MediaTypes.OciIndex);
        await store.TagAsync(ImageReference.Parse("multi:1"), indexDescriptor);

        lab.Write("Dockerfile", """
            FROM multi:1
            ARG TARGETPLATFORM
            ARG TARGETOS
            ARG TARGETARCH
            ARG TARGETVARIANT
            ARG BUILDPLATFORM
            COPY <<EOF /args.txt
            ${TARGETPLATFORM} ${TARGETOS} ${TARGETARCH} [${TARGETVARIANT}] ${BUILDPLATFORM}
            EOF
            """);
        var arm64 = await lab.BuildAsync("-t", "plat:arm", "--platform", "linux/arm64");
        Assert.AreEqual(0, arm64.ExitCode, arm64.StdErr + arm64.StdOut);
        var rootfs = await lab.UnpackAsync("plat:arm");
        Assert.AreEqual("linux/arm64", File.ReadAllText(Path.Combine(rootfs, "platform.txt")).Trim(), "the arm64 entry of the index was the base");
        Assert.AreEqual("linux/arm64 linux arm64 [] linux/amd64", File.ReadAllText(Path.Combine(rootfs, "args.txt")).Trim(), "BuildKit's values (arm64's v8 implied)");
        var (_, config) = await lab.ImageAsync("plat:arm");
        Assert.AreEqual("arm64", config.Architecture);
        Assert.AreEqual("linux", config.Os);

        var native = await lab.BuildAsync("-t", "plat:amd");
        Assert.AreEqual(0, native.ExitCode, native.StdErr + native.StdOut);
        Assert.AreEqual("linux/amd64", File.ReadAllText(Path.Combine(await lab.UnpackAsync("plat:amd"), "platform.txt")).Trim(), "default: this machine's platform");
        Assert.AreEqual("amd64", (await lab.ImageAsync("plat:amd")).Config.Architecture);
    }

    [TestMethod]
    public async Task Platform_ForeignRunIsACodedErrorNamingTheStep()
    {
        using var lab = await EngineLab.CreateAsync();
        lab.Write("Dockerfile", "FROM scratch\nCOPY Dockerfile /Dockerfile\nRUN [\"/bin/true\"]\n");
        var result = await lab.BuildAsync("-t", "foreign:1", "--platform", "linux/arm64");
        Assert.AreNotEqual(0, result.ExitCode);
        StringAssert.Contains(result.StdErr, "CTZ5044");
        StringAssert.Contains(result.StdErr, "Dockerfile:3");
        StringAssert.Contains(result.StdErr, "Step 3/3");
        StringAssert.Contains(result.StdErr, "linux/arm64");
        var bad = await lab.BuildAsync("-t", "foreign:1", "--platform", "arm64");
        StringAssert.Contains(bad.StdErr, "CTZ5046");
    }

    private static async Task<JsonElement> Inspect(string skopeo, string image, string? extra = null, bool config = false)
    {
        List<string> args = ["inspect"];
        if (config) args.Add("--config");
        if (extra is not null) args.Add(extra);
        args.Add(image);
        var r = (await ProcessRunner.RunAsync(skopeo, [.. args])).EnsureSuccess("skopeo inspect " + image);
        using var doc = JsonDocument.Parse(r.StdOut);
        return doc.RootElement.Clone();
    }
}
