using System.Text.Json;
using System.Text.RegularExpressions;
using Containerize.Core.Diagnostics;

namespace Containerize.Core.Dockerfiles.Parsing;

/// <summary>
/// Recognises parser directives the way BuildKit does: only the leading run of comment lines is examined, the first line
/// that is not a known directive ends the search for good, and a directive may appear once.
/// </summary>
public sealed partial class DirectiveParser(string commentPrefix = "#")
{
    private static readonly HashSet<string> Known = ["syntax", "escape", "check"];
    private readonly HashSet<string> _seen = [];

    public bool Done { get; private set; }

    /// <summary>Examines one line (without its newline). Returns the directive, or null; throws on a repeated directive.</summary>
    public ParserDirective? ParseLine(string line, int lineNumber, string? file = null)
    {
        if (Done) return null;
        if (!line.StartsWith(commentPrefix, StringComparison.Ordinal))
        {
            Done = true;
            return null;
        }

        var match = DirectiveRegex().Match(line[commentPrefix.Length..].TrimStart());
        if (!match.Success)
        {
            Done = true;
            return null;
        }

        var name = match.Groups[1].Value.ToLowerInvariant();
        if (!Known.Contains(name))
        {
            Done = true;
            return null;
        }

        if (!_seen.Add(name))
        {
            throw new ContainerizeException(DockerfileErrors.DuplicateDirective, $"only one {name} parser directive can be used", file, lineNumber,
                "keep a single '# " + name + "=' line at the top of the Dockerfile");
        }

        return new ParserDirective(name, match.Groups[2].Value, lineNumber);
    }

    /// <summary>All directives of a text (BuildKit's <c>DirectiveParser.ParseAll</c>).</summary>
    public IReadOnlyList<ParserDirective> ParseAll(string text, int firstLine = 1)
    {
        var result = new List<ParserDirective>();
        var lineNumber = firstLine;
        foreach (var raw in SplitLines(text))
        {
            if (Done) break;
            var d = ParseLine(raw, lineNumber++);
            if (d is not null) result.Add(d);
        }

        return result;
    }

    /// <summary>
    /// The <c>syntax</c> directive as BuildKit's DetectSyntax finds it: <c># syntax=</c>, else <c>// syntax=</c>, else a
    /// JSON object with a string "syntax" key; a leading shebang line is skipped but counted.
    /// Returns the reference (the value up to the first space), the whole value and its line.
    /// </summary>
    public static (string Ref, string CommandLine, int Line)? DetectSyntax(string text) => Detect("syntax", text, anyFormat: true);

    /// <summary>A directive in the <c>#</c> form only (BuildKit's ParseDirective), e.g. <c>check</c>.</summary>
    public static (string Value, string CommandLine, int Line)? ParseDirective(string key, string text) => Detect(key, text, anyFormat: false);

    private static (string, string, int)? Detect(string key, string text, bool anyFormat)
    {
        if (text.StartsWith('\uFEFF')) text = text[1..];
        var line = 0;
        var nl = text.IndexOf('\n');
        var first = nl < 0 ? text : text[..nl];
        if (first.StartsWith("#!", StringComparison.Ordinal))
        {
            text = nl < 0 ? "" : text[(nl + 1)..];
            line = 1;
        }

        foreach (var prefix in anyFormat ? new[] { "#", "//" } : ["#"])
        {
            var found = new DirectiveParser(prefix).ParseAll(text, line + 1).FirstOrDefault(d => d.Name == key);
            if (found is not null)
            {
                var space = found.Value.IndexOf(' ');
                return (space < 0 ? found.Value : found.Value[..space], found.Value, found.Line);
            }
        }

        if (!anyFormat) return null;
        try
        {
            using var doc = JsonDocument.Parse(text);
            if (doc.RootElement.ValueKind == JsonValueKind.Object
                && doc.RootElement.TryGetProperty(key, out var v) && v.ValueKind == JsonValueKind.String)
            {
                var s = v.GetString()!;
                return (s, s, line);
            }
        }
        catch (JsonException)
        {
        }

        return null;
    }

    private static IEnumerable<string> SplitLines(string text)
    {
        // bufio.ScanLines: split at LF, drop one trailing CR, no empty final token.
        var start = 0;
        while (start < text.Length)
        {
            var nl = text.IndexOf('\n', start);
            var end = nl < 0 ? text.Length : nl;
            var l = text[start..end];
            yield return l.EndsWith('\r') ? l[..^1] : l;
            if (nl < 0) yield break;
            start = nl + 1;
        }
    }

    // Go's \s is [\t\n\f\r ]; the value is trimmed of it at the end.
    [GeneratedRegex(@"^([a-zA-Z][a-zA-Z0-9]*)[\t\n\f\r ]*=[\t\n\f\r ]*(.+?)[\t\n\f\r ]*\z")]
    private static partial Regex DirectiveRegex();
}
