using Containerize.Core.Diagnostics;
using Microsoft.Build.Utilities;

namespace Containerize.Tasks;

/// <summary>Sends Core's diagnostics to the MSBuild log: coded errors and warnings keep their file, line and hint.</summary>
internal sealed class MSBuildSink(TaskLoggingHelper log) : IDiagnosticSink
{
    public void Report(Diagnostic diagnostic)
    {
        var message = diagnostic.Hint is null ? diagnostic.Message : $"{diagnostic.Message} (hint: {diagnostic.Hint})";
        var line = diagnostic.Line ?? 0;
        switch (diagnostic.Severity)
        {
            case Severity.Error:
                log.LogError(null, diagnostic.Code, null, diagnostic.File, line, 0, 0, 0, message);
                break;
            case Severity.Warning:
                log.LogWarning(null, diagnostic.Code, null, diagnostic.File, line, 0, 0, 0, message);
                break;
            default:
                log.LogMessage(Microsoft.Build.Framework.MessageImportance.High, $"{diagnostic.Code}: {message}");
                break;
        }
    }

    public void Info(string message) => log.LogMessage(Microsoft.Build.Framework.MessageImportance.High, message);

    public void Detail(string message) => log.LogMessage(Microsoft.Build.Framework.MessageImportance.Low, message);
}
