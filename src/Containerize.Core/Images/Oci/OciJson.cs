using System.Text.Json;
using System.Text.Json.Serialization;
using Containerize.Core.Diagnostics;

namespace Containerize.Core.Images.Oci;

/// <summary>
/// Canonical JSON for OCI documents: compact, properties in declaration order, null fields left out, and map
/// keys sorted ordinally, so that the same document always has the same bytes and so the same digest.
/// </summary>
public static class OciJson
{
    // The default encoder escapes '+' (in every layer media type) and other HTML-sensitive characters; Docker,
    // containerd and skopeo write them plainly, and the same document should have the same bytes everywhere.
    private static readonly OciJsonContext Writer = new(new JsonSerializerOptions(OciJsonContext.Default.Options)
    {
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    });

    public static byte[] Serialize(ImageManifest value) => JsonSerializer.SerializeToUtf8Bytes(value, Writer.ImageManifest);

    public static byte[] Serialize(ImageIndex value) => JsonSerializer.SerializeToUtf8Bytes(value, Writer.ImageIndex);

    public static byte[] Serialize(ImageConfiguration value) => JsonSerializer.SerializeToUtf8Bytes(value, Writer.ImageConfiguration);

    public static byte[] Serialize(ImageLayoutHeader value) => JsonSerializer.SerializeToUtf8Bytes(value, Writer.ImageLayoutHeader);

    public static ImageManifest DeserializeManifest(ReadOnlySpan<byte> json, string what = "manifest") =>
        Read(json, OciJsonContext.Default.ImageManifest, what);

    public static ImageIndex DeserializeIndex(ReadOnlySpan<byte> json, string what = "index") =>
        Read(json, OciJsonContext.Default.ImageIndex, what);

    public static ImageConfiguration DeserializeConfig(ReadOnlySpan<byte> json, string what = "image config") =>
        Read(json, OciJsonContext.Default.ImageConfiguration, what);

    /// <summary>The mediaType field of a manifest or index, to tell them apart before reading either.</summary>
    public static string? PeekMediaType(ReadOnlySpan<byte> json)
    {
        try
        {
            var reader = new Utf8JsonReader(json);
            using var doc = JsonDocument.ParseValue(ref reader);
            if (doc.RootElement.ValueKind != JsonValueKind.Object) return null;
            if (doc.RootElement.TryGetProperty("mediaType", out var mt) && mt.ValueKind == JsonValueKind.String) return mt.GetString();
            // A document without mediaType: an index has "manifests", a manifest has "config".
            if (doc.RootElement.TryGetProperty("manifests", out _)) return MediaTypes.OciIndex;
            if (doc.RootElement.TryGetProperty("config", out _)) return MediaTypes.OciManifest;
            return null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static T Read<T>(ReadOnlySpan<byte> json, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> info, string what)
    {
        try
        {
            return JsonSerializer.Deserialize(json, info) ?? throw new JsonException("null document");
        }
        catch (JsonException e)
        {
            throw new ContainerizeException(ImageErrors.MalformedJson, $"malformed {what}: {e.Message}",
                hint: "the blob is not a valid OCI document; check where the image came from", inner: e);
        }
    }
}

[JsonSourceGenerationOptions(
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    Converters = [typeof(SortedStringMapConverter), typeof(SortedEmptyObjectMapConverter)])]
[JsonSerializable(typeof(ImageManifest))]
[JsonSerializable(typeof(ImageIndex))]
[JsonSerializable(typeof(ImageConfiguration))]
[JsonSerializable(typeof(ImageLayoutHeader))]
internal sealed partial class OciJsonContext : JsonSerializerContext;

/// <summary>Writes string maps (labels, annotations) with ordinally sorted keys.</summary>
internal sealed class SortedStringMapConverter : JsonConverter<IReadOnlyDictionary<string, string>>
{
    public override IReadOnlyDictionary<string, string> Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        if (reader.TokenType != JsonTokenType.StartObject) throw new JsonException("expected an object");
        while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
        {
            var key = reader.GetString()!;
            reader.Read();
            result[key] = reader.TokenType == JsonTokenType.Null ? "" : reader.GetString() ?? "";
        }

        return result;
    }

    public override void Write(Utf8JsonWriter writer, IReadOnlyDictionary<string, string> value, JsonSerializerOptions options)
    {
        writer.WriteStartObject();
        foreach (var key in value.Keys.Order(StringComparer.Ordinal)) writer.WriteString(key, value[key]);
        writer.WriteEndObject();
    }
}

/// <summary>Writes <c>{"80/tcp":{}}</c>-style sets (ExposedPorts, Volumes) with ordinally sorted keys.</summary>
internal sealed class SortedEmptyObjectMapConverter : JsonConverter<IReadOnlyDictionary<string, EmptyObject>>
{
    public override IReadOnlyDictionary<string, EmptyObject> Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        var result = new Dictionary<string, EmptyObject>(StringComparer.Ordinal);
        if (reader.TokenType != JsonTokenType.StartObject) throw new JsonException("expected an object");
        while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
        {
            var key = reader.GetString()!;
            reader.Read();
            reader.Skip();
            result[key] = EmptyObject.Instance;
        }

        return result;
    }

    public override void Write(Utf8JsonWriter writer, IReadOnlyDictionary<string, EmptyObject> value, JsonSerializerOptions options)
    {
        writer.WriteStartObject();
        foreach (var key in value.Keys.Order(StringComparer.Ordinal))
        {
            writer.WritePropertyName(key);
            writer.WriteStartObject();
            writer.WriteEndObject();
        }

        writer.WriteEndObject();
    }
}
