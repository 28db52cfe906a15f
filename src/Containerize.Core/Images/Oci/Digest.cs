using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;
using Containerize.Core.Diagnostics;

namespace Containerize.Core.Images.Oci;

/// <summary>
/// A content digest, <c>algorithm:encoded</c>, as the OCI image spec defines it. Only sha256 and sha512 are
/// accepted for content we read or write; the grammar check follows the spec's descriptor rules.
/// </summary>
[JsonConverter(typeof(DigestJsonConverter))]
public readonly record struct Digest
{
    private Digest(string algorithm, string encoded)
    {
        Algorithm = algorithm;
        Encoded = encoded;
    }

    public string Algorithm { get; }

    /// <summary>The hex part, lower case.</summary>
    public string Encoded { get; }

    /// <summary>The first 12 hex characters: the short id <c>docker images</c> shows.</summary>
    public string ShortId => Encoded[..Math.Min(12, Encoded.Length)];

    public override string ToString() => Algorithm is null ? "" : $"{Algorithm}:{Encoded}";

    public static Digest Sha256(ReadOnlySpan<byte> content) => FromSha256Hash(SHA256.HashData(content));

    public static Digest FromSha256Hash(ReadOnlySpan<byte> hash)
    {
        if (hash.Length != 32) throw new ArgumentException("a SHA-256 hash has 32 bytes", nameof(hash));
        return new Digest("sha256", Convert.ToHexStringLower(hash));
    }

    public static async Task<Digest> Sha256Async(Stream content, CancellationToken cancellationToken = default) =>
        FromSha256Hash(await SHA256.HashDataAsync(content, cancellationToken).ConfigureAwait(false));

    public static Digest Parse(string text) =>
        TryParse(text, out var digest, out var reason)
            ? digest
            : throw new ContainerizeException(ImageErrors.MalformedDigest, $"malformed digest '{text}': {reason}",
                hint: "a digest looks like sha256: followed by 64 lower-case hex characters");

    public static bool TryParse(string? text, out Digest digest) => TryParse(text, out digest, out _);

    private static bool TryParse(string? text, out Digest digest, out string reason)
    {
        digest = default;
        var colon = text?.IndexOf(':') ?? -1;
        if (text is null || colon <= 0)
        {
            reason = "no algorithm";
            return false;
        }

        var algorithm = text[..colon];
        var encoded = text[(colon + 1)..];
        int expected;
        switch (algorithm)
        {
            case "sha256":
                expected = 64;
                break;
            case "sha512":
                expected = 128;
                break;
            default:
                reason = $"unsupported algorithm '{algorithm}'";
                return false;
        }

        if (encoded.Length != expected)
        {
            reason = $"{algorithm} needs {expected} hex characters, got {encoded.Length}";
            return false;
        }

        foreach (var c in encoded)
        {
            if (c is not (>= '0' and <= '9' or >= 'a' and <= 'f'))
            {
                reason = "the encoded part must be lower-case hex";
                return false;
            }
        }

        digest = new Digest(algorithm, encoded);
        reason = "";
        return true;
    }
}

internal sealed class DigestJsonConverter : JsonConverter<Digest>
{
    public override Digest Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        var text = reader.GetString();
        return Digest.TryParse(text, out var d) ? d : throw new JsonException($"malformed digest '{text}'");
    }

    public override void Write(Utf8JsonWriter writer, Digest value, JsonSerializerOptions options) => writer.WriteStringValue(value.ToString());
}
