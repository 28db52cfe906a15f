using System.Text.Json.Serialization;

namespace Containerize.Core.Images.Oci;

/// <summary>
/// The image config blob (OCI image-spec config.md), with the Docker fields that Docker and BuildKit write too
/// (Healthcheck, Shell, OnBuild, ArgsEscaped), so that an image round-trips through both.
/// </summary>
public sealed record ImageConfiguration
{
    [JsonPropertyName("created")]
    public DateTimeOffset? Created { get; init; }

    [JsonPropertyName("author")]
    public string? Author { get; init; }

    [JsonPropertyName("architecture")]
    public required string Architecture { get; init; }

    [JsonPropertyName("os")]
    public required string Os { get; init; }

    [JsonPropertyName("os.version")]
    public string? OsVersion { get; init; }

    [JsonPropertyName("os.features")]
    public IReadOnlyList<string>? OsFeatures { get; init; }

    [JsonPropertyName("variant")]
    public string? Variant { get; init; }

    [JsonPropertyName("config")]
    public ContainerConfig? Config { get; init; }

    [JsonPropertyName("rootfs")]
    public required RootFs RootFs { get; init; }

    [JsonPropertyName("history")]
    public IReadOnlyList<HistoryEntry>? History { get; init; }

    [JsonIgnore]
    public Platform Platform => new() { Os = Os, Architecture = Architecture, Variant = Variant, OsVersion = OsVersion };
}

/// <summary>The execution parameters of a container made from the image.</summary>
public sealed record ContainerConfig
{
    [JsonPropertyName("User")]
    public string? User { get; init; }

    [JsonPropertyName("ExposedPorts")]
    public IReadOnlyDictionary<string, EmptyObject>? ExposedPorts { get; init; }

    [JsonPropertyName("Env")]
    public IReadOnlyList<string>? Env { get; init; }

    [JsonPropertyName("Entrypoint")]
    public IReadOnlyList<string>? Entrypoint { get; init; }

    [JsonPropertyName("Cmd")]
    public IReadOnlyList<string>? Cmd { get; init; }

    [JsonPropertyName("Volumes")]
    public IReadOnlyDictionary<string, EmptyObject>? Volumes { get; init; }

    [JsonPropertyName("WorkingDir")]
    public string? WorkingDir { get; init; }

    [JsonPropertyName("Labels")]
    public IReadOnlyDictionary<string, string>? Labels { get; init; }

    [JsonPropertyName("StopSignal")]
    public string? StopSignal { get; init; }

    [JsonPropertyName("ArgsEscaped")]
    public bool? ArgsEscaped { get; init; }

    [JsonPropertyName("Healthcheck")]
    public HealthConfig? Healthcheck { get; init; }

    [JsonPropertyName("Shell")]
    public IReadOnlyList<string>? Shell { get; init; }

    [JsonPropertyName("OnBuild")]
    public IReadOnlyList<string>? OnBuild { get; init; }
}

/// <summary>Docker's HEALTHCHECK; durations are nanoseconds, as Docker stores them.</summary>
public sealed record HealthConfig
{
    [JsonPropertyName("Test")]
    public IReadOnlyList<string>? Test { get; init; }

    [JsonPropertyName("Interval")]
    public long? Interval { get; init; }

    [JsonPropertyName("Timeout")]
    public long? Timeout { get; init; }

    [JsonPropertyName("StartPeriod")]
    public long? StartPeriod { get; init; }

    [JsonPropertyName("StartInterval")]
    public long? StartInterval { get; init; }

    [JsonPropertyName("Retries")]
    public int? Retries { get; init; }
}

public sealed record RootFs
{
    [JsonPropertyName("type")]
    public string Type { get; init; } = "layers";

    [JsonPropertyName("diff_ids")]
    public required IReadOnlyList<Digest> DiffIds { get; init; }
}

public sealed record HistoryEntry
{
    [JsonPropertyName("created")]
    public DateTimeOffset? Created { get; init; }

    [JsonPropertyName("created_by")]
    public string? CreatedBy { get; init; }

    [JsonPropertyName("author")]
    public string? Author { get; init; }

    [JsonPropertyName("comment")]
    public string? Comment { get; init; }

    [JsonPropertyName("empty_layer")]
    public bool? EmptyLayer { get; init; }
}

/// <summary>The <c>{}</c> value of ExposedPorts and Volumes entries.</summary>
public sealed record EmptyObject
{
    public static EmptyObject Instance { get; } = new();
}
