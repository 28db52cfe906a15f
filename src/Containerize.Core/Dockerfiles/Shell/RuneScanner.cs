using System.Text;

namespace Containerize.Core.Dockerfiles.Shell;

/// <summary>
/// Reads a string one Unicode scalar at a time, like Go's text/scanner used by BuildKit: names may hold
/// letters outside the BMP, and a pattern's <c>?</c> stands for one code point, not one UTF-16 unit.
/// A byte-order mark at the very start is skipped, as text/scanner does.
/// </summary>
internal sealed class RuneScanner
{
    public const int Eof = -1;

    private readonly int[] _runes;
    private int _pos;

    public RuneScanner(string text)
    {
        _runes = Decode(text);
        if (_runes.Length > 0 && _runes[0] == 0xFEFF) _pos = 1;
    }

    public int Peek() => _pos < _runes.Length ? _runes[_pos] : Eof;

    public int Next() => _pos < _runes.Length ? _runes[_pos++] : Eof;

    /// <summary>Code points of <paramref name="text"/>; a lone surrogate becomes U+FFFD.</summary>
    public static int[] Decode(string text)
    {
        var runes = new List<int>(text.Length);
        foreach (var rune in text.EnumerateRunes()) runes.Add(rune.Value);
        return [.. runes];
    }

    public static string Encode(ReadOnlySpan<int> runes)
    {
        var sb = new StringBuilder(runes.Length);
        foreach (var r in runes) Append(sb, r);
        return sb.ToString();
    }

    public static void Append(StringBuilder sb, int rune)
    {
        if (rune < 0x10000)
        {
            sb.Append((char)rune);
            return;
        }

        Span<char> pair = stackalloc char[2];
        var written = new Rune(rune).EncodeToUtf16(pair);
        sb.Append(pair[..written]);
    }

    /// <summary>Go's <c>string(rune)</c>: end of input prints as U+FFFD.</summary>
    public static string ToText(int rune) => rune < 0 ? "\uFFFD" : char.ConvertFromUtf32(rune);

    public static bool IsSpace(int rune) => rune >= 0 && Rune.IsWhiteSpace(new Rune(rune));

    public static bool IsLetter(int rune) => rune >= 0 && Rune.IsLetter(new Rune(rune));

    public static bool IsDigit(int rune) => rune >= 0 && Rune.IsDigit(new Rune(rune));
}
