using System.Text;
using System.Text.Json;
using Containerize.Core.Images.Oci;

namespace Containerize.Core.Supply.Signing;

/// <summary>
/// The "simple signing" payload (containers/image's signature format, as cosign writes it): what a signature
/// signs. <see cref="ToBytes"/> gives the exact bytes cosign's Go code marshals, so a payload we write and one cosign
/// writes for the same image and identity are the same blob, with the same digest.
/// </summary>
/// <param name="DockerReference">The identity the signer claims: by default the repository (<see cref="CosignFormat.DockerReference"/>).</param>
/// <param name="ManifestDigest">The digest of the signed manifest or index.</param>
public sealed record SimpleSigningPayload(string DockerReference, Digest ManifestDigest)
{
    /// <summary>Payloads are a few hundred bytes; one far larger is not read (a hostile registry could serve anything).</summary>
    internal const long MaxSize = 1024 * 1024;

    /// <summary>
    /// <c>{"critical":{"identity":{"docker-reference":R},"image":{"docker-manifest-digest":D},"type":T},"optional":null}</c>:
    /// Go's encoding/json field order, no spaces, no trailing newline, strings escaped as Go escapes them.
    /// </summary>
    public byte[] ToBytes()
    {
        var text = new StringBuilder(256)
            .Append("{\"critical\":{\"identity\":{\"docker-reference\":").Append(GoString(DockerReference))
            .Append("},\"image\":{\"docker-manifest-digest\":").Append(GoString(ManifestDigest.ToString()))
            .Append("},\"type\":").Append(GoString(CosignFormat.PayloadType))
            .Append("},\"optional\":null}");
        return Encoding.UTF8.GetBytes(text.ToString());
    }

    /// <summary>
    /// Reads a payload someone signed: null when it is not JSON, not of cosign's type, or names no valid digest.
    /// Other fields (optional annotations, a newer cosign's additions) are allowed and ignored.
    /// </summary>
    public static SimpleSigningPayload? TryParse(ReadOnlySpan<byte> json)
    {
        try
        {
            var reader = new Utf8JsonReader(json);
            using var document = JsonDocument.ParseValue(ref reader);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object ||
                !root.TryGetProperty("critical", out var critical) || critical.ValueKind != JsonValueKind.Object ||
                !critical.TryGetProperty("type", out var type) || type.ValueKind != JsonValueKind.String || type.GetString() != CosignFormat.PayloadType ||
                !critical.TryGetProperty("image", out var image) || image.ValueKind != JsonValueKind.Object ||
                !image.TryGetProperty("docker-manifest-digest", out var digest) || digest.ValueKind != JsonValueKind.String ||
                !Digest.TryParse(digest.GetString(), out var parsed))
            {
                return null;
            }

            var reference = critical.TryGetProperty("identity", out var identity) && identity.ValueKind == JsonValueKind.Object &&
                identity.TryGetProperty("docker-reference", out var r) && r.ValueKind == JsonValueKind.String
                ? r.GetString() ?? ""
                : "";
            return new SimpleSigningPayload(reference, parsed);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>A JSON string as Go's encoding/json (1.22 and later) writes it: HTML characters and U+2028/9 escaped, the rest literal.</summary>
    private static string GoString(string value)
    {
        var s = new StringBuilder(value.Length + 2).Append('"');
        foreach (var c in value)
        {
            switch (c)
            {
                case '"': s.Append("\\\""); break;
                case '\\': s.Append("\\\\"); break;
                case '\n': s.Append("\\n"); break;
                case '\r': s.Append("\\r"); break;
                case '\t': s.Append("\\t"); break;
                case '\b': s.Append("\\b"); break;
                case '\f': s.Append("\\f"); break;
                case < ' ' or '<' or '>' or '&' or '\u2028' or '\u2029': s.Append("\\u").Append(((int)c).ToString("x4", System.Globalization.CultureInfo.InvariantCulture)); break;
                default: s.Append(c); break;
            }
        }

        return s.Append('"').ToString();
    }
}
