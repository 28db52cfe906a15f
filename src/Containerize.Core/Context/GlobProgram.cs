using System.Runtime.CompilerServices;

namespace Containerize.Core.Context;

/// <summary>
/// The regular expression a pattern compiles to, run directly as a set-of-positions automaton (linear, no
/// backtracking, no Regex start-up cost). Covers what patterns produce in practice: literals, '*', '?', '**'
/// forms and simple classes. Anything else (a class with named or escaped sets, a '^' anchor mid-pattern)
/// returns null from <see cref="TryCreate"/> and is left to <see cref="System.Text.RegularExpressions.Regex"/>.
/// </summary>
internal sealed class GlobProgram
{
    private enum Op : byte
    {
        Literal,
        AnyButSlash,      // [^/]   one rune
        StarButSlash,     // [^/]*
        AnyDirs,          // (.*/)? '.' never matches '\n'
        AnyRest,          // .*
        Class,            // [...]  one rune
    }

    private readonly record struct Token(Op Op, char Literal = '\0', ClassSet? Class = null);

    private sealed record ClassSet(bool Negated, (int Lo, int Hi)[] Ranges)
    {
        public bool Contains(int rune)
        {
            var hit = false;
            foreach (var (lo, hi) in Ranges)
            {
                if (rune >= lo && rune <= hi)
                {
                    hit = true;
                    break;
                }
            }

            return hit != Negated;
        }
    }

    private readonly Token[] _tokens;

    private GlobProgram(Token[] tokens) => _tokens = tokens;

    /// <summary>Translates a cleaned pattern (the same walk as <see cref="IgnorePattern.Compile"/>), or null to fall back.</summary>
    public static GlobProgram? TryCreate(string pattern)
    {
        var tokens = new List<Token>();
        var s = pattern;
        for (var pos = 0; pos < s.Length;)
        {
            var ch = s[pos++];
            switch (ch)
            {
                case '*':
                    if (pos < s.Length && s[pos] == '*')
                    {
                        pos++;
                        if (pos < s.Length && s[pos] == '/') pos++;
                        tokens.Add(new Token(pos >= s.Length ? Op.AnyRest : Op.AnyDirs));
                    }
                    else
                    {
                        tokens.Add(new Token(Op.StarButSlash));
                    }

                    break;
                case '?':
                    tokens.Add(new Token(Op.AnyButSlash));
                    break;
                case '\\':
                    if (pos >= s.Length || char.IsAsciiLetterOrDigit(s[pos])) return null; // regex escapes such as \d
                    tokens.Add(new Token(Op.Literal, s[pos++]));
                    break;
                case '[':
                    var set = ParseClass(s, ref pos);
                    if (set is null) return null;
                    tokens.Add(new Token(Op.Class, Class: set));
                    break;
                case ']' or '^':
                    return null;
                default:
                    tokens.Add(new Token(Op.Literal, ch));
                    break;
            }
        }

        return new GlobProgram(tokens.ToArray());
    }

    private static ClassSet? ParseClass(string s, ref int pos)
    {
        var negated = pos < s.Length && s[pos] == '^';
        if (negated) pos++;
        var ranges = new List<(int, int)>();
        while (true)
        {
            if (pos >= s.Length) return null;
            if (s[pos] == ']' && ranges.Count > 0)
            {
                pos++;
                return new ClassSet(negated, ranges.ToArray());
            }

            var lo = ClassRune(s, ref pos);
            if (lo < 0) return null;
            var hi = lo;
            if (pos < s.Length && s[pos] == '-' && pos + 1 < s.Length && s[pos + 1] != ']')
            {
                pos++;
                hi = ClassRune(s, ref pos);
                if (hi < 0 || hi < lo) return null;
            }

            ranges.Add((lo, hi));
        }
    }

    private static int ClassRune(string s, ref int pos)
    {
        if (pos >= s.Length) return -1;
        var c = s[pos];
        if (c is '[' or ']' or '-') return -1;
        if (c == '\\')
        {
            pos++;
            if (pos >= s.Length || char.IsAsciiLetterOrDigit(s[pos])) return -1;
            c = s[pos];
        }

        if (char.IsHighSurrogate(c) && pos + 1 < s.Length && char.IsLowSurrogate(s[pos + 1]))
        {
            var r = char.ConvertToUtf32(c, s[pos + 1]);
            pos += 2;
            return r;
        }

        pos++;
        return c;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public bool IsMatch(string path)
    {
        var n = path.Length;
        Span<bool> a = n < 512 ? stackalloc bool[n + 1] : new bool[n + 1];
        Span<bool> b = n < 512 ? stackalloc bool[n + 1] : new bool[n + 1];
        a.Clear();
        a[0] = true;
        var cur = a;
        var next = b;
        foreach (var t in _tokens)
        {
            next.Clear();
            var any = false;
            switch (t.Op)
            {
                case Op.Literal:
                    for (var i = 0; i < n; i++)
                    {
                        if (cur[i] && path[i] == t.Literal) any = next[i + 1] = true;
                    }

                    break;
                case Op.AnyButSlash:
                case Op.Class:
                    for (var i = 0; i < n; i++)
                    {
                        if (!cur[i]) continue;
                        int rune = path[i];
                        var width = 1;
                        if (char.IsHighSurrogate(path[i]) && i + 1 < n && char.IsLowSurrogate(path[i + 1]))
                        {
                            rune = char.ConvertToUtf32(path[i], path[i + 1]);
                            width = 2;
                        }

                        if (t.Op == Op.AnyButSlash ? rune != '/' : t.Class!.Contains(rune)) any = next[i + width] = true;
                    }

                    break;
                case Op.StarButSlash:
                    for (var i = 0; i <= n; i++)
                    {
                        if (cur[i] || (i > 0 && next[i - 1] && path[i - 1] != '/')) any = next[i] = true;
                    }

                    break;
                case Op.AnyRest:
                    for (var i = 0; i <= n; i++)
                    {
                        if (cur[i] || (i > 0 && next[i - 1] && path[i - 1] != '\n')) any = next[i] = true;
                    }

                    break;
                case Op.AnyDirs:
                    var reach = false; // some start j < i with no newline in path[j..i)
                    for (var i = 0; i <= n; i++)
                    {
                        if (cur[i] || (reach && path[i - 1] == '/')) any = next[i] = true;
                        reach = (reach || cur[i]) && i < n && path[i] != '\n';
                    }

                    break;
            }

            if (!any) return false;
            var swap = cur;
            cur = next;
            next = swap;
        }

        return cur[n];
    }
}
