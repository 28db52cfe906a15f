namespace Containerize.Core.Diagnostics;

public enum Severity
{
    Error,
    Warning,
    Info,
}

/// <summary>
/// One coded message. Every error the project reports has this shape, rendered as
/// <c>FILE:LINE: CTZnnnn message</c>, so that MSBuild, IDEs and CI logs can point at the line.
/// </summary>
public sealed record Diagnostic(
    string Code,
    Severity Severity,
    string Message,
    string? File = null,
    int? Line = null,
    string? Hint = null)
{
    public string Location => (File, Line) switch
    {
        (null, _) => "",
        (var f, null) => $"{f}: ",
        (var f, var l) => $"{f}:{l}: ",
    };

    /// <summary>The one-line form, without the hint.</summary>
    public override string ToString() =>
        Severity == Severity.Warning ? $"{Location}warning {Code}: {Message}" : $"{Location}{Code} {Message}";

    /// <summary>The line, and the hint on a second line where there is one.</summary>
    public string ToDisplayString() => Hint is null ? ToString() : $"{ToString()}{Environment.NewLine}  hint: {Hint}";
}
