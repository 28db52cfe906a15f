using System.Text.Json.Serialization;

namespace Containerize.Core.Images.Transfer;

/// <summary>One image of a docker-archive's manifest.json, as <c>docker save</c> writes it.</summary>
internal sealed record DockerArchiveEntry
{
    [JsonPropertyName("Config")]
    public string? Config { get; init; }

    [JsonPropertyName("RepoTags")]
    public List<string>? RepoTags { get; init; }

    [JsonPropertyName("Layers")]
    public List<string>? Layers { get; init; }
}

[JsonSerializable(typeof(List<DockerArchiveEntry>))]
internal sealed partial class DockerArchiveJsonContext : JsonSerializerContext;
