using System.Net.Http.Headers;
using System.Text.Json;
using Containerize.Tests.Infrastructure;

namespace Containerize.Tests.Sdk;

/// <summary>
/// Several container RIDs in one `dotnet publish` (issue #7): one image per RID and an OCI image index over them, in
/// the registry and in an OCI archive, checked with skopeo, umoci, the ELF header of the arm64 apphost and runc.
/// </summary>
[TestClass]
[DoNotParallelize]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class MultiRidPublishTests
{
    private const string Rids = "-p:ContainerRuntimeIdentifiers=\"linux-x64;linux-arm64\"";

    // As in the SDK, restore must know each container RID.
    private const string Restored = "-p:RuntimeIdentifiers=\"linux-x64;linux-arm64\"";

    [TestMethod]
    [Timeout(1_800_000, CooperativeCancellation = true)]
    public async Task TwoRidsGiveAnIndexInTheRegistryAndTheArchiveAndASecondPublishUploadsNothing()
    {
        if (!await PublishLab.RegistryAnswersAsync()) Requirements.Missing("the registry on localhost:5000 does not answer (bash eng/setup starts it)");
        Requirements.RequireRoot("umoci unpack with owners and the run in runc");
        await MultiArchBase.EnsureAsync();
        using var lab = await PublishLab.CopySampleAsync("HelloWeb");
        var repo = $"ctz-test/multi-{Guid.NewGuid():N}"[..26];
        string[] args = [Rids, Restored, $"-p:ContainerRegistry={PublishLab.Registry}", $"-p:ContainerRepository={repo}", $"-p:ContainerBaseImage={MultiArchBase.Reference}",
            "-p:ContainerUser=1654", "-p:ContainerArchiveOutputPath=out/"];

        var first = (await lab.PublishAsync("HelloWeb", args)).EnsureSuccess("the two-RID publish");
        var project = Path.Combine(lab.Root, "HelloWeb");
        var json = PublishLab.ImageJson(project);
        var indexDigest = json.GetProperty("manifestDigest").GetString()!;
        Assert.AreEqual("application/vnd.oci.image.index.v1+json", json.GetProperty("manifestMediaType").GetString());
        var platforms = json.GetProperty("platforms").EnumerateArray().ToList();
        CollectionAssert.AreEqual(new[] { "linux-x64", "linux-arm64" }, platforms.Select(p => p.GetProperty("runtimeIdentifier").GetString()).ToArray(), "RID order kept");
        CollectionAssert.AreEqual(new[] { "linux/amd64", "linux/arm64/v8" }, platforms.Select(p => p.GetProperty("platform").GetString()).ToArray());
        StringAssert.Contains(first.StdOut, $"Container image: {PublishLab.Registry}/{repo}:latest {indexDigest} (index of linux/amd64 ");

        // The registry: the tag is the index, its digest is image.json's, each platform's manifest is there by digest.
        var remote = $"docker://{PublishLab.Registry}/{repo}:latest";
        var raw = await PublishLab.SkopeoAsync("inspect", "--raw", "--tls-verify=false", remote);
        Assert.AreEqual("application/vnd.oci.image.index.v1+json", raw.GetProperty("mediaType").GetString());
        var manifests = raw.GetProperty("manifests").EnumerateArray().ToList();
        Assert.HasCount(2, manifests);
        Assert.AreEqual("amd64", manifests[0].GetProperty("platform").GetProperty("architecture").GetString());
        Assert.AreEqual("arm64", manifests[1].GetProperty("platform").GetProperty("architecture").GetString());
        Assert.AreEqual("v8", manifests[1].GetProperty("platform").GetProperty("variant").GetString());
        Assert.AreEqual("linux", manifests[1].GetProperty("platform").GetProperty("os").GetString());
        for (var i = 0; i < 2; i++) Assert.AreEqual(platforms[i].GetProperty("manifestDigest").GetString(), manifests[i].GetProperty("digest").GetString());
        Assert.AreEqual(indexDigest, await RegistryDigestAsync(repo, "latest"), "the tag names the index image.json records");
        Assert.IsNull(await RegistryDigestAsync(repo, "latest-linux-arm64"), "the per-RID images are pushed by digest only, not under the user's tags");

        var armConfig = await PublishLab.SkopeoAsync("--override-arch", "arm64", "inspect", "--config", "--tls-verify=false", remote);
        Assert.AreEqual("arm64", armConfig.GetProperty("architecture").GetString());
        Assert.AreEqual("1654", armConfig.GetProperty("config").GetProperty("User").GetString());
        var amdConfig = await PublishLab.SkopeoAsync("--override-arch", "amd64", "inspect", "--config", "--tls-verify=false", remote);
        Assert.AreEqual("amd64", amdConfig.GetProperty("architecture").GetString());

        // The arm64 image unpacked: its apphost is an aarch64 ELF (e_machine 0xB7), modes as published.
        var layout = Path.Combine(lab.Root, "layout");
        (await ProcessRunner.RunAsync(Requirements.Tool("skopeo"), ["--override-arch", "arm64", "copy", "--src-tls-verify=false", remote, $"oci:{layout}:arm"])).EnsureSuccess("skopeo copy arm64");
        var bundle = Path.Combine(lab.Root, "bundle");
        (await ProcessRunner.RunAsync(Requirements.Tool("umoci"), ["unpack", "--image", $"{layout}:arm", bundle])).EnsureSuccess("umoci unpack");
        var app = Path.Combine(bundle, "rootfs", "app");
        var header = new byte[20];
        await using (var apphost = File.OpenRead(Path.Combine(app, "HelloWeb"))) await apphost.ReadExactlyAsync(header);
        CollectionAssert.AreEqual("\u007fELF"u8.ToArray(), header[..4]);
        Assert.AreEqual(0xB7, BitConverter.ToUInt16(header, 18), "EM_AARCH64");
        Assert.AreEqual("755", ContainerPublishTests.Mode(Path.Combine(app, "HelloWeb")));
        Assert.AreEqual("644", ContainerPublishTests.Mode(Path.Combine(app, "HelloWeb.dll")));
        Assert.IsTrue(File.Exists(Path.Combine(app, "wwwroot", "index.html")));
        Assert.IsTrue(File.Exists(Path.Combine(bundle, "rootfs", "usr", "share", "dotnet", "shared", "Microsoft.AspNetCore.App",
            Directory.GetDirectories("/usr/share/dotnet/shared/Microsoft.AspNetCore.App").Select(Path.GetFileName).Order().Last()!, "Microsoft.AspNetCore.dll")), "the arm64 aspnet base");
        Assert.AreEqual(0u, (await Stat(Path.Combine(app, "HelloWeb.dll"))).Uid, "app files owned by root, as the SDK's");

        // The archive: an OCI archive holding the same index.
        var archive = json.GetProperty("archive").GetString()!;
        var fromArchive = await PublishLab.SkopeoAsync("inspect", "--raw", $"oci-archive:{archive}");
        Assert.AreEqual(2, fromArchive.GetProperty("manifests").GetArrayLength());
        Assert.AreEqual("arm64", (await PublishLab.SkopeoAsync("--override-arch", "arm64", "inspect", "--config", $"oci-archive:{archive}")).GetProperty("architecture").GetString());

        // The amd64 image runs in runc and answers, as a single-RID one does.
        await ContainerPublishTests.AssertAnswersHttpAsync(lab.Store, $"{PublishLab.Registry}/{repo}:latest");

        // Nothing changed: no image build, nothing uploaded, the same index.
        var second = (await lab.PublishAsync("HelloWeb", args)).EnsureSuccess("second publish");
        StringAssert.Contains(second.StdOut, "image build skipped (nothing changed)");
        Assert.DoesNotContain("pushed", second.StdOut, "no upload");
        Assert.AreEqual(indexDigest, PublishLab.ImageJson(project).GetProperty("manifestDigest").GetString());

        // The outputs with the SDK's names: one GeneratedContainer per platform, GeneratedImageIndex.
        var items = (await lab.PublishAsync("HelloWeb", [.. args, "-getItem:GeneratedContainer", "-getProperty:GeneratedImageIndex"])).EnsureSuccess("publish -getItem");
        using (var outputs = JsonDocument.Parse(items.StdOut))
        {
            var containers = outputs.RootElement.GetProperty("Items").GetProperty("GeneratedContainer").EnumerateArray().ToList();
            CollectionAssert.AreEqual(new[] { "linux-x64", "linux-arm64" }, containers.Select(c => c.GetProperty("RuntimeIdentifier").GetString()).ToArray());
            StringAssert.Contains(outputs.RootElement.GetProperty("Properties").GetProperty("GeneratedImageIndex").GetString(), platforms[1].GetProperty("manifestDigest").GetString()!);
        }

        // Another clone folder and store, archive only: the same index digest.
        using var clone = await PublishLab.CopySampleAsync("HelloWeb", "HelloWeb-elsewhere");
        (await clone.PublishAsync("HelloWeb-elsewhere", Rids, Restored, $"-p:ContainerRepository={repo}", $"-p:ContainerBaseImage={MultiArchBase.Reference}",
            "-p:ContainerUser=1654", "-p:ContainerArchiveOutputPath=out/")).EnsureSuccess("publish the other clone");
        Assert.AreEqual(indexDigest, PublishLab.ImageJson(Path.Combine(clone.Root, "HelloWeb-elsewhere")).GetProperty("manifestDigest").GetString(),
            "the same inputs give the same index digest");
    }

    [TestMethod]
    [Timeout(1_200_000, CooperativeCancellation = true)]
    public async Task SeveralRidsOutsideHostModeAndRepeatedPlatformsAreCodedErrors()
    {
        if (!await PublishLab.RegistryAnswersAsync()) Requirements.Missing("the registry on localhost:5000 does not answer (bash eng/setup starts it)");
        using var lab = await PublishLab.CopySampleAsync("HelloConsole");
        (string Code, string[] Args)[] cases =
        [
            ("CTZ6015", [Rids, Restored, "-p:ContainerBuildMode=Container"]),
            ("CTZ6030", ["-p:ContainerRuntimeIdentifiers=\"linux-x64;linux-arm64;linux-x64\"", Restored]),
            ("CTZ6034", [Rids]),
        ];
        foreach (var (code, args) in cases)
        {
            var r = await lab.PublishAsync("HelloConsole", args);
            Assert.AreNotEqual(0, r.ExitCode, $"{code}: the publish fails\n{r.StdOut}");
            StringAssert.Contains(r.StdOut, $"error {code}:", $"{string.Join(' ', args)} gives {code}\n{r.StdOut}");
            Assert.DoesNotContain("   at ", r.StdOut, "no stack trace");
        }
    }

    private static async Task<string?> RegistryDigestAsync(string repo, string tag)
    {
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Head, $"http://{PublishLab.Registry}/v2/{repo}/manifests/{tag}");
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/vnd.oci.image.index.v1+json"));
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/vnd.oci.image.manifest.v1+json"));
        using var response = await http.SendAsync(request);
        return response.IsSuccessStatusCode ? response.Headers.GetValues("Docker-Content-Digest").Single() : null;
    }

    private static async Task<(uint Uid, uint Gid)> Stat(string path)
    {
        var r = (await ProcessRunner.RunAsync("stat", ["-c", "%u %g", path])).EnsureSuccess("stat");
        var parts = r.StdOut.Trim().Split(' ');
        return (uint.Parse(parts[0], System.Globalization.CultureInfo.InvariantCulture), uint.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture));
    }
}
