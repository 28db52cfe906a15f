using Containerize.Core.Diagnostics;

namespace Containerize.Core.Building.Output;

/// <summary>
/// One stage's view of the build log. When stages run concurrently each line carries the stage's name
/// (<c>[build] Step 3/9 : RUN ...</c>) and lines are written whole, one at a time, so the log stays readable.
/// </summary>
public sealed class StageSink(IDiagnosticSink inner, string? prefix, object gate) : IDiagnosticSink
{
    public void Report(Diagnostic diagnostic)
    {
        lock (gate) inner.Report(diagnostic);
    }

    public void Info(string message)
    {
        lock (gate) inner.Info(prefix is null || message.Length == 0 ? message : prefix + message);
    }

    public void Detail(string message)
    {
        lock (gate) inner.Detail(prefix is null ? message : prefix + message);
    }
}
