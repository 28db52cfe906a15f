using System.Text;

namespace Containerize.Core.Dockerfiles.Parsing;

/// <summary>Splits a logical line into keyword, <c>--flags</c> and the argument text, as BuildKit's splitCommand.</summary>
internal static class CommandSplitter
{
    public static (string Keyword, List<string> Flags, string Args) Split(string line, char escape)
    {
        var trimmed = line.Trim();
        var sep = LineParsers.WhitespaceRun.Match(trimmed);
        if (!sep.Success) return (trimmed, [], "");
        var keyword = trimmed[..sep.Index];
        var (args, flags) = ExtractFlags(trimmed[(sep.Index + sep.Length)..], escape);
        return (keyword, flags, args.Trim());
    }

    /// <summary>
    /// Reads words while they start with <c>--</c>. BuildKit walks the flag text byte by byte and appends each byte as a
    /// character, so non-ASCII text inside a flag comes out double-encoded; that quirk is kept for identical dumps.
    /// </summary>
    private static (string Remainder, List<string> Flags) ExtractFlags(string line, char escape)
    {
        var bytes = Encoding.UTF8.GetBytes(line);
        var words = new List<string>();
        var word = new StringBuilder();
        var phase = Phase.Spaces;
        var quote = '\0';
        var blankOk = false;

        string RestFrom(int pos) => Encoding.UTF8.GetString(bytes, pos, bytes.Length - pos);

        for (var pos = 0; pos <= bytes.Length; pos++)
        {
            var ch = pos < bytes.Length ? (char)bytes[pos] : '\0';
            if (phase == Phase.Spaces)
            {
                if (pos == bytes.Length) break;
                if (IsGoSpace(ch)) continue;
                if (ch != '-' || pos + 1 == bytes.Length || bytes[pos + 1] != '-') return (RestFrom(pos), words);
                phase = Phase.Word;
            }

            if (pos == bytes.Length)
            {
                var w = word.ToString();
                if (w != "--" && (blankOk || w.Length > 0)) words.Add(w);
                break;
            }

            if (phase == Phase.Word)
            {
                if (IsGoSpace(ch))
                {
                    var w = word.ToString();
                    phase = Phase.Spaces;
                    if (w == "--") return (RestFrom(pos), words);
                    if (blankOk || w.Length > 0) words.Add(w);
                    word.Clear();
                    blankOk = false;
                    continue;
                }

                if (ch is '\'' or '"')
                {
                    quote = ch;
                    blankOk = true;
                    phase = Phase.Quote;
                    continue;
                }

                if (ch == escape)
                {
                    if (pos + 1 == bytes.Length) continue;
                    ch = (char)bytes[++pos];
                }

                word.Append(ch);
                continue;
            }

            // In a quote.
            if (ch == quote)
            {
                phase = Phase.Word;
                continue;
            }

            if (ch == escape)
            {
                if (pos + 1 == bytes.Length)
                {
                    phase = Phase.Word;
                    continue;
                }

                ch = (char)bytes[++pos];
            }

            word.Append(ch);
        }

        return ("", words);
    }

    /// <summary>Go's unicode.IsSpace applied to a single byte value.</summary>
    private static bool IsGoSpace(char c) => c is '\t' or '\n' or '\v' or '\f' or '\r' or ' ' or '\u0085' or '\u00a0';

    private enum Phase
    {
        Spaces,
        Word,
        Quote,
    }
}
