using System.Text.Json;
using Containerize.Core.Images.Oci;
using Containerize.Core.Images.Store;
using Containerize.Tests.Images.Store;
using Containerize.Tests.Infrastructure;

namespace Containerize.Tests.Images.Transfer;

/// <summary>skopeo, umoci, Docker and Podman read what we write.</summary>
[TestClass]
public sealed class ToolInteropTests
{
    [TestMethod]
    [DataRow(LayerCompression.Gzip)]
    [DataRow(LayerCompression.Zstd)]
    public async Task SkopeoReadsTheStoreByFullNameAndEveryExport(LayerCompression compression)
    {
        var skopeo = Requirements.Tool("skopeo");
        using var dir = new TempDir();
        var store = await OciLayoutStore.OpenOrCreateAsync(dir.Combine("store"));
        var image = await TestImages.PutImageAsync(store, compression);
        await store.TagAsync(ImageReference.Parse("app:1.0"), image);
        var configDigest = (await store.ReadManifestAsync(image)).Config.Digest;

        // The store itself, addressed by the full reference recorded in ref.name.
        var inspect = (await ProcessRunner.RunAsync(skopeo, ["inspect", "--raw", $"oci:{store.Root}:docker.io/library/app:1.0"])).EnsureSuccess("skopeo inspect of the store");
        Assert.AreEqual(image.Digest, Digest.Sha256(System.Text.Encoding.UTF8.GetBytes(inspect.StdOut)));

        var layout = dir.Combine("layout");
        var oci = dir.Combine("oci.tar");
        var docker = dir.Combine("docker.tar");
        foreach (var output in new[] { "oci-layout:" + layout + ":1.0", "oci-archive:" + oci, "docker-archive:" + docker })
        {
            var r = await CliRunner.RunAsync(dir.Path, "save", "app:1.0", "-o", output, "--store", store.Root);
            Assert.AreEqual(0, r.ExitCode, r.StdErr);
        }

        var config = (await ProcessRunner.RunAsync(skopeo, ["inspect", "--config", $"oci:{layout}:1.0"])).EnsureSuccess("skopeo inspect --config");
        using (var doc = JsonDocument.Parse(config.StdOut)) Assert.AreEqual("/app/run.sh", doc.RootElement.GetProperty("config").GetProperty("Cmd")[0].GetString());

        foreach (var source in new[] { $"oci:{layout}:1.0", $"oci-archive:{oci}", $"docker-archive:{docker}" })
        {
            var target = dir.Combine("dir-" + Guid.NewGuid().ToString("N"));
            (await ProcessRunner.RunAsync(skopeo, ["copy", "--quiet", source, "dir:" + target])).EnsureSuccess("skopeo copy " + source);
            using var m = JsonDocument.Parse(File.ReadAllText(Path.Combine(target, "manifest.json")));
            Assert.AreEqual(configDigest.ToString(), m.RootElement.GetProperty("config").GetProperty("digest").GetString(), source);
            Assert.IsTrue(File.Exists(Path.Combine(target, configDigest.Encoded)), source);
        }
    }

    [TestMethod]
    [DataRow(LayerCompression.Gzip)]
    [DataRow(LayerCompression.None)]
    public async Task UmociUnpacksOurLayoutsFaithfully(LayerCompression compression)
    {
        var umoci = Requirements.Tool("umoci");
        Requirements.RequireRoot("umoci unpack keeps owners only as root");
        using var dir = new TempDir();
        var store = await OciLayoutStore.OpenOrCreateAsync(dir.Combine("store"));
        var image = await TestImages.PutImageAsync(store, compression);
        await store.TagAsync(ImageReference.Parse("app:1.0"), image);
        var layout = dir.Combine("layout");
        Assert.AreEqual(0, (await CliRunner.RunAsync(dir.Path, "save", "app:1.0", "-o", "oci-layout:" + layout, "--store", store.Root)).ExitCode);
        var bundle = dir.Combine("bundle");
        (await ProcessRunner.RunAsync(umoci, ["unpack", "--image", layout + ":1.0", bundle])).EnsureSuccess("umoci unpack");
        RootfsAssert.Matches(TestImages.SampleFiles, Path.Combine(bundle, "rootfs"));
    }

    [TestMethod]
    public async Task DockerLoadsOurDockerArchiveWithOurImageId()
    {
        var docker = DockerEngines.Docker20();
        await LoadIntoDockerAsync(docker, LayerCompression.Gzip, "ctz-store-test/d20");
    }

    [TestMethod]
    public async Task Docker26LoadsZstdImagesAndOciArchives()
    {
        var docker = DockerEngines.Docker26();
        await LoadIntoDockerAsync(docker, LayerCompression.Zstd, "ctz-store-test/d26");

        // Docker 25+ also loads an OCI archive, naming it from io.containerd.image.name.
        using var dir = new TempDir();
        var store = await OciLayoutStore.OpenOrCreateAsync(dir.Combine("store"));
        var image = await TestImages.PutImageAsync(store, LayerCompression.Zstd, layers: [[new LayerFile("zstd-oci", "z")]]);
        await store.TagAsync(ImageReference.Parse("ctz-store-test/oci:1"), image);
        var archive = dir.Combine("oci.tar");
        Assert.AreEqual(0, (await CliRunner.RunAsync(dir.Path, "save", "ctz-store-test/oci:1", "-o", "oci-archive:" + archive, "--store", store.Root)).ExitCode);
        (await ProcessRunner.RunAsync(docker, ["load", "-i", archive])).EnsureSuccess("docker 26 load of an OCI archive");
        var id = (await ProcessRunner.RunAsync(docker, ["image", "inspect", "--format", "{{.Id}}", "ctz-store-test/oci:1"])).EnsureSuccess("inspect");
        Assert.AreEqual((await store.ReadManifestAsync(image)).Config.Digest.ToString(), id.StdOut.Trim());
        await ProcessRunner.RunAsync(docker, ["rmi", "-f", "ctz-store-test/oci:1"]);
    }

    [TestMethod]
    public async Task PodmanLoadsOurDockerArchiveWithOurImageId()
    {
        var podman = Requirements.Tool("podman");
        using var dir = new TempDir();
        var store = await OciLayoutStore.OpenOrCreateAsync(dir.Combine("store"));
        var image = await TestImages.PutImageAsync(store, LayerCompression.Zstd, layers: [[new LayerFile("podman-marker", "p")]]);
        const string name = "example.com/ctz-store-test/podman:1";
        await store.TagAsync(ImageReference.Parse(name), image);
        try
        {
            var r = await CliRunner.RunAsync(dir.Path, "load-into", "podman", name, "--client", podman, "--store", store.Root);
            Assert.AreEqual(0, r.ExitCode, r.StdErr);
            var id = (await ProcessRunner.RunAsync(podman, ["image", "inspect", "--format", "{{.Id}}", name])).EnsureSuccess("podman image inspect");
            Assert.AreEqual((await store.ReadManifestAsync(image)).Config.Digest.Encoded, id.StdOut.Trim());
        }
        finally
        {
            await ProcessRunner.RunAsync(podman, ["rmi", "-f", name]);
        }
    }

    [TestMethod]
    public async Task AMissingEngineClientIsACodedError()
    {
        using var dir = new TempDir();
        var store = await OciLayoutStore.OpenOrCreateAsync(dir.Combine("store"));
        await store.TagAsync(ImageReference.Parse("app:1"), await TestImages.PutImageAsync(store));
        var r = await CliRunner.RunAsync(dir.Path, "load-into", "docker", "app:1", "--client", dir.Combine("no-such-docker"), "--store", store.Root);
        Assert.AreEqual(1, r.ExitCode);
        StringAssert.Contains(r.StdErr, StoreErrors.EngineNotFound);
        var failing = await CliRunner.RunAsync(dir.Path, "load-into", "docker", "app:1", "--client", "/bin/false", "--store", store.Root);
        Assert.AreEqual(1, failing.ExitCode);
        StringAssert.Contains(failing.StdErr, StoreErrors.EngineLoadFailed);
    }

    private static async Task LoadIntoDockerAsync(string docker, LayerCompression compression, string repository)
    {
        using var dir = new TempDir();
        var store = await OciLayoutStore.OpenOrCreateAsync(dir.Combine("store"));
        var image = await TestImages.PutImageAsync(store, compression, layers: [TestImages.SampleFiles, [new LayerFile("marker", repository)]]);
        var tag = $"{repository}:{Guid.NewGuid():N}"[..Math.Min(repository.Length + 13, repository.Length + 33)];
        await store.TagAsync(ImageReference.Parse(tag), image);
        try
        {
            var r = await CliRunner.RunAsync(dir.Path, "load-into", "docker", tag, "--client", docker, "--store", store.Root);
            Assert.AreEqual(0, r.ExitCode, r.StdErr);
            StringAssert.Contains(r.StdOut, "Loaded image");
            var id = (await ProcessRunner.RunAsync(docker, ["image", "inspect", "--format", "{{.Id}}", tag])).EnsureSuccess("docker image inspect");
            Assert.AreEqual((await store.ReadManifestAsync(image)).Config.Digest.ToString(), id.StdOut.Trim());

            // And back: what docker save writes, we import with the same image ID.
            var saved = dir.Combine("saved.tar");
            (await ProcessRunner.RunAsync(docker, ["save", "-o", saved, tag])).EnsureSuccess("docker save");
            var back = await OciLayoutStore.OpenOrCreateAsync(dir.Combine("back"));
            var loaded = await CliRunner.RunAsync(dir.Path, "load", "docker-archive://" + saved, "--store", back.Root);
            Assert.AreEqual(0, loaded.ExitCode, loaded.StdErr);
            var m = await back.ReadManifestAsync((await back.ResolveAsync(ImageReference.Parse(tag)))!);
            Assert.AreEqual(id.StdOut.Trim(), m.Config.Digest.ToString());
        }
        finally
        {
            await ProcessRunner.RunAsync(docker, ["rmi", "-f", tag]);
        }
    }
}
