namespace Containerize.Core.Diagnostics;

/// <summary>Where warnings and progress go: the console for the CLI, the MSBuild log for tasks.</summary>
public interface IDiagnosticSink
{
    void Report(Diagnostic diagnostic);

    void Info(string message);

    /// <summary>Detail that only a verbose log shows (retries, cache decisions).</summary>
    void Detail(string message);
}

/// <summary>Collects diagnostics in memory: for tests and for callers that print them later.</summary>
public sealed class CollectingSink : IDiagnosticSink
{
    private readonly List<Diagnostic> _diagnostics = [];
    private readonly List<string> _messages = [];

    public IReadOnlyList<Diagnostic> Diagnostics => _diagnostics;

    public IReadOnlyList<string> Messages => _messages;

    public void Report(Diagnostic diagnostic)
    {
        lock (_diagnostics) _diagnostics.Add(diagnostic);
    }

    public void Info(string message)
    {
        lock (_messages) _messages.Add(message);
    }

    public void Detail(string message)
    {
        lock (_messages) _messages.Add(message);
    }
}

/// <summary>Writes to text writers: the CLI's stderr for diagnostics, stdout for progress.</summary>
public sealed class TextWriterSink(TextWriter output, TextWriter errors, bool verbose = false) : IDiagnosticSink
{
    public void Report(Diagnostic diagnostic) => errors.WriteLine(diagnostic.ToDisplayString());

    public void Info(string message) => output.WriteLine(message);

    public void Detail(string message)
    {
        if (verbose) output.WriteLine(message);
    }
}
