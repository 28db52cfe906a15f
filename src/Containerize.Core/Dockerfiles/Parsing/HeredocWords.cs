using System.Globalization;
using System.Text.RegularExpressions;
using Containerize.Core.Diagnostics;
using Containerize.Core.Dockerfiles.Shell;

namespace Containerize.Core.Dockerfiles.Parsing;

/// <summary>
/// Finds heredoc words in an instruction line. As BuildKit, the line is split with the shell lexer (raw quotes, raw
/// escapes, unset variables left as written, no environment; blanks after <c>&lt;&lt;</c> stay in the word) and each
/// word is matched against <c>^(\d*)&lt;&lt;(-?)\s*([^&lt;]*)$</c>.
/// </summary>
public static partial class HeredocWords
{
    private static readonly Dictionary<string, string> Empty = [];

    /// <summary>The heredocs named in a line, in order. An unbalanced quote in the line means none (BuildKit ignores the lexer error).</summary>
    public static IReadOnlyList<Heredoc> FromLine(string line, string? file = null, int? lineNumber = null)
    {
        List<string> words;
        try
        {
            words = SplitWords(line, rawQuotes: true, rawEscapes: true);
        }
        catch (FormatException)
        {
            return [];
        }

        var docs = new List<Heredoc>();
        foreach (var word in words)
        {
            if (Parse(word, file, lineNumber) is { } doc) docs.Add(doc);
        }

        return docs;
    }

    /// <summary>BuildKit's ParseHeredoc: null when the word is no heredoc, an error when its quoting is broken.</summary>
    public static Heredoc? Parse(string word, string? file = null, int? lineNumber = null)
    {
        var m = HeredocRegex().Match(word);
        if (!m.Success) return null;
        var rest = m.Groups[3].Value;
        if (rest.Length == 0) return null;
        var fd = m.Groups[1].Value.Length == 0
            ? 0
            : int.TryParse(m.Groups[1].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : 0;
        var chomp = m.Groups[2].Value == "-";
        List<string> plain, raw;
        try
        {
            plain = SplitWords(rest, rawQuotes: false, rawEscapes: false);
            if (plain.Count != 1) return null;
            raw = SplitWords(rest, rawQuotes: true, rawEscapes: false);
        }
        catch (FormatException e)
        {
            throw new ContainerizeException(DockerfileErrors.InvalidHeredoc, $"invalid heredoc '{word}': {e.Message}", file, lineNumber,
                "close the quote in the heredoc terminator word, e.g. <<'EOF'");
        }

        if (raw.Count != 1)
        {
            throw new ContainerizeException(DockerfileErrors.InvalidHeredoc, $"internal lexing of heredoc produced inconsistent results: {rest}", file, lineNumber);
        }

        // Quotes removed by the lexer mean part of the word was quoted: the body is then taken literally.
        var expand = CountQuotes(plain[0]) == CountQuotes(raw[0]);
        return new Heredoc(plain[0], fd, expand, chomp);
    }

    /// <summary>Removes leading tabs from every line (the <c>&lt;&lt;-</c> form).</summary>
    public static string ChompContent(string content) => LeadingTabs().Replace(content, "");

    private static int CountQuotes(string s) => s.Count(c => c is '\'' or '"');

    /// <summary>BuildKit's lexer with no environment and unset variables left as written.</summary>
    private static List<string> SplitWords(string text, bool rawQuotes, bool rawEscapes)
    {
        var lexer = new ShellLexer('\\') { RawQuotes = rawQuotes, RawEscapes = rawEscapes, SkipUnsetEnv = true };
        try
        {
            return [.. lexer.ProcessWords(text, Empty).Words];
        }
        catch (ContainerizeException e)
        {
            throw new FormatException(e.Diagnostic.Message, e);
        }
    }

    [GeneratedRegex(@"^([0-9]*)<<(-?)[\t\n\f\r ]*([^<]*)\z")]
    private static partial Regex HeredocRegex();

    [GeneratedRegex(@"(?m)^\t+")]
    private static partial Regex LeadingTabs();
}
