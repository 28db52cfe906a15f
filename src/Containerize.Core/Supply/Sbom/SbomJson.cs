using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Containerize.Core.Supply.Sbom;

/// <summary>What both SBOM writers share: the writer settings, the date format, ids made from content.</summary>
internal static class SbomJson
{
    // Indented: SBOMs are read by people too; the bytes are still fixed by the content.
    public static readonly JsonWriterOptions Options = new() { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static string Date(DateTimeOffset value) => value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    /// <summary>A UUID made from the text (RFC 9562 version 8 layout: name-based, SHA-256), never a random one.</summary>
    public static string Uuid(string name)
    {
        var h = SHA256.HashData(Encoding.UTF8.GetBytes(name));
        h[6] = (byte)((h[6] & 0x0F) | 0x80);
        h[8] = (byte)((h[8] & 0x3F) | 0x80);
        var hex = Convert.ToHexStringLower(h.AsSpan(0, 16));
        return $"{hex[..8]}-{hex[8..12]}-{hex[12..16]}-{hex[16..20]}-{hex[20..32]}";
    }

    public static byte[] Write(Action<Utf8JsonWriter> body)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, Options)) body(w);
        buffer.WriteByte((byte)'\n');
        return buffer.ToArray();
    }

    /// <summary><c>pkg:oci/NAME@sha256%3A...?repository_url=REGISTRY/REPO</c>: the image as a package URL.</summary>
    public static string ImagePurl(SbomInventory sbom)
    {
        var repository = sbom.ImageName;
        var colon = repository.LastIndexOf(':');
        if (colon > repository.LastIndexOf('/')) repository = repository[..colon];
        var name = repository[(repository.LastIndexOf('/') + 1)..].ToLowerInvariant();
        return $"pkg:oci/{Purl.Encode(name)}@{Purl.Encode(sbom.ManifestDigest)}?repository_url={Purl.Encode(repository)}";
    }
}
