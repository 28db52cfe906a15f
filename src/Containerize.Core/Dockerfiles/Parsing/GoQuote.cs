using System.Globalization;
using System.Buffers;
using System.Text;

namespace Containerize.Core.Dockerfiles.Parsing;

/// <summary>
/// Go's <c>strconv.Quote</c>, which BuildKit's AST dump uses for every argument and flag. Reproduced exactly so that
/// our dump is byte-identical to BuildKit's <c>result</c> files.
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
            AppendRune(sb, rune);
        }

        sb.Append('"');
        return sb.ToString();
    }

    private static void AppendRune(StringBuilder sb, Rune r)
    {
        switch (r.Value)
        {
            case '"': sb.Append("\\\""); return;
            case '\\': sb.Append(@"\\"); return;
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
