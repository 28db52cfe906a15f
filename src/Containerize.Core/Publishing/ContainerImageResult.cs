
namespace Containerize.Core.Publishing;

/// <summary>
/// What a container publish produced, as MSBuild and CI read it (obj/container/image.json): the names, the digests,
/// each layer the build added with its size and whether the cache gave it, and where the image went.
/// </summary>
public sealed record ContainerImageResult
{
    /// <summary>The first name: <c>[registry/]repository:tag</c>.</summary>
    public required string Reference { get; init; }

    public required IReadOnlyList<string> Names { get; init; }

    /// <summary>The manifest digest; null when an external engine built the image and did not push it.</summary>
    public string? ManifestDigest { get; init; }

    public string? ManifestMediaType { get; init; }

    /// <summary>The config digest, which Docker calls the image ID.</summary>
    public required string ImageId { get; init; }

    /// <summary>Compressed bytes of the config and every layer: what a registry holds for this image.</summary>
    public long Size { get; init; }

    /// <summary>The layers the build added on top of the base image, in order.</summary>
    public IReadOnlyList<ImageLayerResult> Layers { get; init; } = [];

    public int BaseLayerCount { get; init; }

    public required string DockerfilePath { get; init; }

    public string? ArchivePath { get; init; }

    /// <summary>The registry references pushed, or empty.</summary>
    public IReadOnlyList<string> Pushed { get; init; } = [];

    public long BytesUploaded { get; init; }

    /// <summary>The daemon the image was loaded into (<c>docker</c>, <c>podman</c>), or null.</summary>
    public string? LoadedInto { get; init; }

    /// <summary>Several RIDs: the image of each platform under the index that <see cref="ManifestDigest"/> names, in RID order.</summary>
    public IReadOnlyList<PlatformImageResult> Platforms { get; init; } = [];

    /// <summary>The base image as resolved for this build (<c>name:tag@digest</c>), or null when it was not resolved before the build.</summary>
    public string? BaseImage { get; init; }

    /// <summary>The base digest the previous build used, when the tag has moved since: this build took the new one.</summary>
    public string? PreviousBaseDigest { get; init; }

    /// <summary>The artifacts attached to the image (SBOM, provenance): their artifact types and manifest digests.</summary>
    public IReadOnlyList<AttestationResult> Attestations { get; init; } = [];

    public int LayersReused => Layers.Count(l => l.Reused);

    public int LayersRebuilt => Layers.Count(l => !l.Reused);

    /// <summary>The log's one-line summary.</summary>
    /// <param name="skipped">An up-to-date publish did no layer work: its layer counts are the last build's, so say "all reused".</param>
    public string Summary(bool skipped = false)
    {
        var digest = ManifestDigest ?? ImageId;
        if (Platforms.Count > 0) return $"{Reference} {digest} (index of {string.Join(", ", Platforms.Select(p => $"{p.Platform} {p.ManifestDigest}"))})";
        var layers = Layers.Count == 0 ? "" : skipped ? $", layers: {Layers.Count} reused, 0 rebuilt" : $", layers: {LayersReused} reused, {LayersRebuilt} rebuilt";
        // A Docker/Podman hand-off knows no size of ours: name the engine that holds the image instead of "0 B".
        var size = Size == 0 && LoadedInto is { } engine && Layers.Count == 0 ? $"built by {engine}" : FormatSize(Size);
        var baseImage = BaseImage is null ? "" : PreviousBaseDigest is { } previous && !skipped
            ? $", base {BaseImage}, changed from {previous}"
            : $", base {BaseImage}";
        return $"{Reference} {digest} ({size}{layers}{baseImage})";
    }

    internal static string FormatSize(long bytes) => bytes switch
    {
        >= 1L << 30 => $"{bytes / (double)(1L << 30):0.0} GiB",
        >= 1L << 20 => $"{bytes / (double)(1L << 20):0.0} MiB",
        >= 1L << 10 => $"{bytes / (double)(1L << 10):0.0} KiB",
        _ => $"{bytes} B",
    };
}

/// <summary>One artifact attached to the image: its artifact type (application/spdx+json, ...) and its manifest's digest.</summary>
public sealed record AttestationResult(string ArtifactType, string Digest);

/// <summary>One layer the build added: the instruction that made it, its blob digest and size, and whether the cache had it.</summary>
public sealed record ImageLayerResult(string Instruction, string Digest, long Size, bool Reused);

/// <summary>One platform's image under an index: the RID it was published for, its platform and digests.</summary>
public sealed record PlatformImageResult(string RuntimeIdentifier, string Platform, string ManifestDigest, string ManifestMediaType, string ImageId, long Size);
