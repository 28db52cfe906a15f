using Containerize.Core.Diagnostics;

namespace Containerize.Core.Dockerfiles.Parsing;

/// <summary>A parser directive from the top of the file (<c># syntax=</c>, <c># escape=</c>, <c># check=</c>).</summary>
public sealed record ParserDirective(string Name, string Value, int Line);

/// <summary>A non-fatal finding of the parser, with the line BuildKit reports it on.</summary>
public sealed record ParseWarning(string Code, string Message, int Line, string? Detail = null, string? Url = null)
{
    public Diagnostic ToDiagnostic(string? file) => new(Code, Severity.Warning, Message, file, Line, Detail);
}

/// <summary>The parsed Dockerfile: the AST root, the warnings, the escape character in effect and the directives.</summary>
public sealed record ParseResult(
    SyntaxNode Root,
    IReadOnlyList<ParseWarning> Warnings,
    char EscapeToken,
    IReadOnlyList<ParserDirective> Directives,
    string? File)
{
    public IReadOnlyList<SyntaxNode> Instructions => Root.Children;

    /// <summary>BuildKit's <c>result</c> file format: the dump of the root plus a final newline.</summary>
    public string Dump() => Root.Dump() + "\n";
}
