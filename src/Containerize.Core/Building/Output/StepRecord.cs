using Containerize.Core.Diagnostics;

namespace Containerize.Core.Building.Output;

/// <summary>One line of the build summary: the step, whether the cache had it, why not, and how long it took.</summary>
public sealed record StepRecord(int Number, string Text, bool CacheHit, string? MissReason, TimeSpan Duration, string ImageId)
{
    /// <summary>The stage's display name (its AS name or stage-N).</summary>
    public string? Stage { get; init; }

    /// <summary>When the step began (wall clock): concurrent stages' steps overlap.</summary>
    public DateTimeOffset Started { get; init; }
}

/// <summary>The table printed after a build (the step times Docker's classic log lacks).</summary>
public static class BuildSummary
{
    public static void Write(IReadOnlyList<StepRecord> steps, IDiagnosticSink sink)
    {
        sink.Info("");
        sink.Info("STEP  TIME     CACHE  IMAGE         INSTRUCTION / WHY IT RAN");
        foreach (var s in steps)
        {
            var text = s.Text.Length > 60 ? s.Text[..57] + "..." : s.Text;
            var why = s.CacheHit || s.MissReason is null ? "" : $"  ({s.MissReason})";
            sink.Info($"{s.Number,4}  {s.Duration.TotalSeconds,6:0.00}s  {(s.CacheHit ? "hit " : "miss"),-5}  {s.ImageId,-12}  {text}{why}");
        }
    }
}
