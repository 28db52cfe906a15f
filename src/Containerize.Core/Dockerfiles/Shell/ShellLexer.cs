using System.Collections.ObjectModel;
using System.Globalization;
using System.Text;
using Containerize.Core.Diagnostics;

namespace Containerize.Core.Dockerfiles.Shell;

/// <summary>
/// Expands a Dockerfile word the way BuildKit's shell lexer does (<c>frontend/dockerfile/shell/lex.go</c>):
/// quotes, escapes, <c>$V</c> and <c>${V...}</c> substitutions with their modifiers and patterns.
/// It is not a shell: no command substitution, arithmetic, globbing or tilde expansion.
/// Immutable; one instance may serve many threads.
/// </summary>
/// <param name="escapeToken">The Dockerfile's escape character: <c>\</c>, or <c>`</c> after <c># escape=`</c>.</param>
public sealed class ShellLexer(char escapeToken = '\\')
{
    /// <summary>How deeply <c>${...}</c> may nest before the lexer refuses, instead of exhausting the stack.</summary>
    public const int MaxNesting = 200;

    public char EscapeToken { get; } = escapeToken;

    /// <summary>Keep quote characters in the output (they still group and protect their content).</summary>
    public bool RawQuotes { get; init; }

    /// <summary>Keep escape characters in the output (they still protect the next character).</summary>
    public bool RawEscapes { get; init; }

    /// <summary>Leave a reference to an unset variable as written (<c>$UNSET</c>, <c>${UNSET:-x}</c>) instead of expanding it.</summary>
    public bool SkipUnsetEnv { get; init; }

    /// <summary>Treat <c>'</c> and <c>"</c> as ordinary characters.</summary>
    public bool SkipProcessQuotes { get; init; }

    /// <summary>Expands <paramref name="word"/> into one string; white space is kept. Throws a coded <see cref="ContainerizeException"/> on a syntax error.</summary>
    public ProcessWordResult ProcessWord(string word, IReadOnlyDictionary<string, string> env)
    {
        var processor = Run(word, env, out var expanded);
        return new ProcessWordResult(expanded.Result, ReadOnly(processor.Matched), ReadOnly(processor.Unmatched));
    }

    /// <summary>
    /// Expands <paramref name="word"/> and splits it into words after substitution: white space in plain text
    /// or in an unquoted variable's value separates words, quoted or escaped white space does not.
    /// </summary>
    public ProcessWordsResult ProcessWords(string word, IReadOnlyDictionary<string, string> env)
    {
        var processor = Run(word, env, out var expanded);
        return new ProcessWordsResult(expanded.Words.AsReadOnly(), ReadOnly(processor.Matched), ReadOnly(processor.Unmatched));
    }

    private ShellWordProcessor Run(string word, IReadOnlyDictionary<string, string> env, out (string Result, List<string> Words) expanded)
    {
        ArgumentNullException.ThrowIfNull(word);
        ArgumentNullException.ThrowIfNull(env);
        var processor = new ShellWordProcessor(this, word, env);
        try
        {
            expanded = processor.Process();
            return processor;
        }
        catch (ShellExpansionException e)
        {
            throw new ContainerizeException(e.Code, $"failed to process {Quote(word)}: {e.Message}", hint: ShellLexerErrors.HintFor(e.Code));
        }
    }

    private static ReadOnlySet<string> ReadOnly(HashSet<string> set) => new(set);

    /// <summary>
    /// The word as Go's <c>%q</c> shows it in BuildKit's message: double-quoted, with <c>\"</c>, <c>\\</c>, the
    /// C escapes, and <c>\x</c> / <c>\u</c> / <c>\U</c> for other characters that are not printable.
    /// </summary>
    private static string Quote(string text)
    {
        var sb = new StringBuilder(text.Length + 2).Append('"');
        foreach (var rune in text.EnumerateRunes())
        {
            var v = rune.Value;
            switch (v)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\a': sb.Append("\\a"); break;
                case '\b': sb.Append("\\b"); break;
                case '\f': sb.Append("\\f"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                case '\v': sb.Append("\\v"); break;
                default:
                    if (v == ' ' || IsPrintable(rune)) RuneScanner.Append(sb, v);
                    else if (v < 0x80) sb.Append($"\\x{v:x2}");
                    else if (v < 0x10000) sb.Append($"\\u{v:x4}");
                    else sb.Append($"\\U{v:x8}");
                    break;
            }
        }

        return sb.Append('"').ToString();
    }

    /// <summary>Go's <c>strconv.IsPrint</c>: letters, marks, numbers, punctuation and symbols.</summary>
    private static bool IsPrintable(Rune rune) => Rune.GetUnicodeCategory(rune) switch
    {
        UnicodeCategory.SpaceSeparator or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator
            or UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.Surrogate
            or UnicodeCategory.PrivateUse or UnicodeCategory.OtherNotAssigned => false,
        _ => true,
    };
}
