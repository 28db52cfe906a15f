using Containerize.Core.Diagnostics;

namespace Containerize.Core.Publishing;

/// <summary>The engine's step-by-step log as detail: `dotnet publish` shows the one-line summary, `-v:d` the steps.</summary>
internal sealed class QuietSink(IDiagnosticSink inner) : IDiagnosticSink
{
    public void Report(Diagnostic diagnostic) => inner.Report(diagnostic);

    public void Info(string message) => inner.Detail(message);

    public void Detail(string message) => inner.Detail(message);
}
