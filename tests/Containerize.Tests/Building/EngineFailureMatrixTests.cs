using System.Reflection;
using System.Runtime.Versioning;
using System.Text.RegularExpressions;
using Containerize.Tests.Infrastructure;

namespace Containerize.Tests.Building;

/// <summary>
/// Every kind of failure as a user sees it: a coded error at the right Dockerfile line, the step that failed shown last in
/// the log, no tag moved, and for a RUN the kept bundle's path printed and present on disk.
/// </summary>
[TestClass]
[SupportedOSPlatform("linux")]
public sealed partial class EngineFailureMatrixTests
{
    private const string Good = "FROM busybox:test\nCOPY ok.txt /ok.txt\n";

    /// <summary>name, the Dockerfile's last line, extra arguments, the expected "Dockerfile:LINE: CODE", the step shown last (null: fails while planning).</summary>
    public static IEnumerable<object?[]> Cases =>
    [
        ["RUN exits 1", "RUN echo failing-now; exit 1", Array.Empty<string>(), "Dockerfile:3: CTZ5003", "Step 3/3 : RUN echo failing-now; exit 1"],
        ["missing COPY source", "COPY missing.txt /m.txt", Array.Empty<string>(), "Dockerfile:3: CTZ5001", "Step 3/3 : COPY missing.txt /m.txt"],
        ["source excluded by .dockerignore", "COPY secret.txt /s.txt", Array.Empty<string>(), "Dockerfile:3: CTZ5001", "Step 3/3 : COPY secret.txt /s.txt"],
        ["unknown target stage", "LABEL x=y", new[] { "--target", "nope" }, "Dockerfile: CTZ1201", null],
        ["unknown stage index", "COPY --from=7 /x /x", Array.Empty<string>(), "Dockerfile:3: CTZ1204", null],
        ["bad --chown user", "COPY --chown=nosuchuser ok.txt /o.txt", Array.Empty<string>(), "Dockerfile:3: CTZ5005", "Step 3/3 : COPY --chown=nosuchuser ok.txt /o.txt"],
        ["bad --chown group", "COPY --chown=0:nosuchgroup ok.txt /o.txt", Array.Empty<string>(), "Dockerfile:3: CTZ5005", "Step 3/3 : COPY --chown=0:nosuchgroup ok.txt /o.txt"],
    ];

    public static string CaseName(MethodInfo method, object?[]? data) => $"{method.Name} ({data?[0]})";

    [TestMethod]
    [DynamicData(nameof(Cases), DynamicDataDisplayName = nameof(CaseName))]
    public async Task Engine_FailureMatrix(string name, string lastLine, string[] extraArgs, string located, string? step)
    {
        if (lastLine.StartsWith("RUN", StringComparison.Ordinal))
        {
            Requirements.Tool("runc");
            Requirements.RequireRoot("runc with namespaces and overlay mounts");
        }

        using var lab = await EngineLab.CreateAsync();
        lab.Write("ok.txt", "ok\n");
        lab.Write("secret.txt", "s\n");
        lab.Write(".dockerignore", "secret.txt\n");
        lab.Write("Dockerfile", Good);
        var first = await lab.BuildAsync("-t", "app:1");
        Assert.AreEqual(0, first.ExitCode, first.StdErr + first.StdOut);
        var before = (await lab.ImageAsync("app:1")).Manifest.Digest;

        lab.Write("Dockerfile", Good + lastLine + "\n");
        var result = await lab.BuildAsync(["-t", "app:1", .. extraArgs]);

        Assert.AreEqual(1, result.ExitCode, $"{name}: {result.StdOut}");
        StringAssert.Contains(result.StdErr, located, name);
        Assert.IsFalse(result.StdErr.Contains("   at ", StringComparison.Ordinal), "no stack trace");
        var steps = StepLine().Matches(result.StdOut).Select(m => m.Value).ToList();
        if (step is null) Assert.AreEqual(0, steps.Count, "fails before any step: " + result.StdOut);
        else Assert.AreEqual(step, steps.LastOrDefault(), "the failed step is the last one shown");
        Assert.IsFalse(result.StdOut.Contains("Successfully", StringComparison.Ordinal));
        Assert.AreEqual(before, (await lab.ImageAsync("app:1")).Manifest.Digest, "the tag did not move");

        if (lastLine.StartsWith("RUN", StringComparison.Ordinal))
        {
            StringAssert.Contains(result.StdErr, "| failing-now");
            var kept = KeptIn().Match(result.StdErr);
            Assert.IsTrue(kept.Success, result.StdErr);
            Assert.IsTrue(File.Exists(Path.Combine(kept.Groups[1].Value, "config.json")), "the failed RUN's bundle is on disk");
            StringAssert.Contains(File.ReadAllText(Path.Combine(kept.Groups[1].Value, "config.json")), "failing-now");
        }
        else if (name.Contains(".dockerignore", StringComparison.Ordinal))
        {
            StringAssert.Contains(result.StdErr, "CTZ2106", "the ignore-file warning names the excluded source");
        }
    }

    [GeneratedRegex(@"^Step \d+/\d+ : .*$", RegexOptions.Multiline)]
    private static partial Regex StepLine();

    [GeneratedRegex(@"kept in (\S+) ")]
    private static partial Regex KeptIn();
}
