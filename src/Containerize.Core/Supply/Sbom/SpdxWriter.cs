using System.Text;
using System.Text.Json;

namespace Containerize.Core.Supply.Sbom;

/// <summary>
/// SPDX 2.3 JSON (spdx.github.io/spdx-spec/v2.3): the image as the described package, which CONTAINS the application,
/// the runtime, the OS and every package; DEPENDS_ON relationships for the NuGet graph; the layer of each package as an
/// annotation (SPDX 2.3 has no field for it). The namespace and every SPDXID are made from the content, never random.
/// </summary>
public static class SpdxWriter
{
    public const string ImageId = "SPDXRef-Image";

    public static byte[] Write(SbomInventory sbom) => SbomJson.Write(w => WriteDocument(w, sbom));

    private static void WriteDocument(Utf8JsonWriter w, SbomInventory sbom)
    {
        var ids = new SpdxIds();
        var created = SbomJson.Date(sbom.Created);
        var tool = $"Tool: Containerize-{sbom.ToolVersion}";
        var all = new List<SbomComponent> { sbom.Application };
        all.AddRange(sbom.Components);
        foreach (var c in all) ids.Add(c);

        w.WriteStartObject();
        w.WriteString("spdxVersion", "SPDX-2.3");
        w.WriteString("dataLicense", "CC0-1.0");
        w.WriteString("SPDXID", "SPDXRef-DOCUMENT");
        w.WriteString("name", sbom.ImageName);
        w.WriteString("documentNamespace", $"https://containerize.dev/spdx/{Purl.Encode(sbom.ImageName)}/{sbom.ManifestDigest.Replace(':', '-')}");
        w.WriteStartObject("creationInfo");
        w.WriteString("created", created);
        w.WriteStartArray("creators");
        w.WriteStringValue(tool);
        w.WriteEndArray();
        w.WriteEndObject();
        w.WriteStartArray("documentDescribes");
        w.WriteStringValue(ImageId);
        w.WriteEndArray();

        w.WriteStartArray("packages");
        w.WriteStartObject();
        w.WriteString("name", sbom.ImageName);
        w.WriteString("SPDXID", ImageId);
        w.WriteString("versionInfo", sbom.ManifestDigest);
        w.WriteString("downloadLocation", "NOASSERTION");
        w.WriteBoolean("filesAnalyzed", false);
        w.WriteString("licenseConcluded", "NOASSERTION");
        w.WriteString("licenseDeclared", "NOASSERTION");
        w.WriteString("copyrightText", "NOASSERTION");
        w.WriteString("primaryPackagePurpose", "CONTAINER");
        WritePurl(w, SbomJson.ImagePurl(sbom));
        w.WriteString("comment", $"platform {sbom.Platform}" + (sbom.Os is { } os ? $", {os.PrettyName ?? os.Id + " " + os.VersionId}" : ""));
        w.WriteEndObject();
        foreach (var c in all) WritePackage(w, c, ids[c.Ref], created, tool);
        w.WriteEndArray();

        w.WriteStartArray("relationships");
        Relationship(w, "SPDXRef-DOCUMENT", "DESCRIBES", ImageId);
        foreach (var c in all) Relationship(w, ImageId, "CONTAINS", ids[c.Ref]);
        foreach (var c in all)
        {
            foreach (var d in c.DependsOn.Where(ids.Contains)) Relationship(w, ids[c.Ref], "DEPENDS_ON", ids[d]);
        }

        w.WriteEndArray();
        w.WriteEndObject();
    }

    private static void WritePackage(Utf8JsonWriter w, SbomComponent c, string id, string created, string tool)
    {
        w.WriteStartObject();
        w.WriteString("name", c.Name);
        w.WriteString("SPDXID", id);
        w.WriteString("versionInfo", c.Version);
        w.WriteString("downloadLocation", c.Kind == ComponentKind.Application && c.RepositoryUrl is { } repo ? "git+" + repo + (c.Revision is { } rev ? "@" + rev : "") : "NOASSERTION");
        w.WriteBoolean("filesAnalyzed", false);
        if (c.Sha512 is { } sha)
        {
            w.WriteStartArray("checksums");
            w.WriteStartObject();
            w.WriteString("algorithm", "SHA512");
            w.WriteString("checksumValue", sha);
            w.WriteEndObject();
            w.WriteEndArray();
        }

        w.WriteString("licenseConcluded", "NOASSERTION");
        w.WriteString("licenseDeclared", LicenseExpressions.IsValid(c.LicenseExpression) ? c.LicenseExpression : "NOASSERTION");
        if (c.LicenseUrl is { } url) w.WriteString("licenseComments", "declared by URL: " + url);
        else if (c.LicenseExpression is { } e && !LicenseExpressions.IsValid(e)) w.WriteString("licenseComments", "declared as: " + e);
        w.WriteString("copyrightText", "NOASSERTION");
        if (c.Source is { } source && source != c.Name) w.WriteString("sourceInfo", "built from the source package " + source);
        w.WriteString("primaryPackagePurpose", c.Kind switch
        {
            ComponentKind.Application => "APPLICATION",
            ComponentKind.Runtime => "FRAMEWORK",
            _ => "LIBRARY",
        });
        if (c.Purl is { } purl) WritePurl(w, purl);
        if (c.Layer is { } layer)
        {
            w.WriteStartArray("annotations");
            w.WriteStartObject();
            w.WriteString("annotationDate", created);
            w.WriteString("annotationType", "OTHER");
            w.WriteString("annotator", tool);
            w.WriteString("comment", "layer " + layer);
            w.WriteEndObject();
            w.WriteEndArray();
        }

        w.WriteEndObject();
    }

    private static void WritePurl(Utf8JsonWriter w, string purl)
    {
        w.WriteStartArray("externalRefs");
        w.WriteStartObject();
        w.WriteString("referenceCategory", "PACKAGE-MANAGER");
        w.WriteString("referenceType", "purl");
        w.WriteString("referenceLocator", purl);
        w.WriteEndObject();
        w.WriteEndArray();
    }

    private static void Relationship(Utf8JsonWriter w, string from, string type, string to)
    {
        w.WriteStartObject();
        w.WriteString("spdxElementId", from);
        w.WriteString("relationshipType", type);
        w.WriteString("relatedSpdxElement", to);
        w.WriteEndObject();
    }

    /// <summary>SPDXIDs allow letters, digits, '.' and '-': made from the component's kind, name and version, numbered on a clash.</summary>
    private sealed class SpdxIds
    {
        private readonly Dictionary<string, string> _byRef = new(StringComparer.Ordinal);
        private readonly HashSet<string> _used = new(StringComparer.Ordinal);

        public string this[string reference] => _byRef[reference];

        public bool Contains(string reference) => _byRef.ContainsKey(reference);

        public void Add(SbomComponent c)
        {
            if (_byRef.ContainsKey(c.Ref)) return;
            var prefix = c.Kind switch
            {
                ComponentKind.Application => "Application",
                ComponentKind.NuGetPackage => "NuGet",
                ComponentKind.Project => "Project",
                ComponentKind.Runtime => "Runtime",
                _ => "OS",
            };
            var id = $"SPDXRef-{prefix}-{Clean(c.Name)}-{Clean(c.Version)}" + (c.Architecture is { Length: > 0 } a ? "-" + Clean(a) : "");
            var unique = id;
            for (var n = 2; !_used.Add(unique); n++) unique = $"{id}-{n}";
            _byRef[c.Ref] = unique;
        }

        private static string Clean(string text)
        {
            var sb = new StringBuilder(text.Length);
            foreach (var ch in text) sb.Append(char.IsAsciiLetterOrDigit(ch) || ch is '.' or '-' ? ch : '-');
            return sb.ToString();
        }
    }
}
