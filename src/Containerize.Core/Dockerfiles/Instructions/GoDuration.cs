using System.Globalization;

namespace Containerize.Core.Dockerfiles.Instructions;

/// <summary>Go's time.ParseDuration, which HEALTHCHECK options use: "1h30m", "1.5s", "300ms", "0".</summary>
public static class GoDuration
{
    private static readonly (string Unit, double Ticks)[] Units =
    [
        ("ns", 0.01), ("us", 10), ("µs", 10), ("μs", 10), ("ms", TimeSpan.TicksPerMillisecond), ("s", TimeSpan.TicksPerSecond),
        ("m", TimeSpan.TicksPerMinute), ("h", TimeSpan.TicksPerHour),
    ];

    public static bool TryParse(string text, out TimeSpan value)
    {
        value = TimeSpan.Zero;
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
        double ticks = 0;
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
            ticks += number * unit.Ticks;
        }

        value = TimeSpan.FromTicks((long)Math.Round(negative ? -ticks : ticks));
        return true;
    }
}
