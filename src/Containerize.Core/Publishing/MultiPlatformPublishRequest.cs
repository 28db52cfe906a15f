
namespace Containerize.Core.Publishing;

/// <summary>
/// The outer publish of several container RIDs, after each inner publish built its platform's image into the store:
/// the user's names and destinations, and where each RID's image.json is.
/// </summary>
public sealed record MultiPlatformPublishRequest
{
    public required string ProjectPath { get; init; }

    /// <summary>The project's <c>obj/container/</c>: the index's image.json goes here, each RID's build under <c>&lt;rid&gt;/</c>.</summary>
    public required string ContainerDirectory { get; init; }

    /// <summary>The container RIDs in the order given: the index lists their manifests in this order.</summary>
    public required IReadOnlyList<string> RuntimeIdentifiers { get; init; }

    public required string AssemblyName { get; init; }
    public string? ContainerRepository { get; init; }
    public string? ContainerImageTag { get; init; }
    public IReadOnlyList<string> ContainerImageTags { get; init; } = [];
    public string? ContainerRegistry { get; init; }
    public string? ContainerArchiveOutputPath { get; init; }
    public string? ContainerImageFormat { get; init; }
    public string? LocalRegistry { get; init; }
    public bool ContainerOffline { get; init; }

    /// <summary>The store; null resolves as every command does (CONTAINERIZE_STORE, then the user cache).</summary>
    public string? StorePath { get; init; }

    public Func<string, string?> Environment { get; init; } = System.Environment.GetEnvironmentVariable;

    /// <summary>Where RID <paramref name="rid"/>'s inner publish keeps its obj/container files.</summary>
    public static string PlatformDirectory(string containerDirectory, string rid) => Path.Combine(containerDirectory, rid);
}
