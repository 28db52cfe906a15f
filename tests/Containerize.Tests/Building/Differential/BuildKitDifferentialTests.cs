using System.Runtime.Versioning;
using System.Text.RegularExpressions;
using Containerize.Tests.Infrastructure;

namespace Containerize.Tests.Building.Differential;

/// <summary>
/// Issue #6 "Against Docker" and #8.4 "engines agree": every corpus Dockerfile is built by our engine and by Docker 26's
/// BuildKit (directly with `docker build`, and through `containerize build --engine docker`); both images are exported
/// as docker-archives and compared by <see cref="ImageComparer"/>. Known differences are listed below with their
/// reason (docs/cli.md, "Known differences from BuildKit"); anything else fails.
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
        (await ProcessRunner.RunAsync(lab.Docker, ["build", "-q", "--network=host", .. DifferentialCorpus.BuildArgWords(name), "-f", DifferentialCorpus.DockerfileOf(name), "-t", tag, await lab.ContextOfAsync(name)],
            timeout: TimeSpan.FromMinutes(10))).EnsureSuccess("docker build " + name);
        var theirs = await lab.SaveFromDockerAsync(tag);
        AssertSame(name, theirs, ours, "buildkit", "builtin");
        Assert.IsFalse(Path.Exists(DifferentialCorpus.HostCanary), $"{name}: a COPY below a symlink to a host path wrote on the host ({DifferentialCorpus.HostCanary})");
    }

    /// <summary>
    /// Destinations BuildKit refuses (the last column is its message): we refuse them too, with a coded error at the
    /// line, instead of a layer that silently replaces a file with a folder or the other way round.
    /// </summary>
    [TestMethod]
    [DataRow("copy-below-a-file", "RUN mkdir /real && echo x > /real/file\nCOPY hello.txt /real/file/x", "CTZ5012", "real/file: not a directory")]
    [DataRow("folder-over-a-file", "RUN mkdir /real && echo x > /real/file\nCOPY src /real/file", "CTZ5012", "cannot copy to non-directory")]
    [DataRow("folder-over-a-symlink", "RUN mkdir -p /x /elsewhere && ln -s /elsewhere /x/sub\nCOPY src/ /x/", "CTZ5012", "cannot copy to non-directory")]
    [DataRow("file-over-a-folder", "RUN mkdir -p /x/one.txt\nCOPY src/ /x/", "CTZ5012", "cannot replace to directory")]
    [DataRow("symlink-loop", "RUN ln -s /loop /loop\nCOPY hello.txt /loop/x", "CTZ5013", "too many links")]
    [DataRow("workdir-below-a-file", "RUN mkdir /real && echo x > /real/file\nWORKDIR /real/file/w", "CTZ5012", "not a directory")]
    [DataRow("workdir-at-a-link-to-a-file", "RUN mkdir /real && echo x > /real/file && ln -s /real/file /link\nWORKDIR /link", "CTZ5012", "not a directory")]
    public async Task Differential_BuildKitRejects(string name, string steps, string code, string buildKitSays)
    {
        var lab = await LabAsync();
        var dockerfile = Path.Combine(lab.Temp, name + ".Dockerfile");
        await File.WriteAllTextAsync(dockerfile, $"FROM {DifferentialCorpus.Base}\n{steps}\n");
        var theirs = await ProcessRunner.RunAsync(lab.Docker, ["build", "-q", "--network=host", "-f", dockerfile, "-t", $"ctz-diff/{name}:rejected", lab.Context],
            timeout: TimeSpan.FromMinutes(5));
        Assert.AreNotEqual(0, theirs.ExitCode, $"{name}: BuildKit accepted it");
        StringAssert.Contains(theirs.StdErr, buildKitSays, $"{name}: BuildKit failed for another reason");
        var ours = await CliRunner.RunAsync(lab.Temp, "build", "--store", lab.Store, "--runtime-root", lab.RuntimeRoot, "-f", dockerfile, "-t", $"ctz-diff/{name}:rejected", lab.Context);
        Assert.AreNotEqual(0, ours.ExitCode, $"{name}: we accepted what BuildKit rejects ({theirs.StdErr.Trim()})");
        StringAssert.Contains(ours.StdErr, $"{name}.Dockerfile:3: {code} ", $"{name}: the coded error at the failing line");
        Assert.DoesNotContain("   at ", ours.StdErr, "no stack trace");
    }

    [TestMethod]
    [DynamicData(nameof(DifferentialCorpus.Names), typeof(DifferentialCorpus))]
    public async Task Differential_EnginesAgree(string name)
    {
        var lab = await LabAsync();
        var ours = await lab.OursAsync(name);
        var tag = $"ctz-diff/{name}:handoff";
        var r = await CliRunner.RunAsync(lab.Temp, ["build", "--engine", "docker", "--client", lab.Docker, "--network", "host", .. DifferentialCorpus.BuildArgWords(name),
            "-f", DifferentialCorpus.DockerfileOf(name), "-t", tag, await lab.ContextOfAsync(name)]);
        Assert.AreEqual(0, r.ExitCode, r.StdErr);
        var theirs = await lab.SaveFromDockerAsync(tag);
        AssertSame(name, theirs, ours, "--engine docker", "--engine builtin");
    }

    /// <summary>
    /// #8.4 with SOURCE_DATE_EPOCH=0 and rewrite-timestamp=true. Docker 26's docker driver (the moby exporter) keeps
    /// the files' mtimes in its layers (rewrite-timestamp needs the containerd image store or another driver), so
    /// raw diff_ids differ. With every header's mtime set to the epoch, as rewrite-timestamp would, each layer must be
    /// byte-identical to ours (entries, order, header format, owners, modes), except RUN layers where BuildKit keeps
    /// the /dev, /proc, /sys mount points a base lacked or writes several whiteouts (hard links to the first one);
    /// BuildKit's empty WORKDIR layers are skipped.
    /// </summary>
    [TestMethod]
    [DynamicData(nameof(DifferentialCorpus.Names), typeof(DifferentialCorpus))]
    public async Task Differential_LayerDiffIdsWithSourceDateEpoch(string name)
    {
        var lab = await LabAsync();
        var ours = await lab.OursAsync(name);
        var tag = $"ctz-diff/{name}:epoch";
        (await ProcessRunner.RunAsync(lab.Docker, ["buildx", "build", "--network=host", "--build-arg", "SOURCE_DATE_EPOCH=0", .. DifferentialCorpus.BuildArgWords(name),
            "--output", $"type=image,name={tag},rewrite-timestamp=true", "-f", DifferentialCorpus.DockerfileOf(name), await lab.ContextOfAsync(name)],
            timeout: TimeSpan.FromMinutes(10))).EnsureSuccess("docker buildx build " + name);
        var theirs = await lab.SaveFromDockerAsync(tag);

        var kept = Enumerable.Range(0, theirs.DiffIds.Count).Where(i => theirs.DiffIds[i] != EmptyTarDiffId).ToList();
        Assert.AreEqual(ours.DiffIds.Count, kept.Count, $"{name}: layer counts (BuildKit's empty layers skipped)\nbuildkit {string.Join(" ", theirs.DiffIds)}\nbuiltin {string.Join(" ", ours.DiffIds)}");
        var report = new List<string>();
        var unexpected = new List<string>();
        for (var i = 0; i < ours.DiffIds.Count; i++)
        {
            var j = kept[i];
            var verdict = theirs.DiffIds[j] == ours.DiffIds[i] ? "equal"
                : ImageArchive.ClampedDiffId(theirs.Layers[j], 0) == ours.DiffIds[i] ? "equal once mtimes are the epoch"
                : ImageArchive.SameButForEmbeddedTimes(theirs.Layers[j], ours.Layers[i]) ? "equal but for the file times the static web assets manifest embeds"
                : "different: " + (ExplainRunDifference(theirs.Layers[j]) ?? "unexplained");
            var line = $"layer {i} ({ours.LayerCommands.ElementAtOrDefault(i)?.ReplaceLineEndings(" ")}): {verdict}";
            report.Add(line);
            if (verdict.EndsWith("unexplained", StringComparison.Ordinal) || (verdict.StartsWith("different", StringComparison.Ordinal)
                && !ours.LayerCommands.ElementAtOrDefault(i)!.StartsWith("RUN ", StringComparison.Ordinal))) unexpected.Add(line);
        }

        Console.WriteLine($"{name}: " + string.Join("\n", report));
        Assert.AreEqual(0, unexpected.Count, $"{name}: layers that differ from BuildKit's beyond mtimes and the known RUN quirks:\n" + string.Join("\n", report));
    }

    /// <summary>Why a BuildKit RUN layer cannot be ours byte for byte (docs/cli.md), or null.</summary>
    private static string? ExplainRunDifference(byte[] layer)
    {
        var names = new List<string>();
        using (var reader = new System.Formats.Tar.TarReader(new MemoryStream(layer)))
        {
            while (reader.GetNextEntry() is { } e) names.Add(e.Name.Trim('/'));
        }

        if (names.Any(n => n is "dev" or "proc" or "sys")) return "BuildKit keeps the /dev, /proc, /sys mount points the base lacked";
        if (names.Count(n => n.Split('/')[^1] is var b && b.StartsWith(".wh.", StringComparison.Ordinal) && b != ".wh..wh..opq") >= 2)
        {
            return "BuildKit writes the second and later whiteouts as hard links";
        }

        return null;
    }

    /// <summary>The diff_id of a tar with no entries (two zero blocks): what BuildKit's moby exporter writes for a WORKDIR that changed nothing.</summary>
    private const string EmptyTarDiffId = "sha256:5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef";

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
