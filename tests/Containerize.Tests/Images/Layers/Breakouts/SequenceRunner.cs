using Containerize.Core.Os;
using System.Text.RegularExpressions;
using Containerize.Core.Images.Layers;

namespace Containerize.Tests.Images.Layers.Breakouts;

/// <summary>
/// Runs one generated sequence in a sandbox and lists the rules it broke; groups failures into kinds; shrinks a
/// failing sequence to a smaller one that still fails.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
internal static partial class SequenceRunner
{
    private const int MaxShrinkSteps = 300;

    /// <summary>A short name for what went wrong, to group failures: the exception and where it was thrown, or what changed.</summary>
    public static string KindOf(List<string> violations)
    {
        var first = violations[0];
        if (first.StartsWith("uncoded exception: ", StringComparison.Ordinal))
        {
            var type = first["uncoded exception: ".Length..].Split(':')[0];
            var frame = first.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.StartsWith("at Containerize.Core", StringComparison.Ordinal)) ?? "";
            return $"{type} {frame.Split(" in ")[0]}";
        }

        return violations.Any(v => v.StartsWith("host", StringComparison.Ordinal)) ? "host path changed"
            : violations.Any(v => v.StartsWith("the root", StringComparison.Ordinal)) ? "root replaced"
            : first.StartsWith("a whiteout", StringComparison.Ordinal) ? "whiteout left in the root"
            : first.StartsWith("an error without", StringComparison.Ordinal) ? "error without a CTZ code"
            : "outside the root changed";
    }

    /// <summary>One sequence on the emptied root: what happened, and every broken rule.</summary>
    public static async Task<(ApplyOutcome Outcome, List<string> Violations)> RunAsync(Sandbox sandbox, LayerSequence sequence)
    {
        sandbox.ClearRoot();
        string Expand(string text) => text.Replace("{sandbox}", sandbox.Folder, StringComparison.Ordinal);
        var all = sequence.Layers.SelectMany(l => l).ToList();
        var host = HostWatch.Of(all.Select(e => Expand(e.Name)), all.Where(e => e.Target is not null).Select(e => Expand(e.Target!)), sandbox.Top);

        var outcome = await HostileApply.RunAsync(sandbox.Root, sequence.Layers.Select(l => BreakoutTar.Build(l, Expand)));

        var violations = new List<string>();
        if (outcome.Unexpected is { } e) violations.Add($"uncoded exception: {e}");
        if (outcome.Coded is { } c && !CodePattern().IsMatch(c.Code)) violations.Add($"an error without a CTZ code: '{c.Code}' {c.Message}");
        violations.AddRange(sandbox.Changes());
        violations.AddRange(host.Changes());
        if (outcome.Succeeded && LibC.LStat(sandbox.Root) is { Type: FileStatus.Directory })
        {
            violations.AddRange(WhiteoutsLeftIn(sandbox.Root).Select(p => "a whiteout reached the root: " + p));
        }

        return (outcome, violations);
    }

    /// <summary>
    /// Leaves out layers and entries while the sequence still fails the same way (same <see cref="KindOf"/>, so that
    /// the example does not drift to another defect), each try in a fresh sandbox.
    /// </summary>
    public static async Task<(LayerSequence, List<string>)> ShrinkAsync(LayerSequence failing, List<string> violations)
    {
        var kind = KindOf(violations);
        var steps = 0;
        var improved = true;
        while (improved && steps < MaxShrinkSteps)
        {
            improved = false;
            foreach (var candidate in RandomLayers.Smaller(failing))
            {
                if (++steps > MaxShrinkSteps) break;
                using var fresh = Sandbox.Create("ctz-shrink");
                fresh.Seal();
                var (_, found) = await RunAsync(fresh, candidate);
                if (found.Count == 0 || KindOf(found) != kind) continue;
                (failing, violations, improved) = (candidate, found, true);
                break;
            }
        }

        return (failing, violations);
    }

    private static IEnumerable<string> WhiteoutsLeftIn(string root) =>
        FolderWalk.Under(root).Where(p => Path.GetFileName(p).StartsWith(LayerPaths.WhiteoutPrefix, StringComparison.Ordinal)).Select(p => Path.GetRelativePath(root, p));

    [GeneratedRegex(@"^CTZ\d{4}$")]
    private static partial Regex CodePattern();
}
