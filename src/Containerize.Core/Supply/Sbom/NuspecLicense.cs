using System.Xml;

namespace Containerize.Core.Supply.Sbom;

/// <summary>
/// The license a NuGet package declares, from the .nuspec its restore extracted: an SPDX expression
/// (<c>&lt;license type="expression"&gt;</c>) or a URL (<c>&lt;licenseUrl&gt;</c>, older packages). The file is the
/// package author's text: read with no DTD, no external entities and a size cap, and any trouble means "not declared".
/// </summary>
public static class NuspecLicense
{
    private const long MaxSize = 4L << 20;

    public static (string? Expression, string? Url) Read(IReadOnlyList<string> packageFolders, string? libraryPath, string packageId)
    {
        if (string.IsNullOrEmpty(libraryPath)) return (null, null);
        foreach (var folder in packageFolders)
        {
            var path = Path.Combine(folder, libraryPath.Replace('/', Path.DirectorySeparatorChar), packageId.ToLowerInvariant() + ".nuspec");
            var info = new FileInfo(path);
            if (!info.Exists || info.Length > MaxSize) continue;
            try
            {
                return Parse(path);
            }
            catch (Exception e) when (e is XmlException or IOException or UnauthorizedAccessException)
            {
                return (null, null);
            }
        }

        return (null, null);
    }

    private static (string? Expression, string? Url) Parse(string path)
    {
        var settings = new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit, XmlResolver = null, IgnoreComments = true, MaxCharactersInDocument = MaxSize };
        using var reader = XmlReader.Create(path, settings);
        string? expression = null, url = null;
        while (reader.Read())
        {
            if (reader.NodeType != XmlNodeType.Element) continue;
            if (reader.LocalName == "license" && reader.GetAttribute("type") == "expression")
            {
                expression = reader.ReadElementContentAsString().Trim();
            }
            else if (reader.LocalName == "licenseUrl")
            {
                url = reader.ReadElementContentAsString().Trim();
            }
        }

        // NuGet writes the deprecation URL beside an expression; the expression is the license.
        return (string.IsNullOrEmpty(expression) ? null : expression, string.IsNullOrEmpty(expression) && Uri.TryCreate(url, UriKind.Absolute, out var u) && u.Scheme is "https" or "http" ? url : null);
    }
}
