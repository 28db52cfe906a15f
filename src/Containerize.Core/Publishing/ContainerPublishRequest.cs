using System.Text.Json.Serialization;
using Containerize.Core.Generation;

namespace Containerize.Core.Publishing;

/// <summary>One `dotnet publish -p:ContainerBuild=true`, as the task hands it to Core.</summary>
public sealed record ContainerPublishRequest
{
    public required ProjectModel Project { get; init; }

    /// <summary>The ResolvedFileToPublish items (Host mode stages them; unused with ContainerDockerfile or Container mode).</summary>
    public IReadOnlyList<PublishedFile> Files { get; init; } = [];

    /// <summary>PublishDir: when set, the image gets every file in it, with <see cref="Files"/> as their metadata.</summary>
    public string? PublishDirectory { get; init; }

    /// <summary>The project's <c>obj/container/</c>: the staged context, the Dockerfile, image.json.</summary>
    public required string ContainerDirectory { get; init; }

    /// <summary>The store; null resolves as every command does (CONTAINERIZE_STORE, then the user cache).</summary>
    public string? StorePath { get; init; }

    /// <summary>
    /// One platform of a multi-RID publish: the image stays in the local store under its <c>tag-rid</c> names; the outer
    /// publish pushes, archives or loads the index over every platform.
    /// </summary>
    public bool StoreOnly { get; init; }

    // The native publish host reads its own environment and clock: neither crosses the request file.
    [JsonIgnore]
    public Func<string, string?> Environment { get; init; } = System.Environment.GetEnvironmentVariable;

    /// <summary>The created label's time when there is no ContainerSourceDateEpoch (the SDK uses the clock too).</summary>
    [JsonIgnore]
    public DateTimeOffset Now { get; init; } = DateTimeOffset.UtcNow;
}
