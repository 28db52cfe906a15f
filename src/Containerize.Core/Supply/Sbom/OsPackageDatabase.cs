namespace Containerize.Core.Supply.Sbom;

/// <summary>One installed OS package, as dpkg's or apk's database records it.</summary>
public sealed record OsPackage(string Name, string Version, string? Architecture, string? Source, string? License, bool Apk);

/// <summary>
/// The package databases of Debian-family and Alpine images: dpkg's <c>/var/lib/dpkg/status</c> (and the
/// <c>status.d/</c> files of distroless and chiseled images, one package each, with no Status field) and apk's
/// <c>/lib/apk/db/installed</c>, plus <c>os-release</c>. The text comes from an untrusted base image: parsing never
/// throws, and what is not a package paragraph is skipped.
/// </summary>
public static class OsPackageDatabase
{
    public static IEnumerable<OsPackage> ParseDpkg(string text, bool requireInstalledStatus = true)
    {
        foreach (var fields in Paragraphs(text, ':'))
        {
            if (!fields.TryGetValue("Package", out var name) || !fields.TryGetValue("Version", out var version) || name.Length == 0 || version.Length == 0) continue;
            // "install ok installed"; a removed package keeps a paragraph with "deinstall ok config-files".
            if (fields.TryGetValue("Status", out var status) ? !status.EndsWith(" installed", StringComparison.Ordinal) : requireInstalledStatus) continue;
            fields.TryGetValue("Architecture", out var arch);
            string? source = null;
            if (fields.TryGetValue("Source", out var s) && s.Length > 0)
            {
                // "Source: glibc (2.36-9)": the source package's own version follows in parentheses.
                var space = s.IndexOf(' ');
                source = space < 0 ? s : s[..space];
            }

            yield return new OsPackage(name, version, arch, source, null, Apk: false);
        }
    }

    public static IEnumerable<OsPackage> ParseApk(string text)
    {
        foreach (var fields in Paragraphs(text, ':', singleLetterKeys: true))
        {
            if (!fields.TryGetValue("P", out var name) || !fields.TryGetValue("V", out var version) || name.Length == 0 || version.Length == 0) continue;
            fields.TryGetValue("A", out var arch);
            fields.TryGetValue("L", out var license);
            fields.TryGetValue("o", out var origin);
            yield return new OsPackage(name, version, arch, origin, string.IsNullOrWhiteSpace(license) ? null : license.Trim(), Apk: true);
        }
    }

    public static OsRelease? ParseOsRelease(string text)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.Trim();
            var eq = line.IndexOf('=');
            if (line.StartsWith('#') || eq <= 0) continue;
            var value = line[(eq + 1)..].Trim();
            if (value.Length >= 2 && (value[0] == '"' || value[0] == '\'') && value[^1] == value[0]) value = value[1..^1];
            values[line[..eq]] = value;
        }

        if (!values.TryGetValue("ID", out var id) || id.Length == 0) return null;
        values.TryGetValue("VERSION_ID", out var versionId);
        values.TryGetValue("PRETTY_NAME", out var pretty);
        return new OsRelease(id, versionId ?? "", pretty);
    }

    // Deb822-style paragraphs: "Key: value" lines, continuation lines start with a space, a blank line ends one.
    private static IEnumerable<Dictionary<string, string>> Paragraphs(string text, char separator, bool singleLetterKeys = false)
    {
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.TrimEnd('\r');
            if (line.Length == 0)
            {
                if (fields.Count > 0) yield return fields;
                fields = new Dictionary<string, string>(StringComparer.Ordinal);
                continue;
            }

            if (line[0] is ' ' or '\t') continue;
            var colon = line.IndexOf(separator);
            if (colon <= 0 || (singleLetterKeys && colon != 1)) continue;
            fields.TryAdd(line[..colon], line[(colon + 1)..].Trim());
        }

        if (fields.Count > 0) yield return fields;
    }
}
