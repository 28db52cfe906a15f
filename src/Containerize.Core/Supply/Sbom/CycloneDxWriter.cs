using System.Text.Json;

namespace Containerize.Core.Supply.Sbom;

/// <summary>
/// CycloneDX 1.6 JSON (cyclonedx.org/docs/1.6/json): the image as metadata.component (type container), every other
/// component beside it, the NuGet graph under dependencies, and the layer of each component as a property
/// (<c>containerize:layer</c>). The serial number is made from the image digest, never random.
/// </summary>
public static class CycloneDxWriter
{
    public const string ImageRef = "image";
    public const string LayerProperty = "containerize:layer";

    public static byte[] Write(SbomInventory sbom) => SbomJson.Write(w => WriteBom(w, sbom));

    private static void WriteBom(Utf8JsonWriter w, SbomInventory sbom)
    {
        var all = new List<SbomComponent> { sbom.Application };
        all.AddRange(sbom.Components);
        var refs = all.Select(c => c.Ref).ToHashSet(StringComparer.Ordinal);

        w.WriteStartObject();
        w.WriteString("bomFormat", "CycloneDX");
        w.WriteString("specVersion", "1.6");
        w.WriteString("serialNumber", "urn:uuid:" + SbomJson.Uuid("cyclonedx " + sbom.ImageName + " " + sbom.ManifestDigest));
        w.WriteNumber("version", 1);
        w.WriteStartObject("metadata");
        w.WriteString("timestamp", SbomJson.Date(sbom.Created));
        w.WriteStartObject("tools");
        w.WriteStartArray("components");
        w.WriteStartObject();
        w.WriteString("type", "application");
        w.WriteString("name", "Containerize");
        w.WriteString("version", sbom.ToolVersion);
        w.WriteEndObject();
        w.WriteEndArray();
        w.WriteEndObject();
        w.WriteStartObject("component");
        w.WriteString("type", "container");
        w.WriteString("bom-ref", ImageRef);
        w.WriteString("name", sbom.ImageName);
        w.WriteString("version", sbom.ManifestDigest);
        w.WriteString("purl", SbomJson.ImagePurl(sbom));
        w.WriteStartArray("properties");
        Property(w, "containerize:platform", sbom.Platform);
        w.WriteEndArray();
        w.WriteEndObject();
        w.WriteEndObject();

        w.WriteStartArray("components");
        if (sbom.Os is { } os)
        {
            w.WriteStartObject();
            w.WriteString("type", "operating-system");
            w.WriteString("bom-ref", OsRef(os));
            w.WriteString("name", os.Id);
            w.WriteString("version", os.VersionId);
            if (os.PrettyName is { } pretty) w.WriteString("description", pretty);
            w.WriteEndObject();
        }

        foreach (var c in all) WriteComponent(w, c);
        w.WriteEndArray();

        w.WriteStartArray("dependencies");
        w.WriteStartObject();
        w.WriteString("ref", ImageRef);
        w.WriteStartArray("dependsOn");
        if (sbom.Os is { } o) w.WriteStringValue(OsRef(o));
        foreach (var c in all) w.WriteStringValue(c.Ref);
        w.WriteEndArray();
        w.WriteEndObject();
        foreach (var c in all)
        {
            w.WriteStartObject();
            w.WriteString("ref", c.Ref);
            w.WriteStartArray("dependsOn");
            foreach (var d in c.DependsOn.Where(refs.Contains).Distinct(StringComparer.Ordinal)) w.WriteStringValue(d);
            w.WriteEndArray();
            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteEndObject();
    }

    private static string OsRef(OsRelease os) => $"os:{os.Id}-{os.VersionId}";

    private static void WriteComponent(Utf8JsonWriter w, SbomComponent c)
    {
        w.WriteStartObject();
        w.WriteString("type", c.Kind switch
        {
            ComponentKind.Application => "application",
            ComponentKind.Runtime => "framework",
            _ => "library",
        });
        w.WriteString("bom-ref", c.Ref);
        w.WriteString("name", c.Name);
        w.WriteString("version", c.Version);
        w.WriteString("scope", "required");
        if (c.Sha512 is { } sha)
        {
            w.WriteStartArray("hashes");
            w.WriteStartObject();
            w.WriteString("alg", "SHA-512");
            w.WriteString("content", sha);
            w.WriteEndObject();
            w.WriteEndArray();
        }

        if (LicenseExpressions.IsValid(c.LicenseExpression))
        {
            w.WriteStartArray("licenses");
            w.WriteStartObject();
            w.WriteString("expression", c.LicenseExpression);
            w.WriteEndObject();
            w.WriteEndArray();
        }
        else if (c.LicenseUrl is not null || c.LicenseExpression is not null)
        {
            w.WriteStartArray("licenses");
            w.WriteStartObject();
            w.WriteStartObject("license");
            w.WriteString("name", c.LicenseExpression ?? c.LicenseUrl);
            if (c.LicenseUrl is { } url) w.WriteString("url", url);
            w.WriteEndObject();
            w.WriteEndObject();
            w.WriteEndArray();
        }

        if (c.Purl is { } purl) w.WriteString("purl", purl);
        if (c.RepositoryUrl is { } repo)
        {
            w.WriteStartArray("externalReferences");
            w.WriteStartObject();
            w.WriteString("type", "vcs");
            w.WriteString("url", repo);
            if (c.Revision is { } rev) w.WriteString("comment", "revision " + rev);
            w.WriteEndObject();
            w.WriteEndArray();
        }

        var props = new List<(string, string)>();
        if (c.Layer is { } layer) props.Add((LayerProperty, layer));
        if (c.Kind is ComponentKind.NuGetPackage or ComponentKind.Project) props.Add(("containerize:direct", c.Direct ? "true" : "false"));
        if (c.Architecture is { } arch) props.Add(("containerize:architecture", arch));
        if (c.Source is { } source && source != c.Name) props.Add(("containerize:source-package", source));
        if (c.Revision is { } revision) props.Add(("containerize:revision", revision));
        if (props.Count > 0)
        {
            w.WriteStartArray("properties");
            foreach (var (n, v) in props) Property(w, n, v);
            w.WriteEndArray();
        }

        w.WriteEndObject();
    }

    private static void Property(Utf8JsonWriter w, string name, string value)
    {
        w.WriteStartObject();
        w.WriteString("name", name);
        w.WriteString("value", value);
        w.WriteEndObject();
    }
}
