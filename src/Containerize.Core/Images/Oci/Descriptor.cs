using System.Text.Json.Serialization;

namespace Containerize.Core.Images.Oci;

/// <summary>An OCI content descriptor: what a blob is, where to find it, and how big it is.</summary>
public sealed record Descriptor
{
    [JsonPropertyName("mediaType")]
    public required string MediaType { get; init; }

    [JsonPropertyName("digest")]
    public required Digest Digest { get; init; }

    [JsonPropertyName("size")]
    public required long Size { get; init; }

    [JsonPropertyName("urls")]
    public IReadOnlyList<string>? Urls { get; init; }

    [JsonPropertyName("annotations")]
    public IReadOnlyDictionary<string, string>? Annotations { get; init; }

    [JsonPropertyName("platform")]
    public Platform? Platform { get; init; }

    [JsonPropertyName("artifactType")]
    public string? ArtifactType { get; init; }

    /// <summary>The value of an annotation, or null.</summary>
    public string? Annotation(string key) => Annotations is not null && Annotations.TryGetValue(key, out var v) ? v : null;
}

/// <summary>Well-known annotation keys.</summary>
public static class AnnotationKeys
{
    /// <summary>The tag of a manifest inside an OCI image layout's index.json.</summary>
    public const string RefName = "org.opencontainers.image.ref.name";
    public const string Created = "org.opencontainers.image.created";
    public const string BaseName = "org.opencontainers.image.base.name";
    public const string BaseDigest = "org.opencontainers.image.base.digest";

    /// <summary>containerd's full image name in an OCI archive, which <c>docker load</c> reads.</summary>
    public const string ContainerdImageName = "io.containerd.image.name";
}
