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

    static ContainerizeTask() => RuntimeAssets.Register();

    public void Cancel() => _cancellation.Cancel();

    public sealed override bool Execute()
    {
        var sink = new MSBuildSink(Log);
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

        return !Log.HasLoggedErrors;
    }

    protected abstract System.Threading.Tasks.Task ExecuteAsync(IDiagnosticSink sink, CancellationToken cancellationToken);
}
