using Containerize.Core.Os;
using System.Diagnostics;
using System.Runtime.Versioning;
using Containerize.Core.Images.Layers;
using Containerize.Tests.Infrastructure;

namespace Containerize.Tests.Images.Layers.Breakouts;

/// <summary>
/// Random stacks of hostile layers (RandomLayers) applied to a root beside canaries: whatever the layers hold,
/// nothing outside the root may change and the host paths they name stay as they were; the applier may refuse a
/// layer only with a coded error. CTZ_LAYER_PROPERTY_RUNS sets how many sequences run (default below, tuned to
/// stay well under a minute on two shared cores); CTZ_LAYER_PROPERTY_SEED replays from a seed;
/// CTZ_LAYER_PROPERTY_SURVEY=1 keeps going after a failure and reports one shrunk example of each kind of failure.
/// </summary>
[TestClass]
[SupportedOSPlatform("linux")]
public sealed class LayerPropertyTests
{
    private const int DefaultRuns = 4000;

    [TestMethod]
    public async Task Layers_property_random_layers_never_change_anything_outside_the_root()
    {
        var runs = int.TryParse(Environment.GetEnvironmentVariable("CTZ_LAYER_PROPERTY_RUNS"), out var r) ? r : DefaultRuns;
        var seed = int.TryParse(Environment.GetEnvironmentVariable("CTZ_LAYER_PROPERTY_SEED"), out var s) ? s : Random.Shared.Next(int.MaxValue / 2);
        Console.WriteLine($"layer property test: {runs} sequences from seed {seed} (replay: CTZ_LAYER_PROPERTY_SEED={seed} CTZ_LAYER_PROPERTY_RUNS={runs})");

        // The layers point symlinks at /a, /b and /c; an applier that follows one on the host (today's opaque purge
        // does, see the README) would empty it. Only run where nothing is there.
        if (RandomLayers.HostNames.FirstOrDefault(n => LibC.LStat(n) is not null) is { } present)
        {
            Requirements.Missing($"the host has {present}, which the random layers' absolute symlinks name");
        }

        await RequireContainedSymlinksAsync();

        var clock = Stopwatch.StartNew();
        var sandbox = Sandbox.Create("ctz-property");
        try
        {
            sandbox.Seal();
            long entries = 0;
            var succeeded = 0;
            var codes = new SortedDictionary<string, int>(StringComparer.Ordinal);
            var survey = Environment.GetEnvironmentVariable("CTZ_LAYER_PROPERTY_SURVEY") == "1";
            var kinds = new Dictionary<string, (int Count, string Example)>(StringComparer.Ordinal);
            for (var i = 0; i < runs; i++)
            {
                var sequence = RandomLayers.Generate(seed + i);
                var (outcome, violations) = await SequenceRunner.RunAsync(sandbox, sequence);
                if (violations.Count > 0)
                {
                    // The canaries may be gone: later sequences get a fresh sandbox.
                    sandbox.Dispose();
                    sandbox = Sandbox.Create("ctz-property");
                    sandbox.Seal();
                    var kind = SequenceRunner.KindOf(violations);
                    if (kinds.TryGetValue(kind, out var known))
                    {
                        kinds[kind] = (known.Count + 1, known.Example);
                        continue;
                    }

                    var (smallest, smallestViolations) = await SequenceRunner.ShrinkAsync(sequence, violations);
                    var report = $"sequence {i + 1} of {runs} broke a rule ({kind}; replay: CTZ_LAYER_PROPERTY_SEED={sequence.Seed} CTZ_LAYER_PROPERTY_RUNS=1)\n"
                        + $"{sequence}\n  outcome: {outcome}\n  - {string.Join("\n  - ", violations)}\n"
                        + $"smallest sequence that still fails:\n{smallest}\n  - {string.Join("\n  - ", smallestViolations)}";
                    if (!survey) Assert.Fail(report);
                    kinds[kind] = (1, report);
                    continue;
                }

                entries += outcome.EntriesApplied;
                if (outcome.Succeeded) succeeded++;
                else codes[outcome.Coded!.Code] = codes.GetValueOrDefault(outcome.Coded.Code) + 1;
            }

            Console.WriteLine($"{runs} sequences in {clock.Elapsed.TotalSeconds:F1} s: {succeeded} applied whole, {entries} entries applied; refused: "
                + string.Join(", ", codes.Select(kv => $"{kv.Key} x{kv.Value}")));
            if (kinds.Count > 0)
            {
                Assert.Fail($"{kinds.Values.Sum(k => k.Count)} of {runs} sequences broke a rule, {kinds.Count} kind(s):\n\n"
                    + string.Join("\n\n", kinds.Select(k => $"[{k.Key}] x{k.Value.Count}\n{k.Value.Example}")));
            }

            // A property test that applies nothing cannot fail (a tar the reader refuses, a sandbox that makes every
            // layer fail): enough sequences must go through whole. Against today's applier about a third do.
            Assert.IsGreaterThanOrEqualTo(runs / 10, succeeded, $"only {succeeded} of {runs} sequences were applied whole");
            Assert.IsGreaterThanOrEqualTo((long)runs, entries, $"only {entries} entries were applied in {runs} sequences");
        }
        finally
        {
            sandbox.Dispose();
        }
    }

    /// <summary>
    /// The random layers hold symlinks to the sandbox's canaries and to '/a'-like paths: only worth running (and
    /// only safe) against an applier that resolves symlinks inside the root. Three probes show it first.
    /// </summary>
    private static async Task RequireContainedSymlinksAsync()
    {
        BreakoutEntry[][] probes =
        [
            [new() { Type = "symlink", Name = "a", Target = "{sandbox}/outside" }, new() { Type = "file", Name = "a/probe", Text = "x" }],
            [new() { Type = "symlink", Name = "a", Target = "../../.." }, new() { Type = "dir", Name = "a/probe" }],
            [new() { Type = "symlink", Name = "a", Target = "{sandbox}/outside" }, new() { Type = "whiteout", Name = "a/.wh.victim" }],
        ];
        foreach (var probe in probes)
        {
            using var sandbox = Sandbox.Create("ctz-probe");
            sandbox.Seal();
            var (outcome, violations) = await SequenceRunner.RunAsync(sandbox, new LayerSequence(0, [probe]));
            if (violations.Count > 0)
            {
                Assert.Fail($"safety probe failed, random layers not run: {string.Join(", ", probe.AsEnumerable())}\n  outcome: {outcome}\n  - {string.Join("\n  - ", violations)}");
            }
        }
    }
}
