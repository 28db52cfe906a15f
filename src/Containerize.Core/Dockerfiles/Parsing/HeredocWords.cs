using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Containerize.Core.Diagnostics;

namespace Containerize.Core.Dockerfiles.Parsing;

/// <summary>
/// Finds heredoc words in an instruction line. BuildKit splits the line with its shell lexer (raw quotes, raw escapes,
/// unset variables left as written, no environment) and matches each word against <c>^(\d*)&lt;&lt;(-?)\s*([^&lt;]*)$</c>.
/// With an empty environment the lexer reduces to quote and escape handling plus the <c>&lt;&lt;</c> rule (blanks after
/// <c>&lt;&lt;</c> stay in the word), which is what this small scanner does; the parser must not depend on the full lexer.
/// </summary>
public static partial class HeredocWords
{
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

    /// <summary>Shell-like word splitting with an empty environment; throws FormatException on an unterminated quote.</summary>
    internal static List<string> SplitWords(string text, bool rawQuotes, bool rawEscapes, char escape = '\\')
    {
        var words = new List<string>();
        var buf = new StringBuilder();
        var inWord = false;
        var i = 0;

        void AddChar(char c)
        {
            if (char.IsWhiteSpace(c))
            {
                if (inWord && buf.Length != 0)
                {
                    words.Add(buf.ToString());
                    buf.Clear();
                    inWord = false;
                }
            }
            else
            {
                buf.Append(c);
                inWord = true;
            }
        }

        void AddRaw(string s)
        {
            buf.Append(s);
            inWord = true;
        }

        while (i < text.Length)
        {
            var ch = text[i];
            if (ch == '$')
            {
                foreach (var c in ReadDollar(text, ref i)) AddChar(c);
            }
            else if (ch == '<')
            {
                i++;
                if (i < text.Length && text[i] == '<')
                {
                    i++;
                    var start = i;
                    while (i < text.Length && text[i] is ' ' or '\t') i++;
                    AddRaw("<<" + text[start..i]);
                }
                else
                {
                    AddRaw("<");
                }
            }
            else if (ch == '\'')
            {
                var end = text.IndexOf('\'', i + 1);
                if (end < 0) throw new FormatException("unexpected end of statement while looking for matching single-quote");
                AddRaw(rawQuotes ? text[i..(end + 1)] : text[(i + 1)..end]);
                i = end + 1;
            }
            else if (ch == '"')
            {
                AddRaw(ReadDoubleQuoted(text, ref i, rawQuotes, rawEscapes, escape));
            }
            else if (ch == escape)
            {
                if (rawEscapes)
                {
                    buf.Append(ch);
                    inWord = true;
                }

                i++;
                if (i >= text.Length) break;
                buf.Append(text[i]);
                inWord = true;
                i++;
            }
            else
            {
                AddChar(ch);
                i++;
            }
        }

        if (buf.Length > 0) words.Add(buf.ToString());
        return words;
    }

    private static string ReadDoubleQuoted(string text, ref int i, bool rawQuotes, bool rawEscapes, char escape)
    {
        var sb = new StringBuilder();
        if (rawQuotes) sb.Append('"');
        i++;
        while (true)
        {
            if (i >= text.Length) throw new FormatException("unexpected end of statement while looking for matching double-quote");
            var ch = text[i];
            if (ch == '"')
            {
                i++;
                if (rawQuotes) sb.Append('"');
                return sb.ToString();
            }

            if (ch == '$')
            {
                sb.Append(ReadDollar(text, ref i));
                continue;
            }

            i++;
            if (ch == escape)
            {
                if (rawEscapes) sb.Append(ch);
                if (i >= text.Length) continue;
                if (text[i] == '"' || text[i] == '$' || text[i] == escape)
                {
                    ch = text[i++];
                }
            }

            sb.Append(ch);
        }
    }

    /// <summary>With no variable set and unset ones kept, a variable reference stays as written.</summary>
    private static string ReadDollar(string text, ref int i)
    {
        var start = i;
        i++;
        if (i < text.Length && text[i] == '{')
        {
            var depth = 0;
            for (; i < text.Length; i++)
            {
                if (text[i] == '{') depth++;
                else if (text[i] == '}' && --depth == 0)
                {
                    i++;
                    return text[start..i];
                }
            }

            throw new FormatException("syntax error: missing '}'");
        }

        if (i < text.Length && char.IsAsciiDigit(text[i]))
        {
            while (i < text.Length && char.IsAsciiDigit(text[i])) i++;
        }
        else if (i < text.Length && "@*#?-$!0".Contains(text[i]))
        {
            i++;
        }
        else
        {
            while (i < text.Length && (char.IsLetterOrDigit(text[i]) || text[i] == '_')) i++;
        }

        return text[start..i];
    }

    [GeneratedRegex(@"^([0-9]*)<<(-?)[\t\n\f\r ]*([^<]*)\z")]
    private static partial Regex HeredocRegex();

    [GeneratedRegex(@"(?m)^\t+")]
    private static partial Regex LeadingTabs();
}
