using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Containerize.Core.Supply;
using Containerize.Tests.Infrastructure;
using Containerize.Tests.Sdk;

namespace Containerize.Tests.Supply;

/// <summary>
/// Issue #21 through a real `dotnet publish -p:ContainerBuild=true` with the packed package: the SBOM, the provenance
/// and the signature attached to the image in the lab's distribution 2.8 (no referrers API: the tag schema), read back
/// with skopeo and plain HTTP, never only with our own reader.
/// </summary>
[TestClass]
[DoNotParallelize]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class AttestationPublishTests
{
    private static readonly string Repository = "ctz-att-" + Guid.NewGuid().ToString("N")[..8];
    private static PublishLab? s_lab;
    private static JsonElement s_image;
    private static string s_folder = "";

    public TestContext TestContext { get; set; } = null!;

    [ClassCleanup]
    public static void Cleanup() => s_lab?.Dispose();

    /// <summary>HelloConsole (Humanizer.Core) pushed once for the class, with both SBOM formats.</summary>
    private static async Task<(PublishLab Lab, JsonElement Image, string Folder)> PublishedAsync()
    {
        if (s_lab is not null) return (s_lab, s_image, s_folder);
        await PublishLab.RequireRegistryAsync();
        var lab = await PublishLab.CopySampleAsync("HelloConsole");
        (await lab.PublishAsync("HelloConsole", $"-p:ContainerRegistry={PublishLab.Registry}", $"-p:ContainerRepository={Repository}",
            "-p:ContainerSbomFormat=spdx%3Bcyclonedx")).EnsureSuccess("dotnet publish HelloConsole with SBOMs");
        s_folder = Path.Combine(lab.Root, "HelloConsole");
        s_image = PublishLab.ImageJson(s_folder);
        s_lab = lab;
        return (lab, s_image, s_folder);
    }

    private static async Task<JsonElement> RegistryJsonAsync(string path, string accept)
    {
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, $"http://{PublishLab.Registry}/v2/{path}");
        request.Headers.Accept.ParseAdd(accept);
        using var response = await http.SendAsync(request);
        response.EnsureSuccessStatusCode();
        using var doc = JsonDocument.Parse(await response.Content.ReadAsByteArrayAsync());
        return doc.RootElement.Clone();
    }

    private static async Task<byte[]> RegistryBlobAsync(string repository, string digest)
    {
        using var http = new HttpClient();
        return await http.GetByteArrayAsync($"http://{PublishLab.Registry}/v2/{repository}/blobs/{digest}");
    }

    /// <summary>The documents attached to <paramref name="manifestDigest"/>, by artifact type, read over HTTP from the referrers tag.</summary>
    private static async Task<Dictionary<string, (string Manifest, byte[] Document)>> AttachedAsync(string repository, string manifestDigest)
    {
        var index = await RegistryJsonAsync($"{repository}/manifests/{manifestDigest.Replace(':', '-')}", "application/vnd.oci.image.index.v1+json");
        var result = new Dictionary<string, (string, byte[])>();
        foreach (var entry in index.GetProperty("manifests").EnumerateArray())
        {
            var digest = entry.GetProperty("digest").GetString()!;
            var manifest = await RegistryJsonAsync($"{repository}/manifests/{digest}", "application/vnd.oci.image.manifest.v1+json");
            Assert.AreEqual(manifestDigest, manifest.GetProperty("subject").GetProperty("digest").GetString(), $"{digest}: its subject is the image");
            Assert.AreEqual("application/vnd.oci.empty.v1+json", manifest.GetProperty("config").GetProperty("mediaType").GetString());
            var type = manifest.GetProperty("artifactType").GetString()!;
            Assert.AreEqual(type, entry.GetProperty("artifactType").GetString(), "the index lists the artifact type");
            result[type] = (digest, await RegistryBlobAsync(repository, manifest.GetProperty("layers")[0].GetProperty("digest").GetString()!));
        }

        return result;
    }

    [TestMethod]
    [Timeout(900_000, CooperativeCancellation = true)]
    public async Task The_pushed_image_has_its_SBOMs_and_provenance_under_the_referrers_tag_and_skopeo_copies_them()
    {
        var (lab, image, folder) = await PublishedAsync();
        var manifestDigest = image.GetProperty("manifestDigest").GetString()!;
        var attached = await AttachedAsync(Repository, manifestDigest);
        CollectionAssert.AreEquivalent(new[] { "application/spdx+json", "application/vnd.cyclonedx+json", "application/vnd.in-toto+json" }, attached.Keys.ToArray());
        SpecSchemas.AssertValidSpdx(attached["application/spdx+json"].Document);
        SpecSchemas.AssertValidCycloneDx(attached["application/vnd.cyclonedx+json"].Document);

        // skopeo, the independent client, reads the tag schema's index and copies the artifacts with it.
        var raw = await PublishLab.SkopeoAsync("inspect", "--raw", "--tls-verify=false", $"docker://{PublishLab.Registry}/{Repository}:{manifestDigest.Replace(':', '-')}");
        Assert.AreEqual(3, raw.GetProperty("manifests").GetArrayLength());
        var copy = Path.Combine(lab.Root, "referrers-copy");
        (await ProcessRunner.RunAsync(Requirements.Tool("skopeo"), ["copy", "--all", "--src-tls-verify=false",
            $"docker://{PublishLab.Registry}/{Repository}:{manifestDigest.Replace(':', '-')}", $"oci:{copy}:referrers"])).EnsureSuccess("skopeo copy --all the referrers index");
        foreach (var (manifest, document) in attached.Values)
        {
            Assert.IsTrue(File.Exists(Path.Combine(copy, "blobs", "sha256", manifest[7..])), $"skopeo copied {manifest}");
            Assert.IsTrue(File.Exists(Path.Combine(copy, "blobs", "sha256", Convert.ToHexStringLower(SHA256.HashData(document)))), "and its document");
        }

        // The CLI reads the same bytes back from the registry.
        var cli = await CliRunner.RunAsync(lab.Root, "sbom", $"{PublishLab.Registry}/{Repository}:latest", "--remote", "--format", "cyclonedx");
        Assert.AreEqual(0, cli.ExitCode, cli.StdErr);
        CollectionAssert.AreEqual(attached["application/vnd.cyclonedx+json"].Document, cli.RawStdOut);
        var listed = await CliRunner.RunAsync(lab.Root, "attestations", $"{PublishLab.Registry}/{Repository}:latest", "--remote");
        StringAssert.Contains(listed.StdOut, attached["application/vnd.in-toto+json"].Manifest);

        // image.json names them too.
        var names = image.GetProperty("attestations").EnumerateArray().Select(a => a.GetProperty("digest").GetString()).ToList();
        CollectionAssert.AreEquivalent(attached.Values.Select(v => v.Manifest).ToList(), names);
        TestContext.WriteLine($"{Repository}@{manifestDigest}: {string.Join(", ", attached.Select(a => $"{a.Key} {a.Value.Document.Length} B"))}");
    }

    [TestMethod]
    [Timeout(900_000, CooperativeCancellation = true)]
    public async Task The_SBOM_lists_each_package_with_the_hash_of_its_nupkg_and_the_layer_its_files_are_in()
    {
        var (_, image, folder) = await PublishedAsync();
        var attached = await AttachedAsync(Repository, image.GetProperty("manifestDigest").GetString()!);
        using var cdx = JsonDocument.Parse(attached["application/vnd.cyclonedx+json"].Document);
        var components = cdx.RootElement.GetProperty("components").EnumerateArray().ToList();
        string? Property(JsonElement c, string name) => c.TryGetProperty("properties", out var ps)
            ? ps.EnumerateArray().Where(p => p.GetProperty("name").GetString() == name).Select(p => p.GetProperty("value").GetString()).FirstOrDefault()
            : null;

        // Humanizer.Core: its SHA-512 is the .nupkg's (hashed here from the file NuGet extracted), its layer the packages layer.
        string? Purl(JsonElement c) => c.TryGetProperty("purl", out var p) ? p.GetString() : null;
        var humanizer = components.Single(c => Purl(c) == "pkg:nuget/Humanizer.Core@2.14.1");
        using var assets = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "obj", "project.assets.json")));
        var packages = assets.RootElement.GetProperty("packageFolders").EnumerateObject().First().Name;
        var nupkg = Path.Combine(packages, "humanizer.core", "2.14.1", "humanizer.core.2.14.1.nupkg");
        Assert.AreEqual(Convert.ToHexStringLower(SHA512.HashData(File.ReadAllBytes(nupkg))), humanizer.GetProperty("hashes")[0].GetProperty("content").GetString());
        var layers = image.GetProperty("layers").EnumerateArray().ToList();
        var packagesLayer = layers.Single(l => l.GetProperty("instruction").GetString()!.Contains("\"packages/\"", StringComparison.Ordinal)).GetProperty("digest").GetString();
        Assert.AreEqual(packagesLayer, Property(humanizer, "containerize:layer"));
        Assert.AreEqual("true", Property(humanizer, "containerize:direct"));
        Assert.AreEqual("MIT", humanizer.GetProperty("licenses")[0].GetProperty("expression").GetString(), "from the nuspec");
        Assert.IsFalse(components.Any(c => c.GetProperty("name").GetString() == "Containerize.Sdk"), "a PrivateAssets=all build package is not in the image");

        // The app, in the app layer; the runtime and the OS packages, in the base's layers.
        var appLayer = layers.Single(l => l.GetProperty("instruction").GetString()!.Contains("\"app/\"", StringComparison.Ordinal)).GetProperty("digest").GetString();
        var app = components.Single(c => c.GetProperty("type").GetString() == "application");
        Assert.AreEqual("HelloConsole", app.GetProperty("name").GetString());
        Assert.AreEqual(appLayer, Property(app, "containerize:layer"));
        var baseLayers = (await PublishLab.SkopeoAsync("inspect", "--raw", "--tls-verify=false", $"docker://{PublishLab.Registry}/{Repository}:latest"))
            .GetProperty("layers").EnumerateArray().Select(l => l.GetProperty("digest").GetString()).Take(image.GetProperty("baseLayers").GetInt32()).ToHashSet();
        var runtime = components.Single(c => c.GetProperty("type").GetString() == "framework" && c.GetProperty("name").GetString() == "Microsoft.NETCore.App");
        StringAssert.StartsWith(runtime.GetProperty("purl").GetString(), "pkg:nuget/Microsoft.NETCore.App.Runtime.linux-x64@10.0.");
        Assert.IsTrue(baseLayers.Contains(Property(runtime, "containerize:layer")), "the runtime sits in a base layer");
        var libc = components.Single(c => c.GetProperty("name").GetString() == "libc6");
        StringAssert.StartsWith(libc.GetProperty("purl").GetString(), "pkg:deb/debian/libc6@");
        Assert.IsTrue(baseLayers.Contains(Property(libc, "containerize:layer")));
        Assert.IsTrue(components.Count(c => Purl(c)?.StartsWith("pkg:deb/", StringComparison.Ordinal) == true) > 20, "the base's Debian packages");

        // The provenance: the image as subject, the base by digest, no local path anywhere.
        var statement = Encoding.UTF8.GetString(attached["application/vnd.in-toto+json"].Document);
        using var s = JsonDocument.Parse(statement);
        Assert.AreEqual("https://slsa.dev/provenance/v1", s.RootElement.GetProperty("predicateType").GetString());
        Assert.AreEqual(image.GetProperty("manifestDigest").GetString()![7..], s.RootElement.GetProperty("subject")[0].GetProperty("digest").GetProperty("sha256").GetString());
        var resolved = s.RootElement.GetProperty("predicate").GetProperty("buildDefinition").GetProperty("resolvedDependencies")[0];
        Assert.AreEqual(image.GetProperty("baseImage").GetString()!.Split('@')[1][7..], resolved.GetProperty("digest").GetProperty("sha256").GetString());
        Assert.IsFalse(statement.Contains(s_lab!.Root, StringComparison.Ordinal) || statement.Contains("/tmp/", StringComparison.Ordinal) || statement.Contains("/root/", StringComparison.Ordinal),
            "no local path in the statement:\n" + statement);
    }

    [TestMethod]
    [Timeout(900_000, CooperativeCancellation = true)]
    public async Task A_publish_again_uploads_nothing_and_a_second_clone_gives_the_same_SBOM_bytes()
    {
        var (lab, image, folder) = await PublishedAsync();
        var manifestDigest = image.GetProperty("manifestDigest").GetString()!;
        var before = await AttachedAsync(Repository, manifestDigest);

        // Forced through the build (image.json gone): the same image and documents, nothing sent.
        File.Delete(Path.Combine(folder, "obj", "container", "image.json"));
        var again = (await lab.PublishAsync("HelloConsole", $"-p:ContainerRegistry={PublishLab.Registry}", $"-p:ContainerRepository={Repository}",
            "-p:ContainerSbomFormat=spdx%3Bcyclonedx")).EnsureSuccess("publish again");
        var second = PublishLab.ImageJson(folder);
        Assert.AreEqual(manifestDigest, second.GetProperty("manifestDigest").GetString());
        Assert.AreEqual(0, second.GetProperty("bytesUploaded").GetInt64(), again.StdOut);
        StringAssert.Contains(again.StdOut, "SBOM and provenance already attached");

        // Another clone in another folder, its own store: the same documents, byte for byte (no path, time or random id).
        using var other = await PublishLab.CopySampleAsync("HelloConsole", "elsewhere-" + Guid.NewGuid().ToString("N")[..6]);
        var otherFolder = Directory.GetDirectories(other.Root, "elsewhere-*").Single();
        (await other.PublishAsync(Path.GetFileName(otherFolder) + "/HelloConsole.csproj", $"-p:ContainerRegistry={PublishLab.Registry}", $"-p:ContainerRepository={Repository}",
            "-p:ContainerSbomFormat=spdx%3Bcyclonedx")).EnsureSuccess("publish a second clone");
        var otherImage = PublishLab.ImageJson(otherFolder);
        Assert.AreEqual(manifestDigest, otherImage.GetProperty("manifestDigest").GetString(), "the same image from another folder");
        var after = await AttachedAsync(Repository, manifestDigest);
        foreach (var (type, (m, document)) in before)
        {
            CollectionAssert.AreEqual(document, after[type].Document, $"{type} differs between the two clones");
            Assert.AreEqual(m, after[type].Manifest);
        }

        Assert.AreEqual(0, otherImage.GetProperty("bytesUploaded").GetInt64(), "the second clone had nothing new to upload");
    }

    [TestMethod]
    [Timeout(900_000, CooperativeCancellation = true)]
    public async Task A_project_reference_is_a_component_and_save_writes_the_referrers_into_an_OCI_layout()
    {
        await PublishLab.RequireRegistryAsync();
        using var lab = await PublishLab.CopySampleAsync("Solution");
        (await lab.PublishAsync("Solution/src/Web/Web.csproj", "-p:ContainerArchiveOutputPath=out/", "-p:ContainerImageFormat=OCI")).EnsureSuccess("publish Solution to an OCI archive");
        var folder = Path.Combine(lab.Root, "Solution", "src", "Web");
        var image = PublishLab.ImageJson(folder);
        // The archive stays one image, as loaders and skopeo read it without a tag.
        var archive = await PublishLab.SkopeoAsync("inspect", "--raw", $"oci-archive:{image.GetProperty("archive").GetString()}");
        Assert.AreEqual(image.GetProperty("manifestDigest").GetString(), "sha256:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(archive.ToString()))));

        // The store holds the referrers; save writes them into a layout under the tag schema's name.
        var extracted = Path.Combine(lab.Root, "layout");
        var save = await CliRunner.RunAsync(lab.Root, "save", image.GetProperty("reference").GetString()!, "--output", "oci-layout:" + extracted, "--store", lab.Store);
        Assert.AreEqual(0, save.ExitCode, save.StdErr);
        var tag = image.GetProperty("manifestDigest").GetString()!.Replace(':', '-');
        var index = await PublishLab.SkopeoAsync("inspect", "--raw", $"oci:{extracted}:{tag}");
        Assert.AreEqual(2, index.GetProperty("manifests").GetArrayLength(), "SPDX and provenance, under the tag schema's name, read by skopeo");
        var sbom = await CliRunner.RunAsync(lab.Root, "sbom", $"oci-layout://{extracted}:latest");
        Assert.AreEqual(0, sbom.ExitCode, sbom.StdErr);
        using var spdx = JsonDocument.Parse(sbom.RawStdOut);
        var project = spdx.RootElement.GetProperty("packages").EnumerateArray().Single(p => p.GetProperty("SPDXID").GetString()!.StartsWith("SPDXRef-Project-", StringComparison.Ordinal));
        var projectLayer = image.GetProperty("layers").EnumerateArray()
            .Single(l => l.GetProperty("instruction").GetString()!.Contains("\"project-references/\"", StringComparison.Ordinal)).GetProperty("digest").GetString();
        StringAssert.Contains(project.GetProperty("annotations")[0].GetProperty("comment").GetString(), projectLayer!);
    }

    [TestMethod]
    [Timeout(900_000, CooperativeCancellation = true)]
    public async Task Bad_inputs_fail_with_their_code_before_anything_is_pushed()
    {
        var (lab, _, folder) = await PublishedAsync();
        var repository = "ctz-att-bad-" + Guid.NewGuid().ToString("N")[..8];

        // (A missing or foreign restore graph: the SDK's own restore and NETSDK1004 come first in a publish; Core's codes are in SbomDocumentTests.)
        var format = await lab.PublishAsync("HelloConsole", $"-p:ContainerRegistry={PublishLab.Registry}", $"-p:ContainerRepository={repository}", "-p:ContainerSbomFormat=xml");
        Assert.AreNotEqual(0, format.ExitCode);
        StringAssert.Contains(format.StdOut, SupplyErrors.UnknownSbomFormat);

        File.WriteAllText(Path.Combine(folder, "bad.key"), "-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n-----END PRIVATE KEY-----\n");
        var key = await lab.PublishAsync("HelloConsole", $"-p:ContainerRegistry={PublishLab.Registry}", $"-p:ContainerRepository={repository}", "-p:ContainerSigningKey=bad.key");
        Assert.AreNotEqual(0, key.ExitCode);
        StringAssert.Contains(key.StdOut, SupplyErrors.KeyMalformed);
        Assert.IsFalse(key.StdOut.Contains("bm90IGEga2V5", StringComparison.Ordinal), "the key's text is never logged");

        using var http = new HttpClient();
        var tags = await http.GetAsync($"http://{PublishLab.Registry}/v2/{repository}/tags/list");
        Assert.AreEqual(System.Net.HttpStatusCode.NotFound, tags.StatusCode, "nothing was pushed for any of them");
    }

    [TestMethod]
    [Timeout(900_000, CooperativeCancellation = true)]
    public async Task A_registry_that_refuses_artifacts_still_gets_the_image_with_a_warning_or_fails_when_they_are_required()
    {
        var (lab, _, folder) = await PublishedAsync();
        using var proxy = new RefusingRegistryProxy(PublishLab.Registry);
        var repository = "ctz-att-refused-" + Guid.NewGuid().ToString("N")[..8];
        File.Delete(Path.Combine(folder, "obj", "container", "image.json"));
        var warned = (await lab.PublishAsync("HelloConsole", $"-p:ContainerRegistry={proxy.Host}", $"-p:ContainerRepository={repository}")).EnsureSuccess("publish through the refusing proxy");
        StringAssert.Contains(warned.StdOut, "warning " + SupplyErrors.AttachRefused, warned.StdOut);
        Assert.IsTrue(proxy.Refused > 0);
        using var http = new HttpClient();
        var tags = await http.GetStringAsync($"http://{PublishLab.Registry}/v2/{repository}/tags/list");
        StringAssert.Contains(tags, "\"latest\"", "the image itself was pushed");

        File.Delete(Path.Combine(folder, "obj", "container", "image.json"));
        var required = await lab.PublishAsync("HelloConsole", $"-p:ContainerRegistry={proxy.Host}", $"-p:ContainerRepository={repository}", "-p:ContainerAttestationsRequired=true");
        Assert.AreNotEqual(0, required.ExitCode);
        StringAssert.Contains(required.StdOut, "error " + SupplyErrors.AttachRefused, required.StdOut);
    }

    [TestMethod]
    [Timeout(900_000, CooperativeCancellation = true)]
    public async Task ContainerSigningKey_signs_the_pushed_image_and_openssl_verifies_the_signature()
    {
        var (lab, _, folder) = await PublishedAsync();
        var repository = "ctz-att-signed-" + Guid.NewGuid().ToString("N")[..8];
        var openssl = Requirements.Tool("openssl");
        (await ProcessRunner.RunAsync(openssl, ["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", Path.Combine(folder, "signing.pem")])).EnsureSuccess("openssl genpkey");
        (await ProcessRunner.RunAsync(openssl, ["pkey", "-in", Path.Combine(folder, "signing.pem"), "-pubout", "-out", Path.Combine(folder, "signing.pub")])).EnsureSuccess("openssl pkey -pubout");
        File.Delete(Path.Combine(folder, "obj", "container", "image.json"));
        var signed = (await lab.PublishAsync("HelloConsole", $"-p:ContainerRegistry={PublishLab.Registry}", $"-p:ContainerRepository={repository}",
            "-p:ContainerSigningKey=signing.pem")).EnsureSuccess("publish signed");
        var digest = PublishLab.ImageJson(folder).GetProperty("manifestDigest").GetString()!;
        StringAssert.Contains(signed.StdOut, "signed (signing.pem)");

        // cosign's signature tag, read with plain HTTP; openssl checks the ECDSA signature over the payload.
        var sig = await RegistryJsonAsync($"{repository}/manifests/{digest.Replace(':', '-')}.sig", "application/vnd.oci.image.manifest.v1+json");
        var layer = sig.GetProperty("layers")[0];
        var payload = await RegistryBlobAsync(repository, layer.GetProperty("digest").GetString()!);
        StringAssert.Contains(Encoding.UTF8.GetString(payload), digest);
        File.WriteAllBytes(Path.Combine(folder, "payload.json"), payload);
        File.WriteAllBytes(Path.Combine(folder, "payload.sig"), Convert.FromBase64String(layer.GetProperty("annotations").GetProperty("dev.cosignproject.cosign/signature").GetString()!));
        (await ProcessRunner.RunAsync(openssl, ["dgst", "-sha256", "-verify", Path.Combine(folder, "signing.pub"), "-signature", Path.Combine(folder, "payload.sig"), Path.Combine(folder, "payload.json")]))
            .EnsureSuccess("openssl verifies the signature");
        var verify = await CliRunner.RunAsync(folder, "verify", $"{PublishLab.Registry}/{repository}:latest", "--key", "signing.pub");
        Assert.AreEqual(0, verify.ExitCode, verify.StdErr);
    }

    [TestMethod]
    [Timeout(900_000, CooperativeCancellation = true)]
    public async Task With_ContainerSbom_and_ContainerProvenance_false_nothing_is_attached()
    {
        var (lab, _, folder) = await PublishedAsync();
        var repository = "ctz-att-none-" + Guid.NewGuid().ToString("N")[..8];
        File.Delete(Path.Combine(folder, "obj", "container", "image.json"));
        (await lab.PublishAsync("HelloConsole", $"-p:ContainerRegistry={PublishLab.Registry}", $"-p:ContainerRepository={repository}",
            "-p:ContainerSbom=false", "-p:ContainerProvenance=false")).EnsureSuccess("publish without attestations");
        var digest = PublishLab.ImageJson(folder).GetProperty("manifestDigest").GetString()!;
        using var http = new HttpClient();
        var tags = await http.GetStringAsync($"http://{PublishLab.Registry}/v2/{repository}/tags/list");
        Assert.IsFalse(tags.Contains(digest.Replace(':', '-'), StringComparison.Ordinal), tags);
        Assert.IsFalse(PublishLab.ImageJson(folder).TryGetProperty("attestations", out _));
    }
}
