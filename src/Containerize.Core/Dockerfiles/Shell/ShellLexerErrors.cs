namespace Containerize.Core.Dockerfiles.Shell;

/// <summary>
/// Codes of the shell-word lexer (CTZ1100-1149). The messages follow BuildKit's wording, because users
/// search for them; docs/errors.md lists each code with its hint.
/// </summary>
public static class ShellLexerErrors
{
    /// <summary>A single or double quote is not closed.</summary>
    public const string UnterminatedQuote = "CTZ1100";

    /// <summary><c>${</c> without its closing <c>}</c>.</summary>
    public const string MissingBrace = "CTZ1101";

    /// <summary><c>${VAR/pattern</c> without the <c>/</c> that ends the pattern.</summary>
    public const string MissingSlash = "CTZ1102";

    /// <summary><c>${}</c>, <c>${:...}</c>, <c>${{...}</c>.</summary>
    public const string BadSubstitution = "CTZ1103";

    /// <summary>A modifier BuildKit does not support, such as <c>${VAR:=x}</c> or <c>${VAR:#x}</c>.</summary>
    public const string UnsupportedModifier = "CTZ1104";

    /// <summary><c>${VAR?message}</c> or <c>${VAR:?message}</c> with VAR unset (or empty).</summary>
    public const string RequiredVariable = "CTZ1105";

    /// <summary>A <c>#</c>, <c>%</c> or <c>/</c> pattern with an escape other than <c>\*</c>, <c>\?</c>, <c>\\</c>, <c>\}</c>, <c>\/</c>.</summary>
    public const string InvalidPattern = "CTZ1106";

    /// <summary>Substitutions nested deeper than <see cref="ShellLexer.MaxNesting"/>.</summary>
    public const string NestingTooDeep = "CTZ1107";

    internal static string? HintFor(string code) => code switch
    {
        UnterminatedQuote => "close the quote, or escape the quote character with the escape character (\\ unless '# escape=' says otherwise)",
        MissingBrace => "close the substitution with '}'; a literal '}' inside it is written \\}",
        MissingSlash => "write ${VAR/pattern/replacement}; a literal '/' in the pattern is written \\/",
        BadSubstitution => "a substitution needs a variable name: ${NAME}, ${NAME:-default}",
        UnsupportedModifier => "supported: ${V:-x} ${V-x} ${V:+x} ${V+x} ${V:?msg} ${V?msg} ${V#p} ${V##p} ${V%p} ${V%%p} ${V/p/r} ${V//p/r}",
        RequiredVariable => "set the variable (ARG, ENV or --build-arg) or give the substitution a default",
        InvalidPattern => "in a pattern only \\*, \\?, \\\\, \\} and \\/ are escapes",
        NestingTooDeep => "split the expression over several ARG or ENV instructions",
        _ => null,
    };
}
