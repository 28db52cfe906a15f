using Containerize.Core.Diagnostics;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

namespace Containerize.Tasks;

/// <summary>
/// The base of every Containerize task: it runs the Core operation with the build's cancellation token and turns a
/// coded <see cref="ContainerizeException"/> into an MSBuild error with its code, file, line and hint: never a stack trace.
/// </summary>
public abstract class ContainerizeTask : Microsoft.Build.Utilities.Task, ICancelableTask
{
    private readonly CancellationTokenSource _cancellation = new();

    public void Cancel() => _cancellation.Cancel();

    public sealed override bool Execute()
    {
        var sink = new MSBuildSink(Log);
        PhaseTimer.Reset();
        PhaseTimer.Mark(GetType().Name + " start");
        try
        {
            ExecuteAsync(sink, _cancellation.Token).GetAwaiter().GetResult();
        }
        catch (ContainerizeException e)
        {
            sink.Report(e.Diagnostic);
        }
        catch (OperationCanceledException) when (_cancellation.IsCancellationRequested)
        {
            Log.LogWarning(null, GeneralErrors.Cancelled, null, null, 0, 0, 0, 0, "cancelled");
        }

        finally
        {
            ReportTimings();
        }

        return !Log.HasLoggedErrors;
    }

    // CONTAINERIZE_TIMINGS=1: where the task spent its time, as the CLI prints it, in the build log.
    private void ReportTimings()
    {
        if (!PhaseTimer.IsEnabled) return;
        PhaseTimer.Mark(GetType().Name + " end");
        using var text = new StringWriter();
        PhaseTimer.Report(text);
        foreach (var line in text.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries)) Log.LogMessage(MessageImportance.High, line);
    }

    protected abstract System.Threading.Tasks.Task ExecuteAsync(IDiagnosticSink sink, CancellationToken cancellationToken);
}
