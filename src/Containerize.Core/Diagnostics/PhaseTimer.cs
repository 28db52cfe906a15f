using System.Diagnostics;
using System.Globalization;

namespace Containerize.Core.Diagnostics;

/// <summary>
/// Where a short command spends its time, start-up included: with <c>CONTAINERIZE_TIMINGS=1</c> the CLI prints each
/// phase's milliseconds on stderr when it ends. Off, a mark costs one branch, so the marks stay in the fast paths.
/// </summary>
public static class PhaseTimer
{
    private static readonly bool Enabled = Environment.GetEnvironmentVariable("CONTAINERIZE_TIMINGS") is "1" or "true";
    private static readonly List<(string Phase, long At, double Jit)> Marks = [];
    private static long _first;

    public static bool IsEnabled => Enabled;

    public static void Mark(string phase)
    {
        if (!Enabled) return;
        lock (Marks)
        {
            var now = Stopwatch.GetTimestamp();
            if (Marks.Count == 0) _first = now;
            Marks.Add((phase, now, System.Runtime.JitInfo.GetCompilationTime().TotalMilliseconds));
        }
    }

    /// <summary>Forgets the marks: an MSBuild node runs many tasks in one process.</summary>
    public static void Reset()
    {
        if (!Enabled) return;
        lock (Marks) Marks.Clear();
    }

    /// <summary>Writes one line per phase: the time since the previous mark (the first: since the process started).</summary>
    public static void Report(TextWriter error)
    {
        if (!Enabled) return;
        lock (Marks)
        {
            if (Marks.Count == 0) return;
            // The process start is only known to the clock tick (10 ms); it still tells runtime start-up from our work.
            var startup = (DateTime.Now - Process.GetCurrentProcess().StartTime).TotalMilliseconds - Stopwatch.GetElapsedTime(_first).TotalMilliseconds;
            error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"timing {"process start to first mark",-34} {startup,8:F1} ms"));
            var previous = _first;
            var previousJit = Marks[0].Jit;
            foreach (var (phase, at, jit) in Marks.Skip(1))
            {
                error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"timing {phase,-34} {Stopwatch.GetElapsedTime(previous, at).TotalMilliseconds,8:F1} ms (JIT {jit - previousJit:F1} ms)"));
                previous = at;
                previousJit = jit;
            }

            error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"timing {"total after the first mark",-34} {Stopwatch.GetElapsedTime(_first, previous).TotalMilliseconds,8:F1} ms"));
            // Methods the JIT compiled in this process so far: ReadyToRun code and start-up cost show here.
            error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"timing {"JIT so far (process)",-34} {System.Runtime.JitInfo.GetCompilationTime().TotalMilliseconds,8:F1} ms, {System.Runtime.JitInfo.GetCompiledMethodCount()} methods"));
        }
    }
}
