using System.Diagnostics;
using System.Security.Cryptography;
using Containerize.Core.Generation;
using Containerize.Tests.Infrastructure;

namespace Containerize.Tests.Sdk;

/// <summary>
/// Every `dotnet new` template of the installed SDK as two clones (issue #19): created once, copied to a second folder
/// of another depth and name, both published with the packed package into archives. The two images must have one
/// manifest digest; when they do not, the message names the files that differ between the two publish folders.
/// </summary>
[TestClass]
[DoNotParallelize]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class TemplateReproducibilityTests
{
    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    [Timeout(600_000, CooperativeCancellation = true)]
    [DataRow("console", "console", "")]
    [DataRow("worker", "worker", "")]
    [DataRow("webapi", "webapi", "")]
    [DataRow("web", "web", "")]
    [DataRow("webapp", "webapp", "")]
    [DataRow("mvc", "mvc", "")]
    [DataRow("blazor", "blazor", "")]
    [DataRow("blazor-wasm", "blazor --interactivity WebAssembly", "")]
    [DataRow("grpc", "grpc", "")]
    [DataRow("console-self-contained", "console", "-r linux-x64 --self-contained")]
    [DataRow("console-aot", "console --aot", "")]
    public async Task TwoClonesOfATemplateGiveTheSameImage(string name, string template, string publishArgs)
    {
        if (template.Contains("--aot", StringComparison.Ordinal) && Requirements.FindOnPath("clang") is null)
        {
            // Not part of the lab (eng/setup): NativeAOT links with clang (and lld), which this machine does not have.
            Assert.Inconclusive("NativeAOT needs clang and lld to link, and clang is not on PATH: the AOT console is not checked here");
        }

        if (!await PublishLab.RegistryAnswersAsync()) Requirements.Missing("the registry on localhost:5000 does not answer (bash eng/setup starts it)");
        var clock = Stopwatch.StartNew();
        using var lab = await PublishLab.CreateAsync();
        // The Razor files' content-named copies go to the lab's own user cache, the same for both clones.
        var userCache = Path.Combine(lab.Root, "user-cache");
        lab.Environment["CONTAINERIZE_CACHE_DIR"] = userCache;
        var created = await SdkPackage.DotnetAsync(lab.Root, ["new", .. template.Split(' '), "-n", "ClonedApp", "-o", "first/ClonedApp", "--no-restore"]);
        created.EnsureSuccess($"dotnet new {template}");
        PublishLab.CopyTree(Path.Combine(lab.Root, "first", "ClonedApp"), Path.Combine(lab.Root, "clones", "second-clone", "ClonedApp-elsewhere"));
        string[] args = ["-p:ContainerArchiveOutputPath=out/", .. publishArgs.Split(' ', StringSplitOptions.RemoveEmptyEntries)];

        var a = await PublishCloneAsync(lab, Path.Combine("first", "ClonedApp"), args);
        var b = await PublishCloneAsync(lab, Path.Combine("clones", "second-clone", "ClonedApp-elsewhere"), args);
        TestContext.WriteLine($"{name}: dotnet new, two publishes and the comparison in {clock.Elapsed.TotalSeconds:F0} s");

        Assert.IsTrue(File.Exists(PublishLab.ImageJson(a).GetProperty("archive").GetString()), "the archive is written");
        foreach (var razor in Directory.EnumerateFiles(Path.Combine(lab.Root, "first"), "*", SearchOption.AllDirectories)
                     .Where(f => f.EndsWith(".cshtml", StringComparison.Ordinal) || f.EndsWith(".razor", StringComparison.Ordinal)))
        {
            var copy = Path.Combine(userCache, "razor", Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(razor))));
            Assert.IsTrue(Directory.Exists(copy) && Directory.EnumerateFiles(copy, Path.GetFileName(razor), SearchOption.AllDirectories).Any(),
                $"the compiler read {Path.GetRelativePath(lab.Root, razor)} from its content-named copy under {userCache}");
        }

        Assert.AreEqual(Digest(a), Digest(b),
            $"{name}: two clones of one template give two images; files that differ between the publish folders: {DifferingFiles(a, b)}");
    }

    /// <summary>Publishes the app project of a clone (the server project of a two-project template) and returns its folder.</summary>
    private static async Task<string> PublishCloneAsync(PublishLab lab, string clone, string[] args)
    {
        var project = Path.Combine(clone, "ClonedApp", "ClonedApp.csproj");
        if (!File.Exists(Path.Combine(lab.Root, project))) project = Path.Combine(clone, "ClonedApp.csproj");
        (await lab.PublishAsync(project, args)).EnsureSuccess($"dotnet publish {project}");
        return Path.GetDirectoryName(Path.Combine(lab.Root, project))!;
    }

    private static string Digest(string project) => PublishLab.ImageJson(project).GetProperty("manifestDigest").GetString()!;

    /// <summary>
    /// The publish folders' files whose bytes differ (or that only one has). An endpoints manifest is compared as the
    /// image gets it, its Last-Modified headers set to the epoch.
    /// </summary>
    private static string DifferingFiles(string a, string b)
    {
        var left = Hashes(a);
        var right = Hashes(b);
        var differing = left.Keys.Union(right.Keys, StringComparer.Ordinal).Order(StringComparer.Ordinal)
            .Where(f => !left.TryGetValue(f, out var l) || !right.TryGetValue(f, out var r) || l != r)
            .Select(f => left.ContainsKey(f) && right.ContainsKey(f) ? f : $"{f} (only in {(left.ContainsKey(f) ? "the first" : "the second")})")
            .ToList();
        return differing.Count == 0 ? "none (the difference is in the image build, not the publish output)" : string.Join(", ", differing);
    }

    private static Dictionary<string, string> Hashes(string project)
    {
        var publish = Directory.EnumerateDirectories(Path.Combine(project, "bin"), "publish", SearchOption.AllDirectories).Single();
        return Directory.EnumerateFiles(publish, "*", SearchOption.AllDirectories).ToDictionary(
            f => Path.GetRelativePath(publish, f),
            f => f.EndsWith(StaticWebAssetsEndpoints.Suffix, StringComparison.OrdinalIgnoreCase)
                ? Convert.ToHexString(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(StaticWebAssetsEndpoints.Normalize(File.ReadAllText(f), 0))))
                : Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(f))),
            StringComparer.Ordinal);
    }
}
