using System.Text.Json;
using System.Text.Json.Nodes;
using Containerize.Tests.Infrastructure;

namespace Containerize.Tests.Sdk;

/// <summary>
/// The samples' images, pinned (issue #20): a refactoring that changes how an image is made must not change what is
/// made. SampleDigests.json holds, per sample, the digests of the layers the publish adds to its base and the manifest
/// digest on the base they were recorded with. The layers are compared always; the manifest digest whenever the lab
/// base is the recorded one (a base built from other Debian packages has other layers, so another manifest, by design).
/// CTZ_UPDATE_DIGESTS=1 records them again (only for a change that means to change the images: say why in the commit).
/// </summary>
[TestClass]
[DoNotParallelize]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class SampleDigestTests
{
    private static readonly string GoldenPath = Path.Combine(RepoPaths.Root, "tests", "Containerize.Tests", "Sdk", "SampleDigests.json");

    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    [Timeout(600_000, CooperativeCancellation = true)]
    [DataRow("HelloConsole", "HelloConsole")]
    [DataRow("HelloWeb", "HelloWeb")]
    [DataRow("Worker", "Worker")]
    [DataRow("Solution", "Solution/src/Web/Web.csproj")]
    [DataRow("CustomDockerfile", "CustomDockerfile")]
    public async Task A_sample_gives_the_image_it_gave_before(string sample, string project)
    {
        await PublishLab.RequireRegistryAsync();
        using var lab = await PublishLab.CopySampleAsync(sample);
        (await lab.PublishAsync(project, "-p:ContainerArchiveOutputPath=out/")).EnsureSuccess($"dotnet publish {project}");
        var folder = Path.Combine(lab.Root, project.EndsWith(".csproj", StringComparison.Ordinal) ? Path.GetDirectoryName(project)! : project);
        var image = PublishLab.ImageJson(folder);
        var actual = new JsonObject
        {
            ["baseImage"] = image.TryGetProperty("baseImage", out var b) ? b.GetString() : null,
            ["manifestDigest"] = image.GetProperty("manifestDigest").GetString(),
            ["layers"] = new JsonArray(image.GetProperty("layers").EnumerateArray().Select(l => (JsonNode)l.GetProperty("digest").GetString()!).ToArray()),
        };

        var golden = File.Exists(GoldenPath) ? JsonNode.Parse(File.ReadAllText(GoldenPath))!.AsObject() : [];
        if (Environment.GetEnvironmentVariable("CTZ_UPDATE_DIGESTS") == "1")
        {
            lock (GoldenPath)
            {
                golden[sample] = actual;
                File.WriteAllText(GoldenPath, golden.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
            }

            return;
        }

        Assert.IsTrue(golden.TryGetPropertyValue(sample, out var expected) && expected is JsonObject,
            $"{sample} has no recorded digests in {GoldenPath} (CTZ_UPDATE_DIGESTS=1 records them)");
        Assert.AreEqual(expected!["layers"]!.ToJsonString(), actual["layers"]!.ToJsonString(),
            $"{sample}: the layers the publish adds to its base changed");
        // A user Dockerfile's base is not recorded (image.json names the base of generated Dockerfiles only): its layers
        // are compared, its manifest would compare the lab's base too.
        var sameBase = expected["baseImage"]?.GetValue<string>() is { } recorded && recorded == actual["baseImage"]?.GetValue<string>();
        TestContext.WriteLine($"{sample}: base {actual["baseImage"]} ({(sameBase ? "as recorded: manifest compared" : "not the recorded base: layers compared")})");
        if (sameBase)
        {
            Assert.AreEqual(expected["manifestDigest"]!.GetValue<string>(), actual["manifestDigest"]!.GetValue<string>(),
                $"{sample}: on the recorded base, the manifest digest changed");
        }
    }
}
