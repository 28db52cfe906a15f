using System.Reflection;
using System.Runtime.Versioning;
using Containerize.Tests.Images.Layers.Breakouts;

namespace Containerize.Tests.Building.Hostile;

/// <summary>
/// Issue #17, end to end: hostile images (hostile-images.json) used by the engine the ways a user would: FROM with
/// a RUN (overlay snapshots as root, the copy rootfs rootless), COPY --from (the full and the scoped extraction) and
/// containerize run. Whatever the case, nothing beside the workspace may change (<see cref="HostileImageLab"/>);
/// an image the engine accepts must hold the hostile entries inside it, where containerd puts them (umoci reads the
/// result); an image it refuses must be refused with the case's code, naming the layer and the entry, without a
/// stack trace.
/// </summary>
[TestClass]
[SupportedOSPlatform("linux")]
public sealed class HostileImageTests
{
    public static IEnumerable<object[]> Cases => HostileImageData.Cases.Select(c => new object[] { c.Name });

    public static string CaseName(MethodInfo method, object?[]? data) => $"{method.Name} ({data?[0]})";

    [TestMethod]
    [DynamicData(nameof(Cases), DynamicDataDisplayName = nameof(CaseName))]
    public Task Hostile_build_with_RUN_as_root(string name) => BuildWithRunAsync(name, rootless: false);

    [TestMethod]
    [DynamicData(nameof(Cases), DynamicDataDisplayName = nameof(CaseName))]
    public Task Hostile_build_with_RUN_rootless(string name) => BuildWithRunAsync(name, rootless: true);

    [TestMethod]
    [DynamicData(nameof(Cases), DynamicDataDisplayName = nameof(CaseName))]
    public Task Hostile_run_as_root(string name) => RunAsync(name, rootless: false);

    [TestMethod]
    [DynamicData(nameof(Cases), DynamicDataDisplayName = nameof(CaseName))]
    public Task Hostile_run_rootless(string name) => RunAsync(name, rootless: true);

    /// <summary>
    /// COPY --from of the whole image (the full extraction) and of /tmp, where every canary path lies (the scoped
    /// extraction, which must give the same tree or fall back to the full one).
    /// </summary>
    [TestMethod]
    [DynamicData(nameof(Cases), DynamicDataDisplayName = nameof(CaseName))]
    public async Task Hostile_COPY_from_as_root(string name)
    {
        using var lab = await HostileImageLab.CreateAsync(HostileImageData.Get(name), rootless: false);
        var outcome = await lab.BuildAsync($"""
            FROM {lab.Image} AS hostile
            FROM scratch
            COPY --from=hostile / /
            COPY --from=hostile /tmp /scoped-tmp
            """);

        var failures = lab.HostChanges();
        if (lab.Case.Error is not null)
        {
            failures.AddRange(HostileOutcome.RefusedAsExpected(lab, outcome));
        }
        else if (outcome.ExitCode != 0)
        {
            failures.Add("the build failed: " + outcome);
        }
        else
        {
            var rootfs = await lab.UnpackOutputAsync();
            failures.AddRange(BreakoutChecks.Run(rootfs, lab.Case.Checks, lab.Expand));
            failures.AddRange(HostileOutcome.SameTree(Path.Combine(rootfs, "tmp"), Path.Combine(rootfs, "scoped-tmp")));
        }

        HostileOutcome.AssertNone(lab, failures);
    }

    /// <summary>A RUN reads and writes through the hostile links; umoci's unpack of the result shows what it saw and wrote.</summary>
    private static async Task BuildWithRunAsync(string name, bool rootless)
    {
        using var lab = await HostileImageLab.CreateAsync(HostileImageData.Get(name), rootless);
        var c = lab.Case;
        var outcome = await lab.BuildAsync($"""
            FROM {lab.Image}
            RUN cat {c.Read ?? "/etc/passwd"} > /seen && echo written > {c.Write ?? "/written"}
            """);

        var failures = lab.HostChanges();
        if (c.Error is not null)
        {
            failures.AddRange(HostileOutcome.RefusedAsExpected(lab, outcome));
        }
        else if (outcome.ExitCode != 0)
        {
            failures.Add("the build failed: " + outcome);
        }
        else
        {
            var rootfs = await lab.UnpackOutputAsync();
            failures.AddRange(BreakoutChecks.Run(rootfs,
            [
                new BreakoutCheck { Kind = "content", Path = "/seen", Text = c.Text },
                new BreakoutCheck { Kind = "content", Path = c.Write!, Text = "written\n" },
            ], lab.Expand));
        }

        HostileOutcome.AssertNone(lab, failures);
    }

    private static async Task RunAsync(string name, bool rootless)
    {
        using var lab = await HostileImageLab.CreateAsync(HostileImageData.Get(name), rootless);
        var c = lab.Case;
        var outcome = await lab.RunAsync($"cat {c.Read ?? "/etc/passwd"} && echo && echo written > {c.Write ?? "/written"} && cat {c.Write ?? "/written"}");

        var failures = lab.HostChanges();
        if (c.Error is not null)
        {
            failures.AddRange(HostileOutcome.RefusedAsExpected(lab, outcome));
        }
        else if (outcome.ExitCode != 0 || outcome.StdOut.Replace("\r", "") != $"{c.Text}\nwritten\n")
        {
            failures.Add($"the container did not read '{c.Text}' and write through the links: " + outcome);
        }

        HostileOutcome.AssertNone(lab, failures);
    }
}
