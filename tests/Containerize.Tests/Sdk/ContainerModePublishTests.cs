using System.Reflection.PortableExecutable;
using System.Text.RegularExpressions;
using Containerize.Core.Generation;
using Containerize.Core.Publishing;
using Containerize.Tests.Infrastructure;

namespace Containerize.Tests.Sdk;

/// <summary>
/// ContainerBuildMode=Container through MSBuild: <c>dotnet publish</c> of samples/Solution's web project restores,
/// builds and publishes inside the offline SDK image (from the lab registry through ContainerBaseImageMirror), with the
/// host's CA bundle as the restore step's secret and the run's package feed as the local package source. The image
/// goes to the lab registry; its files, user, HTTP answer in runc and the restore layer's reuse are checked.
/// </summary>
[TestClass]
[DoNotParallelize]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed partial class ContainerModePublishTests
{
    [TestMethod]
    [Timeout(1_800_000, CooperativeCancellation = true)]
    public async Task ContainerMode_SolutionWebThroughMSBuildRunsAsNonRootAndKeepsTheRestoreLayer()
    {
        if (!await PublishLab.RegistryAnswersAsync()) Requirements.Missing("the registry on localhost:5000 does not answer (bash eng/setup starts it)");
        Requirements.Tool("runc");
        Requirements.RequireRoot("RUN steps and the image in runc, umoci unpack with owners");
        if (!File.Exists(ContainerModeBuild.HostCaBundle)) Requirements.Missing($"the host CA bundle {ContainerModeBuild.HostCaBundle}");
        var (feed, version) = await SdkPackage.GetAsync();

        using var lab = await PublishLab.CopySampleAsync("Solution");
        // The package reference sits in the project (as a user's would), so the restore inside the SDK image needs the
        // local package source. The samples' root props are outside the build context (Solution/): left out, as the
        // engine's Container mode test leaves them.
        File.Delete(Path.Combine(lab.Root, "Directory.Build.props"));
        File.Delete(Path.Combine(lab.Root, "Directory.Packages.props"));
        // No nuget.config either (its feed path means nothing in the SDK image): the host finds the run's feed through
        // RestoreAdditionalProjectSources, the SDK image through ContainerRestoreLocalSource.
        File.Delete(Path.Combine(lab.Root, "nuget.config"));
        var webProject = Path.Combine(lab.Root, "Solution", "src", "Web", "Web.csproj");
        File.WriteAllText(webProject, File.ReadAllText(webProject).Replace("<ItemGroup>",
            $"<ItemGroup>\n    <PackageReference Include=\"Containerize.Sdk\" Version=\"{version}\" PrivateAssets=\"all\" />", StringComparison.Ordinal));

        // A persistent store (shared with the engine's Container mode test): the 800 MB SDK image is pulled once, not per run.
        var store = Path.Combine(RepoPaths.Root, "artifacts", "test-cmode", "store");
        lab.Environment["CONTAINERIZE_STORE"] = store;
        var repo = $"ctz-test/cmode-web-{Guid.NewGuid():N}"[..28];
        string[] args = [$"-p:RestoreAdditionalProjectSources={feed}", "-p:ContainerBuildMode=Container", "-p:ContainerRestoreCaBundleSecret=true", $"-p:ContainerRestoreLocalSource={feed}",
            $"-p:ContainerRegistry={PublishLab.Registry}", $"-p:ContainerRepository={repo}",
            // The engine's Step lines and summary table are low-importance messages in MSBuild: detailed shows them.
            "-v:d"];
        var project = Path.Combine("Solution", "src", "Web", "Web.csproj");

        var first = (await lab.PublishAsync(project, args)).EnsureSuccess("dotnet publish -p:ContainerBuildMode=Container");
        StringAssert.Contains(first.StdOut, "replaced by --build-context containerize-packages", "the local package source is the named context");
        StringAssert.Contains(first.StdOut, $"Container image: {PublishLab.Registry}/{repo}:latest sha256:");
        var digest = PublishLab.ImageJson(Path.Combine(lab.Root, "Solution", "src", "Web")).GetProperty("manifestDigest").GetString()!;

        var remote = $"docker://{PublishLab.Registry}/{repo}:latest";
        Assert.AreEqual(digest, (await PublishLab.SkopeoAsync("inspect", "--tls-verify=false", remote)).GetProperty("Digest").GetString());
        var config = (await PublishLab.SkopeoAsync("inspect", "--tls-verify=false", "--config", remote)).GetProperty("config");
        Assert.AreEqual("1654", config.GetProperty("User").GetString(), "USER $APP_UID of the .NET base: non-root");

        // The files, unpacked by umoci from an OCI layout skopeo copied out of the registry.
        var layout = Path.Combine(lab.Root, "layout");
        (await ProcessRunner.RunAsync(Requirements.Tool("skopeo"), ["copy", "--src-tls-verify=false", remote, $"oci:{layout}:app"])).EnsureSuccess("skopeo copy");
        var bundle = Path.Combine(lab.Root, "bundle");
        (await ProcessRunner.RunAsync(Requirements.Tool("umoci"), ["unpack", "--image", $"{layout}:app", bundle])).EnsureSuccess("umoci unpack");
        var app = Path.Combine(bundle, "rootfs", "app");
        Assert.IsTrue(File.Exists(Path.Combine(app, "Greetings.dll")), "the project reference's assembly is in the image");
        // Built inside the SDK image: its PDB path is the container's source folder, not this machine's (nor the host
        // publish's PathMap, /_/).
        var pdbPath = CodeViewPath(Path.Combine(app, "Web.dll"));
        Assert.IsFalse(pdbPath.StartsWith(lab.Root, StringComparison.Ordinal) || pdbPath.StartsWith("/_/", StringComparison.Ordinal),
            $"Web.dll was compiled in the container, its PDB path is {pdbPath}");

        await ContainerPublishTests.AssertAnswersHttpAsync(store, $"{PublishLab.Registry}/{repo}:latest");

        // Only a .cs file changes: restore's inputs are the same, so its layer comes from the cache; publish reruns.
        var program = Path.Combine(lab.Root, "Solution", "src", "Web", "Program.cs");
        File.AppendAllText(program, $"\n// changed {Guid.NewGuid():N}\n");
        var second = (await lab.PublishAsync(project, args)).EnsureSuccess("second publish after a .cs change");
        var restore = StepNumber(second.StdOut, "dotnet restore");
        var publish = StepNumber(second.StdOut, "dotnet publish");
        var hits = SummaryLine().Matches(second.StdOut).ToDictionary(m => int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture), m => m.Groups[2].Value == "hit");
        Assert.IsTrue(hits.TryGetValue(restore, out var restoreHit) && restoreHit, $"the restore step {restore} is reused\n{Tail(second.StdOut)}");
        Assert.IsFalse(hits[publish], "publish reruns for the changed source");
        Assert.AreNotEqual(digest, PublishLab.ImageJson(Path.Combine(lab.Root, "Solution", "src", "Web")).GetProperty("manifestDigest").GetString(),
            "the changed app is a new image");
    }

    private static string CodeViewPath(string assembly)
    {
        using var pe = new PEReader(File.OpenRead(assembly));
        var entry = pe.ReadDebugDirectory().First(e => e.Type == DebugDirectoryEntryType.CodeView);
        return pe.ReadCodeViewDebugDirectoryData(entry).Path;
    }

    // MSBuild indents the engine's lines; a RUN's command may sit on a continuation line.
    private static int StepNumber(string output, string text)
    {
        var m = Regex.Match(output, @"^\s*Step (\d+)/\d+ : RUN [^\n]*" + Regex.Escape(text), RegexOptions.Multiline);
        if (!m.Success) m = Regex.Match(output, @"^\s*Step (\d+)/\d+ : RUN [^\n]*\\\n(?:[^\n]*\\\n)*[^\n]*" + Regex.Escape(text), RegexOptions.Multiline);
        Assert.IsTrue(m.Success, $"no step runs '{text}'\n{Tail(output)}");
        return int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
    }

    private static string Tail(string text) => text.Length <= 6000 ? text : text[^6000..];

    // The engine's summary table: step, seconds, hit or miss.
    [GeneratedRegex(@"^\s+(\d+)\s+[\d.]+s\s+(hit|miss)\s", RegexOptions.Multiline)]
    private static partial Regex SummaryLine();
}
