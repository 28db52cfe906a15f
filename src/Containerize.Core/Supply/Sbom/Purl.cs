using System.Text;

namespace Containerize.Core.Supply.Sbom;

/// <summary>Package URLs (github.com/package-url/purl-spec): the one id every SBOM consumer and vulnerability database reads.</summary>
public static class Purl
{
    public static string NuGet(string name, string version) => $"pkg:nuget/{Encode(name)}@{Encode(version)}";

    /// <summary><c>pkg:deb/debian/libc6@2.36-9?arch=amd64&amp;distro=debian-12</c>; the namespace is the OS's ID.</summary>
    public static string Deb(string distroId, string name, string version, string? arch, string? distroVersion) =>
        $"pkg:deb/{Encode(distroId)}/{Encode(name)}@{Encode(version)}{Qualifiers(arch, distroId, distroVersion)}";

    public static string Apk(string distroId, string name, string version, string? arch, string? distroVersion) =>
        $"pkg:apk/{Encode(distroId)}/{Encode(name)}@{Encode(version)}{Qualifiers(arch, distroId, distroVersion)}";

    private static string Qualifiers(string? arch, string distroId, string? distroVersion)
    {
        // Qualifiers sorted by key, as the spec's canonical form.
        var parts = new List<string>();
        if (!string.IsNullOrEmpty(arch)) parts.Add("arch=" + Encode(arch));
        if (!string.IsNullOrEmpty(distroVersion)) parts.Add("distro=" + Encode($"{distroId}-{distroVersion}"));
        return parts.Count == 0 ? "" : "?" + string.Join('&', parts);
    }

    /// <summary>Percent-encodes all but the spec's unreserved characters (so '+' in a Debian version is %2B).</summary>
    public static string Encode(string text)
    {
        var sb = new StringBuilder(text.Length);
        foreach (var b in Encoding.UTF8.GetBytes(text))
        {
            var c = (char)b;
            if (c is >= 'a' and <= 'z' or >= 'A' and <= 'Z' or >= '0' and <= '9' or '.' or '-' or '_' or '~') sb.Append(c);
            else sb.Append('%').Append(b.ToString("X2"));
        }

        return sb.ToString();
    }
}
