using System.Globalization;

namespace Containerize.Core.Dockerfiles.Instructions;

/// <summary>Go's time.ParseDuration, which HEALTHCHECK options use: "1h30m", "1.5s", "300ms", "0".</summary>
public static class GoDuration
{
    private static readonly (string Unit, double Nanos)[] Units =
    [
        ("ns", 1), ("us", 1e3), ("µs", 1e3), ("μs", 1e3), ("ms", 1e6), ("s", 1e9), ("m", 60e9), ("h", 3600e9),
    ];

    public static bool TryParse(string text, out TimeSpan value)
    {
        var ok = TryParseNanoseconds(text, out var ns);
        value = TimeSpan.FromTicks(ns / 100);
        return ok;
    }

    /// <summary>The duration in nanoseconds, Go's own resolution (TimeSpan stops at 100 ns).</summary>
    public static bool TryParseNanoseconds(string text, out long value)
    {
        value = 0;
        var s = text;
        var negative = false;
        if (s.Length > 0 && s[0] is '-' or '+')
        {
            negative = s[0] == '-';
            s = s[1..];
        }

        if (s == "0")
        {
            return true;
        }

        if (s.Length == 0) return false;
        double nanos = 0;
        while (s.Length > 0)
        {
            var i = 0;
            while (i < s.Length && (char.IsAsciiDigit(s[i]) || s[i] == '.')) i++;
            if (i == 0 || s[..i] == ".") return false;
            if (!double.TryParse(s[..i], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var number)) return false;
            s = s[i..];
            var unit = Units.Where(u => s.StartsWith(u.Unit, StringComparison.Ordinal)).OrderByDescending(u => u.Unit.Length).FirstOrDefault();
            if (unit.Unit is null) return false;
            s = s[unit.Unit.Length..];
            nanos += number * unit.Nanos;
        }

        value = (long)Math.Round(negative ? -nanos : nanos);
        return true;
    }

    /// <summary>Go's Duration.String: "5m0s", "1m30s", "1.5s", "300ms", "0s".</summary>
    public static string Format(TimeSpan value)
    {
        if (value == TimeSpan.Zero) return "0s";
        var sign = value < TimeSpan.Zero ? "-" : "";
        var t = value.Duration();
        if (t < TimeSpan.FromSeconds(1))
        {
            var ns = t.Ticks * 100;
            return sign + (ns < 1000 ? $"{ns}ns" : ns < 1_000_000 ? Fraction(ns, 1000) + "µs" : Fraction(ns, 1_000_000) + "ms");
        }

        var sb = new System.Text.StringBuilder(sign);
        var hours = (long)t.TotalHours;
        if (hours > 0) sb.Append(hours.ToString(CultureInfo.InvariantCulture)).Append('h');
        if (hours > 0 || t.Minutes > 0) sb.Append(t.Minutes.ToString(CultureInfo.InvariantCulture)).Append('m');
        var secondTicks = t.Ticks % TimeSpan.TicksPerMinute;
        sb.Append(Fraction(secondTicks * 100, 1_000_000_000)).Append('s');
        return sb.ToString();
    }

    private static string Fraction(long value, long unit)
    {
        var whole = value / unit;
        var rest = value % unit;
        if (rest == 0) return whole.ToString(CultureInfo.InvariantCulture);
        var digits = unit.ToString(CultureInfo.InvariantCulture).Length - 1;
        return whole.ToString(CultureInfo.InvariantCulture) + "." + rest.ToString(CultureInfo.InvariantCulture).PadLeft(digits, '0').TrimEnd('0');
    }
}
