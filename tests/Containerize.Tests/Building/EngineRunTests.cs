using System.Reflection;
using System.Runtime.Versioning;
using System.Text.RegularExpressions;
using Containerize.Tests.Infrastructure;

namespace Containerize.Tests.Building;

/// <summary>RUN through runc, the build cache matrix, failures, multi-stage builds and `containerize run`.</summary>
[TestClass]
[SupportedOSPlatform("linux")]
public sealed partial class EngineRunTests
{
    private const string CacheDockerfile = """
        FROM busybox:test
        ARG V=1
        COPY a.txt /a.txt
        COPY b.txt /b.txt
        RUN echo "v=$V" > /v.txt && cat /a.txt /b.txt > /ab.txt
        LABEL x=y
        """;

    private static async Task<EngineLab> LabAsync()
    {
        Requirements.Tool("runc");
        Requirements.RequireRoot("runc with namespaces and overlay mounts");
        return await EngineLab.CreateAsync();
    }

    /// <summary>name, change before the second build, extra build arguments, the steps (3-6) expected to run again.</summary>
    public static IEnumerable<object[]> CacheCases =>
    [
        ["unchanged", "", Array.Empty<string>(), Array.Empty<int>()],
        ["first file changed", "a.txt", Array.Empty<string>(), new[] { 3, 4, 5, 6 }],
        ["second file changed", "b.txt", Array.Empty<string>(), new[] { 4, 5, 6 }],
        ["ignored file changed", "ignored.txt", Array.Empty<string>(), Array.Empty<int>()],
        ["build arg changed", "", new[] { "--build-arg", "V=2" }, new[] { 5, 6 }],
        ["instruction changed", "Dockerfile", Array.Empty<string>(), new[] { 6 }],
        ["no cache", "", new[] { "--no-cache" }, new[] { 3, 4, 5, 6 }],
    ];

    public static string CacheName(MethodInfo method, object?[]? data) => $"{method.Name} ({data?[0]})";

    [TestMethod]
    public async Task Engine_ExpandsWithTheBaseImageEnvironment()
    {
        using var lab = await LabAsync();
        // A base that sets APP_UID in its config, as Microsoft's .NET images do.
        lab.Write("Dockerfile", "FROM busybox:test\nENV APP_UID=1654\n");
        var baseBuild = await lab.BuildAsync("-t", "base:env");
        Assert.AreEqual(0, baseBuild.ExitCode, baseBuild.StdErr + baseBuild.StdOut);
        lab.Write("Dockerfile", "FROM base:env\nUSER $APP_UID\nRUN id -u > /tmp/uid\nLABEL uid=${APP_UID}\n");

        var r = await lab.BuildAsync("-t", "app:env");

        Assert.AreEqual(0, r.ExitCode, r.StdErr + r.StdOut);
        var (_, config) = await lab.ImageAsync("app:env");
        Assert.AreEqual("1654", config.Config!.User);
        Assert.AreEqual("1654", config.Config.Labels!["uid"]);
        var rootfs = await lab.UnpackAsync("app:env");
        Assert.AreEqual("1654\n", File.ReadAllText(Path.Combine(rootfs, "tmp", "uid")));
    }

    [TestMethod]
    public async Task Engine_RunIsRebuiltWhenABuildArgItDoesNotNameChanges()
    {
        using var lab = await LabAsync();

        // The RUN never writes $W, but W is in its environment, as in BuildKit: its value is an input of the step.
        lab.Write("Dockerfile", "FROM busybox:test\nARG W=1\nRUN env | sort > /env.txt\n");
        var first = await lab.BuildAsync("-t", "args:1");
        Assert.AreEqual(0, first.ExitCode, first.StdErr + first.StdOut);

        var changed = await lab.BuildAsync("-t", "args:1", "--build-arg", "W=2");
        Assert.AreEqual(0, changed.ExitCode, changed.StdErr + changed.StdOut);
        Assert.IsFalse(EngineLab.CacheHits(changed.StdOut)[3], "the RUN ran again with W=2:\n" + changed.StdOut);
        StringAssert.Contains(File.ReadAllText(Path.Combine(await lab.UnpackAsync("args:1"), "env.txt")), "W=2\n");

        var same = await lab.BuildAsync("-t", "args:1", "--build-arg", "W=2");
        Assert.IsTrue(EngineLab.CacheHits(same.StdOut)[3], "the same value reuses the RUN:\n" + same.StdOut);
    }

    [TestMethod]
    public async Task Engine_PruneKeepsTheBuildCache()
    {
        using var lab = await LabAsync();
        lab.Write("Dockerfile", CacheDockerfile);
        lab.Write("a.txt", "a\n");
        lab.Write("b.txt", "b\n");
        var first = await lab.BuildAsync("-t", "cache:1");
        Assert.AreEqual(0, first.ExitCode, first.StdErr + first.StdOut);
        // The tag keeps the final image; every intermediate step's manifest and config is kept only by the cache.
        var prune = await CliRunner.RunAsync(lab.Context, "prune", "--store", lab.Store, "--grace-seconds", "0");
        Assert.AreEqual(0, prune.ExitCode, prune.StdErr + prune.StdOut);

        var second = await lab.BuildAsync("-t", "cache:1");

        Assert.AreEqual(0, second.ExitCode, second.StdErr + second.StdOut);
        Assert.AreEqual(4, Regex.Matches(second.StdOut, "^ ---> Using cache$", RegexOptions.Multiline).Count, $"prune: {prune.StdOut}\n{second.StdOut}");
        var check = await CliRunner.RunAsync(lab.Context, "store", "check", "--store", lab.Store);
        Assert.AreEqual(0, check.ExitCode, check.StdErr + check.StdOut);
    }

    [TestMethod]
    [DynamicData(nameof(CacheCases), DynamicDataDisplayName = nameof(CacheName))]
    public async Task Engine_CacheMatrix(string name, string change, string[] extraArgs, int[] expectedMisses)
    {
        using var lab = await LabAsync();
        lab.Write("Dockerfile", CacheDockerfile);
        lab.Write("a.txt", "a\n");
        lab.Write("b.txt", "b\n");
        lab.Write("ignored.txt", "i\n");
        lab.Write(".dockerignore", "ignored.txt\n");
        var first = await lab.BuildAsync("-t", "cache:1");
        Assert.AreEqual(0, first.ExitCode, first.StdErr + first.StdOut);
        Assert.IsTrue(EngineLab.CacheHits(first.StdOut).Where(kv => kv.Key >= 3).All(kv => !kv.Value), "a fresh store has no cache: " + first.StdOut);

        switch (change)
        {
            case "Dockerfile": lab.Write("Dockerfile", CacheDockerfile.Replace("LABEL x=y", "LABEL x=z", StringComparison.Ordinal)); break;
            case "": break;
            default: lab.Write(change, "changed " + change + "\n"); break;
        }

        var second = await lab.BuildAsync(["-t", "cache:1", .. extraArgs]);
        Assert.AreEqual(0, second.ExitCode, second.StdErr + second.StdOut);
        var hits = EngineLab.CacheHits(second.StdOut);
        var misses = hits.Where(kv => kv.Key >= 3 && !kv.Value).Select(kv => kv.Key).Order().ToArray();
        CollectionAssert.AreEqual(expectedMisses, misses, $"{name}:\n{second.StdOut}");
        Assert.AreEqual(4 - expectedMisses.Length, Regex.Matches(second.StdOut, "^ ---> Using cache$", RegexOptions.Multiline).Count);

        var rootfs = await lab.UnpackAsync("cache:1");
        Assert.AreEqual(change == "a.txt" ? "changed a.txt\nb\n" : change == "b.txt" ? "a\nchanged b.txt\n" : "a\nb\n", File.ReadAllText(Path.Combine(rootfs, "ab.txt")));
        Assert.AreEqual(extraArgs.Contains("V=2") ? "v=2\n" : "v=1\n", File.ReadAllText(Path.Combine(rootfs, "v.txt")));
    }

    [TestMethod]
    public async Task Engine_MissReasonsSayWhatChanged()
    {
        using var lab = await LabAsync();
        lab.Write("Dockerfile", CacheDockerfile);
        lab.Write("a.txt", "a\n");
        lab.Write("b.txt", "b\n");
        Assert.AreEqual(0, (await lab.BuildAsync()).ExitCode);
        lab.Write("b.txt", "b2\n");
        var result = await lab.BuildAsync("--build-arg", "V=3");
        Assert.AreEqual(0, result.ExitCode, result.StdErr);
        StringAssert.Contains(result.StdOut, "(source files changed: b.txt)");
        StringAssert.Contains(result.StdOut, "(parent changed (an earlier step ran))");
    }

    [TestMethod]
    public async Task Engine_FailingRunIsCodedKeepsTheBundleAndMovesNoTag()
    {
        using var lab = await LabAsync();
        lab.Write("Dockerfile", "FROM busybox:test\nRUN echo ok > /ok.txt\n");
        Assert.AreEqual(0, (await lab.BuildAsync("-t", "app:1")).ExitCode);
        var before = (await lab.ImageAsync("app:1")).Manifest.Digest;

        lab.Write("Dockerfile", "FROM busybox:test\nRUN echo ok > /ok.txt\nRUN echo boom-output; exit 3\n");
        var result = await lab.BuildAsync("-t", "app:1");
        Assert.AreEqual(1, result.ExitCode);
        StringAssert.Contains(result.StdErr, "Dockerfile:3: CTZ5003 Step 3/3: the command 'echo boom-output; exit 3' returned a non-zero code: 3");
        StringAssert.Contains(result.StdErr, "non-zero code: 3");
        StringAssert.Contains(result.StdErr, "| boom-output");
        StringAssert.Contains(result.StdOut, " ---> Using cache", "the successful step before stays cached");
        var kept = KeptIn().Match(result.StdErr);
        Assert.IsTrue(kept.Success, result.StdErr);
        Assert.IsTrue(File.Exists(Path.Combine(kept.Groups[1].Value, "config.json")), "the failed step's bundle stays on disk");
        Assert.AreEqual(before, (await lab.ImageAsync("app:1")).Manifest.Digest, "the tag did not move");
        Assert.IsFalse(result.StdOut.Contains("Successfully", StringComparison.Ordinal));
    }

    [TestMethod]
    public async Task Engine_MultiStageCopiesFromStagesAndImagesAndSkipsUnusedStages()
    {
        using var lab = await LabAsync();
        lab.Write("Dockerfile", """
            FROM busybox:test AS unused
            RUN echo never-runs && exit 9
            FROM busybox:test AS build
            ARG FLAVOR=plain
            RUN mkdir /out && echo "built $FLAVOR" > /out/result.txt
            FROM scratch
            COPY --from=build /out/result.txt /result.txt
            COPY --from=1 /bin/busybox /bin/busybox
            COPY --from=busybox:test /etc/group /etc/group
            COPY --from=build --chown=2000:2000 /out/ /copied/
            """);
        var result = await lab.BuildAsync("-t", "multi:1", "--build-arg", "FLAVOR=fancy");
        Assert.AreEqual(0, result.ExitCode, result.StdErr + result.StdOut);
        Assert.IsFalse(result.StdOut.Contains("never-runs", StringComparison.Ordinal), "the unused stage was skipped");
        StringAssert.StartsWith(result.StdOut, "Step 1/8 : FROM busybox:test AS build\n");
        var rootfs = await lab.UnpackAsync("multi:1");
        Assert.AreEqual("built fancy\n", File.ReadAllText(Path.Combine(rootfs, "result.txt")));
        Assert.IsTrue(new FileInfo(Path.Combine(rootfs, "bin/busybox")).Length > 100_000);
        StringAssert.Contains(File.ReadAllText(Path.Combine(rootfs, "etc/group")), "staff:x:50:");
        var st = Core.Os.LibC.LStat(Path.Combine(rootfs, "copied/result.txt"))!.Value;
        Assert.AreEqual((2000u, 2000u), (st.Uid, st.Gid));
    }

    [TestMethod]
    public async Task Engine_RunCommandStartsTheImage()
    {
        using var lab = await LabAsync();
        lab.Write("Dockerfile", "FROM busybox:test\nENV GREETING=hello\nWORKDIR /work\nRUN echo data > file.txt\nCMD [\"sh\", \"-c\", \"echo $GREETING from $(pwd); cat file.txt\"]\n");
        Assert.AreEqual(0, (await lab.BuildAsync("-t", "hello:1")).ExitCode);

        var run = await lab.RunAsync("--rm", "hello:1");
        Assert.AreEqual(0, run.ExitCode, run.StdErr);
        StringAssert.Contains(run.StdOut, "hello from /work\ndata\n");

        var custom = await lab.RunAsync("-e", "GREETING=bye", "hello:1", "--", "sh", "-c", "echo $GREETING; id -u");
        Assert.AreEqual(0, custom.ExitCode, custom.StdErr);
        StringAssert.Contains(custom.StdOut, "bye\n0\n");

        // As docker run: the container's exit code is the command's, with no error of ours.
        var failing = await lab.RunAsync("hello:1", "sh", "-c", "exit 4");
        Assert.AreEqual(4, failing.ExitCode);
        Assert.AreEqual("", failing.StdErr);
    }

    [GeneratedRegex(@"kept in (\S+) ")]
    private static partial Regex KeptIn();
}
