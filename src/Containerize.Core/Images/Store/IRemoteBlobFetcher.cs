using Containerize.Core.Images.Oci;

namespace Containerize.Core.Images.Store;

/// <summary>
/// Where a blob the store does not hold can be found: a repository of a registry (<see cref="BlobSources"/>).
/// <paramref name="Registry"/> is the host (with port), <paramref name="Repository"/> the path below it.
/// </summary>
public sealed record BlobSource(string Registry, string Repository)
{
    public override string ToString() => Registry + "/" + Repository;
}

/// <summary>
/// Brings a blob the store knows only by where it lives (a base layer pulled lazily: manifest and config only) into
/// the store. The registry client implements it; the store cannot reach a registry itself, since Images sits left of
/// Registry on the dependency line.
/// </summary>
public interface IRemoteBlobFetcher
{
    /// <summary>True when fetching is forbidden (ContainerOffline, --offline): a needed remote layer is then a coded error.</summary>
    bool Offline { get; }

    /// <summary>Streams the blob from the first source that has it into the store, verified against its digest and size.</summary>
    Task FetchAsync(OciLayoutStore store, Descriptor blob, IReadOnlyList<BlobSource> sources, CancellationToken cancellationToken);

    /// <summary>Opens the blob from the first source that has it, for one read, verified as it is read; nothing is stored.</summary>
    Task<Stream> OpenAsync(Descriptor blob, IReadOnlyList<BlobSource> sources, CancellationToken cancellationToken);
}
