using Containerize.Core.Images.Oci;
using Containerize.Core.Images.Transfer;
using Containerize.Core.Registry;
using Containerize.Core.Supply.Referrers;

namespace Containerize.Core.Destinations;

/// <summary>One push of a registry destination: the names of one repository (the first pushed, the others tags) and what it did.</summary>
public sealed record RepositoryPush(IReadOnlyList<ImageReference> Names, PushResult Result)
{
    /// <summary>What attaching the image's referrers sent (null when it has none, or the registry refused them).</summary>
    public AttachResult? Referrers { get; init; }
}

/// <summary>What one destination did: pushed (per repository), wrote (a file or folder), or loaded (into which daemon).</summary>
public sealed record SendResult(IImageDestination Destination)
{
    public IReadOnlyList<RepositoryPush> Pushes { get; init; } = [];

    public long BytesUploaded => Pushes.Sum(p => p.Result.BytesUploaded + (p.Referrers?.BytesUploaded ?? 0));

    /// <summary>The layout folder or archive written.</summary>
    public ImageLocation? Written { get; init; }

    /// <summary><c>docker</c> or <c>podman</c> when the image went into a daemon; null when no daemon answered an optional load.</summary>
    public string? LoadedInto { get; init; }

    /// <summary>The daemon held the image ID already: only the tags were set.</summary>
    public bool AlreadyHeld { get; init; }

    /// <summary>What a named client printed (<c>load-into --client</c>).</summary>
    public string? LoadOutput { get; init; }
}
