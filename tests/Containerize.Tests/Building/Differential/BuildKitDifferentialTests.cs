using System.Runtime.Versioning;
using System.Text.RegularExpressions;
using Containerize.Tests.Infrastructure;

namespace Containerize.Tests.Building.Differential;

/// <summary>
/// Issue #6 "Against Docker" and #8.4 "engines agree": every corpus Dockerfile is built by our engine and by Docker 26's
/// BuildKit (directly with `docker build`, and through `containerize build --engine docker`); both images are exported
/// as docker-archives and compared by <see cref="ImageComparer"/>. Known differences are listed below with their
/// reason (README, "Known differences from BuildKit"); anything else fails.
/// </summary>
[TestClass]
[DoNotParallelize]
[SupportedOSPlatform("linux")]
public sealed class BuildKitDifferentialTests
{
    /// <summary>corpus name → differences that cannot be removed (regular expressions over the difference line), and why.</summary>
    private static readonly Dictionary<string, (string Pattern, string Reason)[]> Known = new(StringComparer.Ordinal);

    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static DifferentialLab? _lab;

    [ClassCleanup]
    public static void Cleanup() => _lab?.Dispose();

    [TestMethod]
    [DynamicData(nameof(DifferentialCorpus.Names), typeof(DifferentialCorpus))]
    public async Task Differential_BuildKit(string name)
    {
        var lab = await LabAsync();
        var ours = await lab.OursAsync(name);
        var tag = $"ctz-diff/{name}:buildkit";
        (await ProcessRunner.RunAsync(lab.Docker, ["build", "-q", "--network=host", "-f", DifferentialCorpus.DockerfileOf(name), "-t", tag, lab.Context],
            timeout: TimeSpan.FromMinutes(5))).EnsureSuccess("docker build " + name);
        var theirs = await lab.SaveFromDockerAsync(tag);
        AssertSame(name, theirs, ours, "buildkit", "builtin");
    }

    [TestMethod]
    [DynamicData(nameof(DifferentialCorpus.Names), typeof(DifferentialCorpus))]
    public async Task Differential_EnginesAgree(string name)
    {
        var lab = await LabAsync();
        var ours = await lab.OursAsync(name);
        var tag = $"ctz-diff/{name}:handoff";
        var r = await CliRunner.RunAsync(lab.Temp, "build", "--engine", "docker", "--client", lab.Docker, "--network", "host",
            "-f", DifferentialCorpus.DockerfileOf(name), "-t", tag, lab.Context);
        Assert.AreEqual(0, r.ExitCode, r.StdErr);
        var theirs = await lab.SaveFromDockerAsync(tag);
        AssertSame(name, theirs, ours, "--engine docker", "--engine builtin");
    }

    private static void AssertSame(string name, ImageArchive expected, ImageArchive actual, string expectedName, string actualName)
    {
        var known = Known.GetValueOrDefault(name) ?? [];
        var differences = ImageComparer.Compare(expected, actual, expectedName, actualName)
            .Where(d => !known.Any(k => Regex.IsMatch(d, k.Pattern)))
            .ToList();
        Assert.AreEqual(0, differences.Count, $"{name}: {differences.Count} difference(s):\n" + string.Join("\n", differences));
    }

    private static async Task<DifferentialLab> LabAsync()
    {
        await Gate.WaitAsync();
        try
        {
            return _lab ??= await DifferentialLab.CreateAsync();
        }
        finally
        {
            Gate.Release();
        }
    }
}
