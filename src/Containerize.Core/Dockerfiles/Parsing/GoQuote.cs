using System.Globalization;
using System.Buffers;
using System.Text;

namespace Containerize.Core.Dockerfiles.Parsing;

/// <summary>
/// Go's <c>strconv.Quote</c> and <c>strconv.QuoteRune</c>, which BuildKit's AST dump uses for every argument and flag
/// and its history texts for <c>%q</c>. Reproduced exactly so that our dump and history are byte-identical to BuildKit's.
/// </summary>
public static class GoQuote
{
    public static string Quote(string value)
    {
        var sb = new StringBuilder(value.Length + 2);
        sb.Append('"');
        for (var i = 0; i < value.Length;)
        {
            // A lone surrogate cannot come from valid UTF-8; Go would print the replacement character's escape.
            if (Rune.DecodeFromUtf16(value.AsSpan(i), out var rune, out var used) != OperationStatus.Done)
            {
                sb.Append(@"\ufffd");
                i += Math.Max(used, 1);
                continue;
            }

            i += used;
            AppendRune(sb, rune, '"');
        }

        sb.Append('"');
        return sb.ToString();
    }

    /// <summary>Go's <c>%q</c> of an int: a quoted rune literal, U+FFFD for a value that is no rune.</summary>
    public static string QuoteRune(int value)
    {
        var sb = new StringBuilder("'");
        AppendRune(sb, Rune.IsValid(value) ? new Rune(value) : Rune.ReplacementChar, '\'');
        return sb.Append('\'').ToString();
    }

    private static void AppendRune(StringBuilder sb, Rune r, char quote)
    {
        if (r.Value == quote || r.Value == '\\')
        {
            sb.Append('\\').Append((char)r.Value);
            return;
        }

        switch (r.Value)
        {
            case '\a': sb.Append(@"\a"); return;
            case '\b': sb.Append(@"\b"); return;
            case '\f': sb.Append(@"\f"); return;
            case '\n': sb.Append(@"\n"); return;
            case '\r': sb.Append(@"\r"); return;
            case '\t': sb.Append(@"\t"); return;
            case '\v': sb.Append(@"\v"); return;
        }

        if (r.Value < 0x20 || r.Value == 0x7f)
        {
            sb.Append(@"\x").Append(r.Value.ToString("x2", CultureInfo.InvariantCulture));
            return;
        }

        if (IsPrint(r))
        {
            sb.Append(r.ToString());
            return;
        }

        if (r.Value <= 0xffff)
        {
            sb.Append(@"\u").Append(r.Value.ToString("x4", CultureInfo.InvariantCulture));
        }
        else
        {
            sb.Append(@"\U").Append(r.Value.ToString("x8", CultureInfo.InvariantCulture));
        }
    }

    /// <summary>Go's unicode.IsPrint: letters, marks, numbers, punctuation, symbols and the ASCII space.</summary>
    private static bool IsPrint(Rune r)
    {
        if (r.Value == ' ') return true;
        return Rune.GetUnicodeCategory(r) switch
        {
            UnicodeCategory.UppercaseLetter or UnicodeCategory.LowercaseLetter or UnicodeCategory.TitlecaseLetter
                or UnicodeCategory.ModifierLetter or UnicodeCategory.OtherLetter => true,
            UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark or UnicodeCategory.EnclosingMark => true,
            UnicodeCategory.DecimalDigitNumber or UnicodeCategory.LetterNumber or UnicodeCategory.OtherNumber => true,
            UnicodeCategory.ConnectorPunctuation or UnicodeCategory.DashPunctuation or UnicodeCategory.OpenPunctuation
                or UnicodeCategory.ClosePunctuation or UnicodeCategory.InitialQuotePunctuation
                or UnicodeCategory.FinalQuotePunctuation or UnicodeCategory.OtherPunctuation => true,
            UnicodeCategory.MathSymbol or UnicodeCategory.CurrencySymbol or UnicodeCategory.ModifierSymbol
                or UnicodeCategory.OtherSymbol => true,
            _ => false,
        };
    }
}
