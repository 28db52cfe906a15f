using System.Text;
using System.Text.RegularExpressions;
using Containerize.Core.Diagnostics;

namespace Containerize.Core.Context;

/// <summary>How a pattern is matched, as moby/patternmatcher classifies it: plain comparisons where possible.</summary>
public enum PatternKind
{
    /// <summary>No wildcard: the path must equal the pattern.</summary>
    Exact,

    /// <summary><c>dir/**</c>: the path must start with what precedes the <c>**</c>.</summary>
    Prefix,

    /// <summary><c>**/name</c>: the path must end with what follows the <c>**</c> (or be it, without the slash).</summary>
    Suffix,

    /// <summary>Anything else: a regular expression.</summary>
    Regex,
}

/// <summary>
/// One cleaned .dockerignore pattern. Construction never fails (as upstream, a pattern that cannot compile fails
/// each match instead), so a matcher over a broken list can still be created and reports the line when used.
/// </summary>
public sealed class IgnorePattern
{
    private readonly Regex? _regex;
    private readonly GlobProgram? _program;
    private readonly string? _compileError;

    internal IgnorePattern(string cleaned, bool exclusion, int line, string? file)
    {
        Cleaned = cleaned;
        Exclusion = exclusion;
        Line = line;
        File = file;
        (Kind, GoRegex, var dotnet) = Compile(cleaned, '/');
        if (Kind == PatternKind.Regex && GlobProgram.TryCreate(cleaned) is { } program)
        {
            _program = program;
        }
        else if (Kind == PatternKind.Regex)
        {
            try
            {
                _regex = new Regex(dotnet!, RegexOptions.CultureInvariant);
            }
            catch (ArgumentException e)
            {
                _compileError = e.Message;
            }
        }
    }

    /// <summary>The pattern after cleaning, without its <c>!</c>.</summary>
    public string Cleaned { get; }

    /// <summary>True for a <c>!</c> exception, which re-includes what earlier patterns excluded.</summary>
    public bool Exclusion { get; }

    /// <summary>The 1-based line in the ignore file, or the 1-based position in a list given directly.</summary>
    public int Line { get; }

    public string? File { get; }

    public PatternKind Kind { get; }

    /// <summary>The regular expression upstream (Go) builds for this pattern, or null when none is needed.</summary>
    public string? GoRegex { get; }

    /// <summary>The pattern as it applies: <c>!</c> and the cleaned text.</summary>
    public string Text => Exclusion ? "!" + Cleaned : Cleaned;

    public override string ToString() => Text;

    /// <summary>Whether the slash-separated path matches this pattern alone (no parent matching).</summary>
    public bool Match(string path)
    {
        switch (Kind)
        {
            case PatternKind.Exact:
                return string.Equals(path, Cleaned, StringComparison.Ordinal);
            case PatternKind.Prefix:
                return path.StartsWith(Cleaned.AsSpan(0, Cleaned.Length - 2), StringComparison.Ordinal);
            case PatternKind.Suffix:
                var suffix = Cleaned.AsSpan(2);
                if (path.AsSpan().EndsWith(suffix, StringComparison.Ordinal)) return true;
                return suffix.Length > 0 && suffix[0] == '/' && path.AsSpan().SequenceEqual(suffix[1..]);
            default:
                if (_program is not null) return _program.IsMatch(path);
                if (_regex is null)
                {
                    throw new ContainerizeException(ContextErrors.InvalidPattern, $"invalid pattern '{Text}': {_compileError}", File, Line,
                        "fix or remove the pattern; character ranges must be in order, e.g. [a-z]");
                }

                return _regex.IsMatch(path);
        }
    }

    /// <summary>
    /// Classifies the pattern and builds its expression the way upstream does, for separator <paramref name="sep"/>
    /// ('/' here, '\' to compare with the Windows form). Returns the Go expression and the .NET one, which differ
    /// only where the engines do: '$' also matches before a final newline in .NET, and '?' must take a whole
    /// surrogate pair (atomically, never half of one) since Go matches runes.
    /// </summary>
    internal static (PatternKind Kind, string? GoRegex, string? DotNetRegex) Compile(string pattern, char sep)
    {
        var go = new StringBuilder("^");
        var net = new StringBuilder("^");
        var kind = PatternKind.Exact;
        var escSep = sep == '\\' ? @"\\" : sep.ToString();
        var runes = pattern.EnumerateRunes().ToArray();
        for (int pos = 0, i = 0; pos < runes.Length; i++)
        {
            var ch = runes[pos++];
            var next = pos < runes.Length ? runes[pos].Value : -1;
            if (ch.Value == '*')
            {
                if (next == '*')
                {
                    pos++;
                    if (pos < runes.Length && runes[pos].Value == sep) pos++;
                    if (pos >= runes.Length)
                    {
                        if (kind == PatternKind.Exact)
                        {
                            kind = PatternKind.Prefix;
                        }
                        else
                        {
                            Both(".*");
                            kind = PatternKind.Regex;
                        }
                    }
                    else
                    {
                        Both("(.*" + escSep + ")?");
                        kind = PatternKind.Regex;
                    }

                    if (i == 0) kind = PatternKind.Suffix;
                }
                else
                {
                    Both("[^" + escSep + "]*");
                    kind = PatternKind.Regex;
                }
            }
            else if (ch.Value == '?')
            {
                go.Append("[^" + escSep + "]");
                net.Append(@"(?>[\uD800-\uDBFF][\uDC00-\uDFFF]|[^" + escSep + "])");
                kind = PatternKind.Regex;
            }
            else if (ch.Value is '.' or '+' or '(' or ')' or '|' or '{' or '}' or '$')
            {
                Both("\\" + (char)ch.Value);
            }
            else if (ch.Value == '\\')
            {
                if (sep == '\\')
                {
                    Both(escSep);
                    continue;
                }

                if (pos < runes.Length)
                {
                    Both("\\" + runes[pos++]);
                    kind = PatternKind.Regex;
                }
                else
                {
                    Both("\\");
                }
            }
            else if (ch.Value is '[' or ']')
            {
                Both(((char)ch.Value).ToString());
                kind = PatternKind.Regex;
            }
            else
            {
                Both(ch.ToString());
            }
        }

        if (kind != PatternKind.Regex) return (kind, null, null);
        go.Append('$');
        net.Append(@"\z");
        return (kind, go.ToString(), net.ToString());

        void Both(string s)
        {
            go.Append(s);
            net.Append(s);
        }
    }
}
