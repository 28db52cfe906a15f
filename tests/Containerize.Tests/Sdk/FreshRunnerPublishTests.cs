using System.Text.Json;
using Containerize.Core.Images.Oci;
using Containerize.Core.Images.Store;
using Containerize.Tests.Infrastructure;

namespace Containerize.Tests.Sdk;

/// <summary>
/// A hosted CI runner starts empty: no image store, no NuGet cache, the base image only in a registry. A Host-mode
/// publish then downloads the base's manifest and config only; the registry mounts the base's layers, an archive
/// fetches them, and the image is the one a warm store gives. Checked with skopeo (an independent client) and runc.
/// </summary>
[TestClass]
[DoNotParallelize]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class FreshRunnerPublishTests
{
    private const string BaseImage = $"{PublishLab.Registry}/dotnet/aspnet:10.0";

    /// <summary>The layer digests of the lab's aspnet base, read from the registry by skopeo.</summary>
    private static async Task<IReadOnlyList<string>> BaseLayersAsync()
    {
        var raw = (await ProcessRunner.RunAsync(Requirements.Tool("skopeo"), ["inspect", "--raw", "--tls-verify=false", $"docker://{BaseImage}"])).EnsureSuccess("skopeo inspect --raw");
        using var manifest = JsonDocument.Parse(raw.StdOut);
        return manifest.RootElement.GetProperty("layers").EnumerateArray().Select(l => l.GetProperty("digest").GetString()!).ToList();
    }

    private static IReadOnlySet<string> StoredBlobs(string store) =>
        Directory.Exists(Path.Combine(store, "blobs", "sha256"))
            ? Directory.EnumerateFiles(Path.Combine(store, "blobs", "sha256")).Select(f => "sha256:" + Path.GetFileName(f)).ToHashSet(StringComparer.Ordinal)
            : new HashSet<string>(StringComparer.Ordinal);

    /// <summary>An empty NuGet folder for the lab: restore starts from nothing, as on a fresh runner.</summary>
    private static void EmptyNuGetCache(PublishLab lab)
    {
        var nuget = Path.Combine(lab.Root, "empty-nuget");
        Directory.CreateDirectory(nuget);
        lab.Environment["NUGET_PACKAGES"] = nuget;
    }

    /// <summary>skopeo copies every blob out of the source, checking each digest; returns the number of layers.</summary>
    private static async Task<int> SkopeoCopyAsync(string source, string target)
    {
        (await ProcessRunner.RunAsync(Requirements.Tool("skopeo"), ["copy", "--src-tls-verify=false", source, $"dir:{target}"])).EnsureSuccess("skopeo copy " + source);
        using var manifest = JsonDocument.Parse(await File.ReadAllBytesAsync(Path.Combine(target, "manifest.json")));
        var layers = manifest.RootElement.GetProperty("layers").EnumerateArray().Select(l => Digest.Parse(l.GetProperty("digest").GetString()!)).ToList();
        foreach (var layer in layers) Assert.IsTrue(File.Exists(Path.Combine(target, layer.Encoded)), $"skopeo copied {layer}");
        return layers.Count;
    }

    [TestMethod]
    [Timeout(1_200_000, CooperativeCancellation = true)]
    public async Task FreshRunner_HelloWebToTheRegistryDownloadsNoBaseLayerAndGivesTheWarmDigest()
    {
        if (!await PublishLab.RegistryAnswersAsync()) Requirements.Missing("the registry on localhost:5000 does not answer (bash eng/setup starts it)");
        Requirements.RequireRoot("the image runs in runc");
        var baseLayers = await BaseLayersAsync();
        using var lab = await PublishLab.CopySampleAsync("HelloWeb");
        EmptyNuGetCache(lab);
        Assert.IsFalse(Directory.Exists(lab.Store), "the store starts empty");
        var repo = $"ctz-test/fresh-{Guid.NewGuid():N}"[..28];
        string[] args = [$"-p:ContainerRegistry={PublishLab.Registry}", $"-p:ContainerRepository={repo}"];

        (await lab.PublishAsync("HelloWeb", args)).EnsureSuccess("publish on a fresh runner");
        var project = Path.Combine(lab.Root, "HelloWeb");
        var digest = PublishLab.ImageJson(project).GetProperty("manifestDigest").GetString()!;
        var stored = StoredBlobs(lab.Store);
        foreach (var layer in baseLayers) Assert.DoesNotContain(layer, stored, $"base layer {layer} was downloaded into the store");
        using (var manifest = JsonDocument.Parse(File.ReadAllText(Path.Combine(project, "obj", "container", "manifest.json"))))
        {
            var named = manifest.RootElement.GetProperty("layers").EnumerateArray().Select(l => l.GetProperty("digest").GetString()!).ToList();
            CollectionAssert.AreEqual(baseLayers.ToArray(), named.Take(baseLayers.Count).ToArray(), "the image's manifest names the base's layers");
        }

        // The registry has the whole image: the base's layers were mounted into the new repository.
        var remote = $"docker://{PublishLab.Registry}/{repo}:latest";
        Assert.AreEqual(digest, (await PublishLab.SkopeoAsync("inspect", "--tls-verify=false", remote)).GetProperty("Digest").GetString());
        Assert.AreEqual(baseLayers.Count + 2, await SkopeoCopyAsync(remote, Path.Combine(lab.Root, "from-registry")), "the base's layers and the two app layers");

        // It runs: the runtime's rootfs needs the base's layers, fetched into the store then (unless its snapshots,
        // keyed by diff ID and shared with earlier runs on this machine, already hold them).
        await ContainerPublishTests.AssertAnswersHttpAsync(lab.Store, $"{PublishLab.Registry}/{repo}:latest");

        // Warm: a clone whose store holds every layer of the base before it publishes gives the same image.
        using var warm = await PublishLab.CopySampleAsync("HelloWeb", "HelloWeb-warm");
        EmptyNuGetCache(warm);
        var warmStore = await OciLayoutStore.OpenOrCreateAsync(warm.Store);
        using (var client = new Containerize.Core.Registry.RegistryClient(new Containerize.Core.Registry.RegistryOptions()))
        {
            await new Containerize.Core.Registry.ImagePuller(client, warmStore).PullAsync(ImageReference.Parse(BaseImage), Platform.LinuxAmd64);
        }

        foreach (var layer in baseLayers) Assert.Contains(layer, StoredBlobs(warm.Store), "the warm store holds the base's layers");
        (await warm.PublishAsync("HelloWeb-warm", $"-p:ContainerRegistry={PublishLab.Registry}", $"-p:ContainerRepository={repo}-warm")).EnsureSuccess("publish with a warm store");
        Assert.AreEqual(digest, PublishLab.ImageJson(Path.Combine(warm.Root, "HelloWeb-warm")).GetProperty("manifestDigest").GetString(),
            "the image does not depend on whether the base's layers were downloaded");
    }

    [TestMethod]
    [Timeout(1_200_000, CooperativeCancellation = true)]
    public async Task FreshRunner_AnArchiveFetchesTheBaseLayersAndIsComplete_OfflineIsACodedError()
    {
        if (!await PublishLab.RegistryAnswersAsync()) Requirements.Missing("the registry on localhost:5000 does not answer (bash eng/setup starts it)");
        var baseLayers = await BaseLayersAsync();
        using var lab = await PublishLab.CopySampleAsync("HelloWeb");
        EmptyNuGetCache(lab);

        // A push leaves the base's layers in the registry; then ContainerOffline with an archive: they are needed and
        // remote, a coded error naming the image and the base's repository.
        (await lab.PublishAsync("HelloWeb", $"-p:ContainerRegistry={PublishLab.Registry}", "-p:ContainerRepository=ctz-test/fresh-archive")).EnsureSuccess("publish to the registry");
        var offline = await lab.PublishAsync("HelloWeb", "-p:ContainerArchiveOutputPath=out/", "-p:ContainerOffline=true", "-p:ContainerNoCache=true");
        Assert.AreNotEqual(0, offline.ExitCode, "an archive needs the base's layers, and offline forbids fetching them");
        StringAssert.Contains(offline.StdOut, RemoteBlobErrors.Offline);
        StringAssert.Contains(offline.StdOut, $"{PublishLab.Registry}/dotnet/aspnet");
        StringAssert.Contains(offline.StdOut, "hello-web", "the image is named");
        Assert.DoesNotContain("   at ", offline.StdOut, "no stack trace");

        var r = (await lab.PublishAsync("HelloWeb", "-p:ContainerArchiveOutputPath=out/")).EnsureSuccess("publish to an archive");
        var project = Path.Combine(lab.Root, "HelloWeb");
        var json = PublishLab.ImageJson(project);
        var archive = json.GetProperty("archive").GetString()!;
        Assert.IsTrue(File.Exists(archive), r.StdOut);
        Assert.AreEqual(baseLayers.Count + 2, await SkopeoCopyAsync($"docker-archive:{archive}", Path.Combine(lab.Root, "from-archive")), "the archive holds every layer");
        var stored = StoredBlobs(lab.Store);
        foreach (var layer in baseLayers) Assert.Contains(layer, stored, "the archive fetched the base's layers into the store");
    }
}
