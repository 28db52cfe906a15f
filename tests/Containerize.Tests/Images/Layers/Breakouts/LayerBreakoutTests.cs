using System.Reflection;
using System.Runtime.Versioning;

namespace Containerize.Tests.Images.Layers.Breakouts;

/// <summary>
/// Hostile layers as data (README.md in this folder): containerd's TestBreakouts re-expressed in breakouts.json,
/// and our own cases in containerize-cases.json. Each case is applied to a fresh root beside canaries; besides its
/// own checks, every case must leave everything outside the root as it was, the root a folder, and the host paths
/// the layers name untouched.
/// </summary>
[TestClass]
[SupportedOSPlatform("linux")]
public sealed class LayerBreakoutTests
{
    private static readonly Lazy<IReadOnlyList<BreakoutCase>> Containerd = new(() => BreakoutData.Load("breakouts.json"));
    private static readonly Lazy<IReadOnlyList<BreakoutCase>> Ours = new(() => BreakoutData.Load("containerize-cases.json"));

    public static IEnumerable<object[]> ContainerdCases => Containerd.Value.Select(c => new object[] { c.Name });

    public static IEnumerable<object[]> OurCases => Ours.Value.Select(c => new object[] { c.Name });

    public static string CaseName(MethodInfo method, object?[]? data) => $"{method.Name} ({data?[0]})";

    [TestMethod]
    [DynamicData(nameof(ContainerdCases), DynamicDataDisplayName = nameof(CaseName))]
    public Task Layers_breakout_containerd(string name) => RunAsync(Containerd.Value.Single(c => c.Name == name));

    [TestMethod]
    [DynamicData(nameof(OurCases), DynamicDataDisplayName = nameof(CaseName))]
    public Task Layers_breakout_ours(string name) => RunAsync(Ours.Value.Single(c => c.Name == name));

    /// <summary>
    /// The same cases through the descriptor walk that stands in for openat2 on kernels before 5.6 and in sandboxes
    /// that filter it: both resolutions must give the same, contained, result.
    /// </summary>
    [TestMethod]
    public async Task Layers_breakout_every_case_through_the_walk_without_openat2()
    {
        var failures = new List<string>();
        var walksBefore = Core.Os.InRootTree.Walks;
        Core.Os.InRootTree.DisableOpenat2 = true;
        try
        {
            foreach (var c in Containerd.Value.Concat(Ours.Value))
            {
                try
                {
                    await RunAsync(c);
                }
                catch (AssertFailedException e)
                {
                    failures.Add(e.Message);
                }
            }
        }
        finally
        {
            Core.Os.InRootTree.DisableOpenat2 = false;
        }

        Assert.IsEmpty(failures, string.Join("\n", failures));
        Assert.IsGreaterThanOrEqualTo(44, Core.Os.InRootTree.Walks - walksBefore, "the cases resolved their folders through the walk");
    }

    /// <summary>This kernel (5.6 or later) resolves in the root itself: the fast path is the one the other tests exercise.</summary>
    [TestMethod]
    public async Task Layers_breakout_the_kernel_resolves_in_the_root_where_it_can()
    {
        if (Environment.OSVersion.Version < new Version(5, 6)) Assert.Inconclusive("openat2 came with Linux 5.6");
        await RunAsync(Containerd.Value[0]);
        Assert.IsTrue(Core.Os.InRootTree.KernelResolvesInRoot, "openat2(RESOLVE_IN_ROOT) was not used on a kernel that has it");
    }

    private static async Task RunAsync(BreakoutCase c)
    {
        using var sandbox = Sandbox.Create();
        var unique = Path.GetFileName(sandbox.Top);
        string Expand(string s) => s.Replace("{sandbox}", sandbox.Folder, StringComparison.Ordinal).Replace("{unique}", unique, StringComparison.Ordinal);

        BaseTree.Make(sandbox.Root, c.Base, Expand);
        var entries = c.Layers.SelectMany(l => l).ToList();
        var host = HostWatch.Of(entries.Select(e => Expand(e.Name)), entries.Where(e => e.Target is not null).Select(e => Expand(e.Target!)), sandbox.Top);
        sandbox.Seal();

        var outcome = await HostileApply.RunAsync(sandbox.Root, c.Layers.Select(l => BreakoutTar.Build(l, Expand)));

        var failures = new List<string>();
        var mayFail = c.Error == "any";
        if (outcome.Unexpected is not null) failures.Add("the applier threw an uncoded exception: " + outcome.Unexpected);
        else if (c.Error is { } code && !mayFail && outcome.Coded?.Code != code) failures.Add($"expected {code}, got: {outcome}");
        else if (c.Error is null && !outcome.Succeeded) failures.Add("expected success, got: " + outcome);

        // Outside the root first: a breakout is the worst failure, and the in-root checks assume the root is a folder.
        var outside = sandbox.Changes();
        failures.AddRange(outside);
        failures.AddRange(host.Changes());
        if ((c.Error is null || mayFail) && outcome.Succeeded && !outside.Any(l => l.StartsWith("the root", StringComparison.Ordinal)))
        {
            failures.AddRange(BreakoutChecks.Run(sandbox.Root, c.Checks, Expand));
        }
        else
        {
            // A check on the host still runs: it is about the host, not the root.
            failures.AddRange(BreakoutChecks.Run(sandbox.Root, c.Checks.Where(k => k.Kind.StartsWith("host", StringComparison.Ordinal)), Expand));
        }

        if (failures.Count > 0)
        {
            Assert.Fail($"{c.Name}: {c.Why}\n  layers: {string.Join(" | ", c.Layers.Select(l => string.Join(", ", l)))}\n  outcome: {outcome}\n  - " + string.Join("\n  - ", failures));
        }
    }
}
