using System.Globalization;

namespace Containerize.Core.Generation;

/// <summary>
/// A strict SemVer 2.0 version (major.minor.patch[-labels][+metadata]), the form NuGet's SemanticVersion.TryParse
/// accepts: the SDK's base image inference reads the SDK version and the target framework version with it.
/// </summary>
internal sealed record SemVer(int Major, int Minor, int Patch, IReadOnlyList<string> ReleaseLabels)
{
    public bool IsPrerelease => ReleaseLabels.Count > 0;

    public static SemVer? TryParse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text)) return null;
        var s = text.Trim();
        var plus = s.IndexOf('+');
        if (plus >= 0)
        {
            if (!ValidIdentifiers(s[(plus + 1)..], numericLeadingZeroAllowed: true)) return null;
            s = s[..plus];
        }

        string[] labels = [];
        var dash = s.IndexOf('-');
        if (dash >= 0)
        {
            var release = s[(dash + 1)..];
            if (!ValidIdentifiers(release, numericLeadingZeroAllowed: false)) return null;
            labels = release.Split('.');
            s = s[..dash];
        }

        var parts = s.Split('.');
        if (parts.Length != 3) return null;
        var numbers = new int[3];
        for (var i = 0; i < 3; i++)
        {
            if (parts[i].Length == 0 || parts[i].Any(c => c is < '0' or > '9') || (parts[i].Length > 1 && parts[i][0] == '0')) return null;
            if (!int.TryParse(parts[i], NumberStyles.None, CultureInfo.InvariantCulture, out numbers[i])) return null;
        }

        return new SemVer(numbers[0], numbers[1], numbers[2], labels);
    }

    public int CompareTo(int major, int minor, int patch) =>
        (Major, Minor, Patch).CompareTo((major, minor, patch)) is var c && c != 0 ? c : (IsPrerelease ? -1 : 0);

    private static bool ValidIdentifiers(string text, bool numericLeadingZeroAllowed)
    {
        if (text.Length == 0) return false;
        foreach (var id in text.Split('.'))
        {
            if (id.Length == 0 || id.Any(c => !(char.IsAsciiLetterOrDigit(c) || c == '-'))) return false;
            if (!numericLeadingZeroAllowed && id.Length > 1 && id[0] == '0' && id.All(char.IsAsciiDigit)) return false;
        }

        return true;
    }
}
