using System.Text.Json;
using Containerize.Tests.Infrastructure;
using Containerize.Tests.Sdk;

namespace Containerize.Tests.Supply;

/// <summary>
/// <c>containerize build --sbom --provenance</c> on a Dockerfile nobody wrote for us to know its packages: the SBOM is
/// read from the layers (the lab base's dpkg database, its .NET runtime, the app's .deps.json), attached in the store,
/// and carried by <c>push</c> and <c>save</c>.
/// </summary>
[TestClass]
[DoNotParallelize]
public sealed class BuildSbomTests
{
    [TestMethod]
    [Timeout(600_000, CooperativeCancellation = true)]
    public async Task Build_attaches_an_SBOM_from_the_layers_and_push_and_save_carry_it()
    {
        await PublishLab.RequireRegistryAsync();
        using var dir = new TempDir("ctz-build-sbom");
        dir.Write("Dockerfile", $"FROM {PublishLab.Registry}/dotnet/runtime:10.0\nCOPY app/ /app/\n");
        dir.Write("app/App.deps.json", """
            {"runtimeTarget":{"name":".NETCoreApp,Version=v10.0"},"libraries":{"App/1.0.0":{"type":"project"},
             "Humanizer.Core/2.14.1":{"type":"package","sha512":"sha512-lQKvtaTDOXnoVJ20ibTuSIOf2i0uO0MPbDhd1jm238I+U/2ZnRENj0cktKZhtchBMtCUSRQ5v4xBCUbKNmyVMw=="}}}
            """);
        var repository = $"{PublishLab.Registry}/ctz-build-sbom-{Guid.NewGuid().ToString("N")[..8]}:1";
        var store = dir.Combine("store");
        var build = await CliRunner.RunAsync(dir.Path, "build", "-t", repository, "--sbom", "--sbom-format", "spdx,cyclonedx", "--provenance", "--store", store, ".");
        Assert.AreEqual(0, build.ExitCode, build.StdErr + build.StdOut);

        var push = await CliRunner.RunAsync(dir.Path, "push", repository, repository, "--store", store);
        Assert.AreEqual(0, push.ExitCode, push.StdErr);
        var digest = (await PublishLab.SkopeoAsync("inspect", "--raw", "--tls-verify=false", $"docker://{repository}")).ToString();
        var manifestDigest = "sha256:" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(digest)));
        var name = repository[..repository.LastIndexOf(':')];
        var index = await PublishLab.SkopeoAsync("inspect", "--raw", "--tls-verify=false", $"docker://{name}:{manifestDigest.Replace(':', '-')}");
        Assert.AreEqual(3, index.GetProperty("manifests").GetArrayLength(), "push carried the SPDX, CycloneDX and provenance documents");

        var sbom = await CliRunner.RunAsync(dir.Path, "sbom", repository, "--remote", "--format", "cyclonedx");
        Assert.AreEqual(0, sbom.ExitCode, sbom.StdErr);
        SpecSchemas.AssertValidCycloneDx(sbom.RawStdOut);
        using var doc = JsonDocument.Parse(sbom.RawStdOut);
        var purls = doc.RootElement.GetProperty("components").EnumerateArray().Select(c => c.TryGetProperty("purl", out var p) ? p.GetString() : null).OfType<string>().ToList();
        CollectionAssert.Contains(purls, "pkg:nuget/Humanizer.Core@2.14.1", "from the app's .deps.json");
        Assert.IsTrue(purls.Any(p => p.StartsWith("pkg:deb/debian/libc6@", StringComparison.Ordinal)), "from the base's dpkg database");
        Assert.IsTrue(purls.Any(p => p.StartsWith("pkg:nuget/Microsoft.NETCore.App.Runtime.linux-", StringComparison.Ordinal)), "the base's runtime");

        var save = await CliRunner.RunAsync(dir.Path, "save", repository, "--output", "oci-layout:" + dir.Combine("layout"), "--store", store);
        Assert.AreEqual(0, save.ExitCode, save.StdErr);
        var layoutIndex = File.ReadAllText(dir.Combine("layout", "index.json"));
        StringAssert.Contains(layoutIndex, manifestDigest.Replace(':', '-'), "save wrote the referrers tag into the layout");
        var fromLayout = await CliRunner.RunAsync(dir.Path, "attestations", "oci-layout://" + dir.Combine("layout") + ":1");
        Assert.AreEqual(0, fromLayout.ExitCode, fromLayout.StdErr);
        StringAssert.Contains(fromLayout.StdOut, "application/vnd.in-toto+json");
    }
}
