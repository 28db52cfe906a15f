namespace Containerize.Core.Diagnostics;

/// <summary>
/// Bad input or a failed operation, carrying its coded diagnostic. Callers at the edge (CLI, MSBuild task)
/// print the diagnostic, never the stack trace.
/// </summary>
public sealed class ContainerizeException : Exception
{
    public ContainerizeException(Diagnostic diagnostic, Exception? inner = null)
        : base(diagnostic.ToString(), inner)
    {
        Diagnostic = diagnostic;
    }

    public ContainerizeException(string code, string message, string? file = null, int? line = null, string? hint = null, Exception? inner = null)
        : this(new Diagnostic(code, Severity.Error, message, file, line, hint), inner)
    {
    }

    public Diagnostic Diagnostic { get; }

    public string Code => Diagnostic.Code;
}
