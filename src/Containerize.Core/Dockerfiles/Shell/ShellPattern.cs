using System.Text;

namespace Containerize.Core.Dockerfiles.Shell;

/// <summary>
/// The shell pattern of <c>${V#p}</c>, <c>${V%p}</c> and <c>${V/p/r}</c>: <c>*</c> any run, <c>?</c> one
/// character, <c>\*</c> <c>\?</c> <c>\\</c> literals, <c>\}</c> and <c>\/</c> the bare character; no brackets.
/// </summary>
/// <remarks>
/// BuildKit translates the pattern into a Go regular expression and takes the leftmost match with
/// Perl-style priority. Matching here computes, for each start, the match a backtracking engine would
/// find first in that same priority order (each <c>*</c> tries its longest run first when greedy, its
/// shortest otherwise), so the chosen match is the one Go's engine reports, in linear time per token.
/// As with Go's <c>.</c>, a wildcard never matches a newline.
/// </remarks>
internal sealed class ShellPattern
{
    private const int Star = -1;
    private const int Any = -2;

    private readonly int[] _tokens;
    private readonly bool _greedy;

    private ShellPattern(int[] tokens, bool greedy)
    {
        _tokens = tokens;
        _greedy = greedy;
    }

    public static ShellPattern Parse(string pattern, bool greedy)
    {
        var scanner = new RuneScanner(pattern);
        var tokens = new List<int>();
        for (var tok = scanner.Next(); tok != RuneScanner.Eof; tok = scanner.Next())
        {
            switch (tok)
            {
                case '*':
                    tokens.Add(Star);
                    continue;
                case '?':
                    tokens.Add(Any);
                    continue;
                case '\\':
                    // \} and \/ only protect the character from ${...} parsing: the next round reads it as a literal.
                    if (scanner.Peek() is '}' or '/') continue;
                    tok = scanner.Next();
                    if (tok is not ('*' or '?' or '\\'))
                    {
                        throw new ShellExpansionException(
                            ShellLexerErrors.InvalidPattern,
                            $"invalid pattern ({pattern}) in substitution: invalid escape '\\{RuneScanner.ToText(tok)}'");
                    }

                    break;
            }

            tokens.Add(tok);
        }

        return new ShellPattern([.. tokens], greedy);
    }

    /// <summary><c>${V#p}</c> / <c>${V##p}</c>: removes the prefix the pattern matches.</summary>
    public static string TrimPrefix(string pattern, string value, bool greedy)
    {
        var runes = RuneScanner.Decode(value);
        var end = Parse(pattern, greedy).MatchEnds(runes)[0];
        return end < 0 ? value : RuneScanner.Encode(runes.AsSpan(end));
    }

    /// <summary>
    /// <c>${V%p}</c> / <c>${V%%p}</c>: BuildKit reverses value and pattern (keeping escape pairs in order) and
    /// removes a prefix, since a regular expression cannot find the shortest rightmost match.
    /// </summary>
    public static string TrimSuffix(string pattern, string value, bool greedy)
    {
        var reversedValue = RuneScanner.Decode(value);
        Array.Reverse(reversedValue);
        var reversedPattern = ReversePattern(pattern);
        var end = Parse(reversedPattern, greedy).MatchEnds(reversedValue)[0];
        if (end < 0) return value;
        var kept = reversedValue.AsSpan(end).ToArray();
        Array.Reverse(kept);
        return RuneScanner.Encode(kept);
    }

    /// <summary>
    /// <c>${V/p/r}</c> replaces the leftmost longest-priority match, <c>${V//p/r}</c> every match. The
    /// replace-all form goes through Go's <c>ReplaceAllString</c>, whose template expands <c>$0</c> to the match
    /// and <c>$$</c> to <c>$</c>; that is visible when a variable's value reaches the replacement, so it is kept.
    /// </summary>
    public static string Replace(string pattern, string value, string replacement, bool all)
    {
        var compiled = Parse(pattern, greedy: true);
        var runes = RuneScanner.Decode(value);
        var ends = compiled.MatchEnds(runes);
        if (!all)
        {
            if (Find(ends, 0) is not var (start, end)) return value;
            return RuneScanner.Encode(runes.AsSpan(0, start)) + replacement + RuneScanner.Encode(runes.AsSpan(end));
        }

        var sb = new StringBuilder();
        var lastMatchEnd = 0;
        var searchPos = 0;
        while (searchPos <= runes.Length)
        {
            if (Find(ends, searchPos) is not var (a0, a1)) break;
            sb.Append(RuneScanner.Encode(runes.AsSpan(lastMatchEnd, a0 - lastMatchEnd)));

            // An empty match right after a previous match is not replaced again (Go's rule).
            if (a1 > lastMatchEnd || a0 == 0) ExpandTemplate(sb, replacement, RuneScanner.Encode(runes.AsSpan(a0, a1 - a0)));
            lastMatchEnd = a1;
            searchPos = searchPos + 1 > a1 ? searchPos + 1 : a1;
        }

        sb.Append(RuneScanner.Encode(runes.AsSpan(lastMatchEnd)));
        return sb.ToString();
    }

    /// <summary>Reverses a pattern but keeps each <c>\x</c> pair in order, so <c>a\*c</c> becomes <c>c\*a</c>.</summary>
    internal static string ReversePattern(string pattern)
    {
        var runes = RuneScanner.Decode(pattern);
        var output = new int[runes.Length];
        var last = runes.Length - 1;
        for (var i = 0; i <= last;)
        {
            var outIdx = last - i;
            if (runes[i] == '\\' && i != last)
            {
                output[outIdx - 1] = '\\';
                output[outIdx] = runes[i + 1];
                i += 2;
            }
            else
            {
                output[outIdx] = runes[i];
                i++;
            }
        }

        return RuneScanner.Encode(output);
    }

    /// <summary>The leftmost match at or after <paramref name="from"/>, given <see cref="MatchEnds"/>.</summary>
    private static (int Start, int End)? Find(int[] ends, int from)
    {
        for (var start = from; start < ends.Length; start++)
        {
            if (ends[start] >= 0) return (start, ends[start]);
        }

        return null;
    }

    /// <summary>
    /// For every start position, the end of the match a backtracking engine would report first, or -1.
    /// Computed token by token from the last one back, each row from the next (O(tokens x length), no
    /// recursion): a star takes, among the positions it may stop at before the next newline, the last one
    /// where the rest matches when greedy and the first one otherwise.
    /// </summary>
    private int[] MatchEnds(int[] s)
    {
        var n = s.Length;
        var next = new int[n + 1];
        var cur = new int[n + 1];
        for (var i = 0; i <= n; i++) next[i] = i;

        for (var p = _tokens.Length - 1; p >= 0; p--)
        {
            var tok = _tokens[p];
            if (tok == Star)
            {
                var chosen = -1;
                for (var si = n; si >= 0; si--)
                {
                    // A newline (or the end) is as far as a star reaching from its left can go.
                    var boundary = si == n || s[si] == '\n';
                    if (boundary) chosen = -1;
                    if (next[si] >= 0 && (chosen < 0 || !_greedy)) chosen = si;
                    cur[si] = chosen >= 0 ? next[chosen] : -1;
                }
            }
            else
            {
                for (var si = 0; si < n; si++)
                {
                    cur[si] = (tok == Any ? s[si] != '\n' : s[si] == tok) ? next[si + 1] : -1;
                }

                cur[n] = -1;
            }

            (next, cur) = (cur, next);
        }

        return next;
    }

    /// <summary>
    /// Go's regexp template expansion with a single group: <c>$$</c> is <c>$</c>, <c>$0</c> / <c>${0}</c> the
    /// match, any other well-formed reference nothing, a malformed one a literal <c>$</c>.
    /// </summary>
    private static void ExpandTemplate(StringBuilder sb, string template, string match)
    {
        var i = 0;
        while (i < template.Length)
        {
            var dollar = template.IndexOf('$', i);
            if (dollar < 0) break;
            sb.Append(template, i, dollar - i);
            i = dollar;
            if (i + 1 < template.Length && template[i + 1] == '$')
            {
                sb.Append('$');
                i += 2;
                continue;
            }

            if (!TryReadReference(template, i + 1, out var name, out var next))
            {
                sb.Append('$');
                i++;
                continue;
            }

            i = next;
            if (name == "0") sb.Append(match);
        }

        sb.Append(template, i, template.Length - i);
    }

    /// <summary>Reads <c>name</c> or <c>{name}</c> (letters, digits, underscore) at <paramref name="at"/>.</summary>
    private static bool TryReadReference(string template, int at, out string name, out int next)
    {
        name = "";
        next = at;
        var brace = at < template.Length && template[at] == '{';
        var pos = brace ? at + 1 : at;
        var begin = pos;
        while (pos < template.Length)
        {
            Rune.DecodeFromUtf16(template.AsSpan(pos), out var rune, out var consumed);
            if (!Rune.IsLetter(rune) && !Rune.IsDigit(rune) && rune.Value != '_') break;
            pos += consumed;
        }

        if (pos == begin) return false;
        name = template[begin..pos];
        if (brace)
        {
            if (pos >= template.Length || template[pos] != '}') return false;
            pos++;
        }

        next = pos;
        return true;
    }
}
