using System.Text;
using System.Text.RegularExpressions;
using Containerize.Core.Diagnostics;

namespace Containerize.Core.Dockerfiles.Parsing;

/// <summary>
/// BuildKit's Dockerfile parser: directives, line continuations, comments, heredocs and the per-instruction argument
/// rules, producing the same AST (and so the same dump) as <c>frontend/dockerfile/parser</c>.
/// </summary>
public static class DockerfileParser
{
    /// <summary>bufio.Scanner's default token limit, less the newline.</summary>
    public const int MaxLineBytes = 65535;

    private static readonly string[] HeredocKeywords = ["add", "copy", "run"];

    public static async Task<ParseResult> ParseFileAsync(string path, string? displayName = null, CancellationToken cancellationToken = default)
    {
        byte[] bytes;
        try
        {
            bytes = await File.ReadAllBytesAsync(path, cancellationToken).ConfigureAwait(false);
        }
        catch (FileNotFoundException)
        {
            throw new ContainerizeException(GeneralErrors.FileNotFound, $"Dockerfile not found: {path}", hint: "pass the path of an existing Dockerfile");
        }
        catch (DirectoryNotFoundException)
        {
            throw new ContainerizeException(GeneralErrors.FileNotFound, $"Dockerfile not found: {path}", hint: "pass the path of an existing Dockerfile");
        }

        return Parse(bytes, displayName ?? path);
    }

    public static ParseResult Parse(string text, string? file = null) => Parse(Encoding.UTF8.GetBytes(text), file);

    public static ParseResult Parse(ReadOnlySpan<byte> data, string? file = null)
    {
        var lines = SplitPhysicalLines(data);
        var escape = '\\';
        var continuation = ContinuationRegex(escape);
        var directiveParser = new DirectiveParser();
        var directives = new List<ParserDirective>();
        var warnings = new List<ParseWarning>();
        var children = new List<SyntaxNode>();
        var comments = new List<string>();
        var index = 0;
        var currentLine = 0;

        string Next(out byte[] raw)
        {
            raw = lines[index++];
            if (raw.Length - (raw.Length > 0 && raw[^1] == '\n' ? 1 : 0) > MaxLineBytes)
            {
                throw new ContainerizeException(DockerfileErrors.LineTooLong, $"dockerfile line greater than max allowed size of {MaxLineBytes}",
                    file, currentLine + 1, "split the line with '\\' continuations");
            }

            return Encoding.UTF8.GetString(raw);
        }

        // Reads the directive (if any) of a line and returns the line without its newline, or "" for a comment.
        string Process(string token, bool stripLeft, out bool wasDirective)
        {
            token = TrimNewline(token);
            if (stripLeft) token = token.TrimStart();
            var directive = directiveParser.ParseLine(token, currentLine + 1, file);
            wasDirective = directive is not null;
            if (directive is not null)
            {
                directives.Add(directive);
                if (directive.Name == "escape")
                {
                    if (directive.Value is not ("`" or "\\"))
                    {
                        throw new ContainerizeException(DockerfileErrors.InvalidEscapeToken, $"invalid escape token '{directive.Value}' does not match ` or \\",
                            file, currentLine + 1, "use '# escape=\\' or '# escape=`'");
                    }

                    escape = directive.Value[0];
                    continuation = ContinuationRegex(escape);
                }
            }

            return IsComment(token) ? "" : token;
        }

        while (index < lines.Count)
        {
            var text = Next(out _);
            if (currentLine == 0 && text.StartsWith('\uFEFF')) text = text[1..];
            if (IsComment(text))
            {
                var comment = text.TrimStart()[1..].Trim();
                if (comment.Length == 0) comments.Clear();
                else comments.Add(comment);
            }

            var processed = Process(text, stripLeft: true, out var wasDirective);
            if (wasDirective && comments.Count > 0) comments.RemoveAt(comments.Count - 1);
            currentLine++;
            var startLine = currentLine;
            var (first, endOfLine) = TrimContinuation(processed, continuation);
            if (endOfLine && first.Length == 0) continue;

            var buf = new StringBuilder(first);
            var emptyContinuation = false;
            while (!endOfLine && index < lines.Count)
            {
                var raw = Next(out _);
                var cont = Process(raw, stripLeft: false, out _);
                currentLine++;
                if (IsComment(raw)) continue;
                if (TrimNewline(cont).TrimStart().Length == 0)
                {
                    emptyContinuation = true;
                    continue;
                }

                (cont, endOfLine) = TrimContinuation(cont, continuation);
                buf.Append(cont);
            }

            var line = buf.ToString();
            if (emptyContinuation)
            {
                warnings.Add(new ParseWarning(DockerfileErrors.EmptyContinuationLine, "Empty continuation line found in: " + line, currentLine,
                    "Empty continuation lines will become errors in a future release",
                    "https://docs.docker.com/go/dockerfile/rule/no-empty-continuation/"));
            }

            var ctx = new LineParsers.ParseContext(escape, file, startLine);
            var child = NodeFromLine(line, ctx, [.. comments]);

            if (CanContainHeredoc(child) && line.Contains("<<", StringComparison.Ordinal))
            {
                var heredocs = new List<Heredoc>();
                foreach (var doc in HeredocWords.FromLine(line, file, startLine))
                {
                    var content = new StringBuilder();
                    var terminated = false;
                    while (index < lines.Count)
                    {
                        var body = Next(out _);
                        currentLine++;
                        var candidate = TrimNewline(body);
                        if (doc.Chomp) candidate = candidate.TrimStart('\t');
                        if (candidate == doc.Name)
                        {
                            terminated = true;
                            break;
                        }

                        content.Append(body);
                    }

                    if (!terminated)
                    {
                        throw new ContainerizeException(DockerfileErrors.UnterminatedHeredoc, $"unterminated heredoc {doc.Name}", file, startLine,
                            $"end the here-document with a line that is exactly '{doc.Name}'");
                    }

                    heredocs.Add(doc with { Content = content.ToString() });
                }

                AttachHeredocs(child, heredocs);
            }

            child.StartLine = startLine;
            child.EndLine = currentLine;
            children.Add(child);
            comments.Clear();
        }

        if (children.Count == 0)
        {
            throw new ContainerizeException(DockerfileErrors.NoInstructions, "file with no instructions", file, currentLine,
                "a Dockerfile needs at least a FROM instruction");
        }

        var root = new SyntaxNode { Children = children, StartLine = children[0].StartLine, EndLine = children[^1].EndLine };
        return new ParseResult(root, warnings, escape, directives, file);
    }

    /// <summary>Parses one logical line into an instruction node (also used for the instruction inside ONBUILD).</summary>
    internal static SyntaxNode NodeFromLine(string line, LineParsers.ParseContext ctx, IReadOnlyList<string>? comments = null)
    {
        var (keyword, flags, args) = CommandSplitter.Split(line, ctx.Escape);
        var parsed = LineParsers.ParseArguments(keyword, args, ctx);
        return new SyntaxNode
        {
            Value = keyword,
            Original = line,
            Flags = flags,
            Next = parsed.Next,
            IsJson = parsed.IsJson,
            PrevComment = comments ?? [],
        };
    }

    private static bool CanContainHeredoc(SyntaxNode node)
    {
        if (node.Value.Equals("onbuild", StringComparison.OrdinalIgnoreCase) && node.Next is { Children.Count: > 0 } sub)
        {
            node = sub.Children[0];
        }

        return HeredocKeywords.Contains(node.Value.ToLowerInvariant()) && !node.IsJson;
    }

    // For ONBUILD the heredocs belong to the outer node, as in BuildKit (the trigger text is rebuilt from them).
    private static void AttachHeredocs(SyntaxNode node, List<Heredoc> heredocs) => node.Heredocs = heredocs;

    private static List<byte[]> SplitPhysicalLines(ReadOnlySpan<byte> data)
    {
        var result = new List<byte[]>();
        while (data.Length > 0)
        {
            var nl = data.IndexOf((byte)'\n');
            var len = nl < 0 ? data.Length : nl + 1;
            result.Add(data[..len].ToArray());
            data = data[len..];
        }

        return result;
    }

    private static string TrimNewline(string s) => s.TrimEnd('\r', '\n');

    private static bool IsComment(string line)
    {
        var t = line.TrimStart();
        return t.Length > 0 && t[0] == '#';
    }

    private static (string Line, bool EndOfLine) TrimContinuation(string line, Regex continuation)
    {
        var m = continuation.Match(line);
        return m.Success ? (line[..m.Index] + m.Groups[1].Value, false) : (line, true);
    }

    /// <summary>
    /// The escape character followed only by blanks at the end of a line continues it, unless it is itself escaped
    /// (preceded by another escape character); alone on a line it also continues.
    /// </summary>
    private static Regex ContinuationRegex(char escape)
    {
        var e = Regex.Escape(escape.ToString());
        return new Regex($"([^{e}]){e}[ \\t]*\\z|^{e}[ \\t]*\\z", RegexOptions.CultureInvariant);
    }
}
