using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Containerize.Core.Diagnostics;

namespace Containerize.Core.Dockerfiles.Parsing;

/// <summary>
/// Per-instruction argument rules of BuildKit's parser (line_parsers.go): which keywords take JSON, words, key=value
/// pairs or the verbatim text. The rules decide the AST and therefore the dump.
/// </summary>
internal static partial class LineParsers
{
    public static readonly Regex WhitespaceRun = WhitespaceRegex();

    /// <summary>The argument chain and whether it came from a JSON array.</summary>
    public readonly record struct Parsed(SyntaxNode? Next, bool IsJson);

    public sealed class ParseContext(char escape, string? file, int line)
    {
        public char Escape => escape;

        public ContainerizeException Error(string code, string message, string? hint = null) => new(code, message, file, line, hint);
    }

    public static Parsed ParseArguments(string keyword, string rest, ParseContext ctx) => keyword.ToLowerInvariant() switch
    {
        "add" or "copy" or "volume" => MaybeJsonToList(rest, ctx),
        "arg" => new(Chain(ParseWords(rest, ctx.Escape)), false),
        "cmd" or "entrypoint" or "run" or "shell" => MaybeJson(rest, ctx),
        "env" => new(NameValue(rest, "ENV", ctx), false),
        "label" => new(NameValue(rest, "LABEL", ctx), false),
        "expose" or "from" => new(WhitespaceDelimited(rest), false),
        "healthcheck" => HealthConfig(rest, ctx),
        "maintainer" or "stopsignal" or "user" or "workdir" => new(rest.Length == 0 ? null : new SyntaxNode { Value = rest }, false),
        "onbuild" => new(rest.Length == 0 ? null : new SyntaxNode { Children = [DockerfileParser.NodeFromLine(rest, ctx)] }, false),
        // Unknown instructions are kept with one empty argument, so that the typed layer can report them with their line.
        _ => new(new SyntaxNode(), false),
    };

    /// <summary>The quote-aware word splitter of ENV, LABEL and ARG: quotes and escapes stay in the words.</summary>
    public static List<string> ParseWords(string rest, char escape)
    {
        var words = new List<string>();
        var word = new StringBuilder();
        var inWord = false;
        var inQuote = false;
        var quote = '\0';
        var blankOk = false;
        var runes = rest.EnumerateRunes().ToArray();
        for (var i = 0; i <= runes.Length; i++)
        {
            if (!inWord && !inQuote)
            {
                if (i == runes.Length) break;
                if (Rune.IsWhiteSpace(runes[i])) continue;
                inWord = true;
            }

            if (i == runes.Length)
            {
                if (blankOk || word.Length > 0) words.Add(word.ToString());
                break;
            }

            var ch = runes[i];
            if (inQuote)
            {
                if (ch.Value == quote)
                {
                    inQuote = false;
                    inWord = true;
                }

                // Inside single quotes the escape character is an ordinary character.
                if (ch.Value == escape && quote != '\'')
                {
                    if (i + 1 == runes.Length)
                    {
                        inQuote = false;
                        inWord = true;
                        continue;
                    }

                    word.Append(ch.ToString());
                    ch = runes[++i];
                }

                word.Append(ch.ToString());
                continue;
            }

            if (Rune.IsWhiteSpace(ch))
            {
                inWord = false;
                if (blankOk || word.Length > 0) words.Add(word.ToString());
                word.Clear();
                blankOk = false;
                continue;
            }

            if (ch.Value is '\'' or '"')
            {
                quote = (char)ch.Value;
                blankOk = true;
                inQuote = true;
                inWord = false;
            }

            if (ch.Value == escape)
            {
                if (i + 1 == runes.Length) continue;
                word.Append(ch.ToString());
                ch = runes[++i];
            }

            word.Append(ch.ToString());
        }

        return words;
    }

    /// <summary>Parses a JSON array of strings. Null when the text is not JSON; an error when it is an array holding a non-string.</summary>
    public static List<string>? TryParseJsonArray(string rest, ParseContext ctx)
    {
        rest = rest.TrimStart();
        if (!rest.StartsWith('[')) return null;
        var bytes = Encoding.UTF8.GetBytes(rest);
        var reader = new Utf8JsonReader(bytes, new JsonReaderOptions { AllowTrailingCommas = false, CommentHandling = JsonCommentHandling.Disallow });
        var items = new List<string>();
        var allStrings = true;
        try
        {
            // Like Go's json.Decoder, read exactly one value and ignore whatever follows it.
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartArray) return null;
            while (reader.Read())
            {
                if (reader.TokenType == JsonTokenType.EndArray && reader.CurrentDepth == 0) break;
                if (reader.CurrentDepth != 1) continue;
                if (reader.TokenType == JsonTokenType.String)
                {
                    items.Add(reader.GetString()!);
                    continue;
                }

                allStrings = false;
                if (reader.TokenType is JsonTokenType.StartArray or JsonTokenType.StartObject) reader.Skip();
            }

            if (reader.TokenType != JsonTokenType.EndArray || reader.CurrentDepth != 0) return null;
        }
        catch (JsonException)
        {
            return null;
        }
        catch (InvalidOperationException)
        {
            return null;
        }

        if (!allStrings)
        {
            throw ctx.Error(DockerfileErrors.JsonNotStringArray, "when using JSON array syntax, arrays must be comprised of strings only",
                "quote every element of the JSON array, e.g. [\"echo\", \"42\"]");
        }

        return items;
    }

    private static Parsed MaybeJson(string rest, ParseContext ctx)
    {
        if (rest.Length == 0) return new(null, false);
        var json = TryParseJsonArray(rest, ctx);
        return json is not null ? new(Chain(json), true) : new(new SyntaxNode { Value = rest }, false);
    }

    private static Parsed MaybeJsonToList(string rest, ParseContext ctx)
    {
        var json = TryParseJsonArray(rest, ctx);
        return json is not null ? new(Chain(json), true) : new(WhitespaceDelimited(rest), false);
    }

    private static Parsed HealthConfig(string rest, ParseContext ctx)
    {
        var sep = 0;
        while (sep < rest.Length && !char.IsWhiteSpace(rest[sep])) sep++;
        var next = sep;
        while (next < rest.Length && char.IsWhiteSpace(rest[next])) next++;
        if (sep == 0) return new(null, false);
        var cmd = MaybeJson(rest[next..], ctx);
        return new(new SyntaxNode { Value = rest[..sep], Next = cmd.Next }, cmd.IsJson);
    }

    private static SyntaxNode? NameValue(string rest, string keyword, ParseContext ctx)
    {
        var words = ParseWords(rest, ctx.Escape);
        if (words.Count == 0) return null;
        if (!words[0].Contains('='))
        {
            // The old form, KEY name value: the value is the rest of the text, verbatim.
            var parts = WhitespaceRegex().Split(rest, 2);
            if (parts.Length < 2)
            {
                throw ctx.Error(DockerfileErrors.KeyValueMissingValue, $"{keyword} must have two arguments",
                    $"write {keyword} name=value (or {keyword} name value)");
            }

            return KeyValue(parts[0], parts[1], "");
        }

        var nodes = new List<SyntaxNode>();
        foreach (var word in words)
        {
            var eq = word.IndexOf('=');
            if (eq < 0)
            {
                throw ctx.Error(DockerfileErrors.KeyValueMissingEquals, $"Syntax error - can't find = in {GoQuote.Quote(word)}. Must be of the form: name=value",
                    "quote values that contain spaces: name=\"a b\"");
            }

            nodes.Add(KeyValue(word[..eq], word[(eq + 1)..], "="));
        }

        for (var i = 0; i < nodes.Count - 1; i++) nodes[i].Next!.Next!.Next = nodes[i + 1];
        return nodes[0];
    }

    private static SyntaxNode KeyValue(string key, string value, string delimiter) =>
        new() { Value = key, Next = new SyntaxNode { Value = value, Next = new SyntaxNode { Value = delimiter } } };

    private static SyntaxNode? WhitespaceDelimited(string rest) => rest.Length == 0 ? null : Chain(WhitespaceRegex().Split(rest));

    private static SyntaxNode? Chain(IReadOnlyList<string> values)
    {
        SyntaxNode? head = null;
        for (var i = values.Count - 1; i >= 0; i--) head = new SyntaxNode { Value = values[i], Next = head };
        return head;
    }

    [GeneratedRegex("[\t\v\f\r ]+")]
    private static partial Regex WhitespaceRegex();
}
