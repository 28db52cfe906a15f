using Containerize.Core.Images.Oci;

namespace Containerize.Core.Images.Store;

/// <summary>
/// Content-addressed storage of blobs and named manifests. The local store (an OCI image layout under the user's
/// cache folder) implements it; the registry client pulls into it and pushes from it, and the build engine reads
/// and writes images through it. Every write is verified by digest and is atomic: a reader never sees a partial blob.
/// </summary>
public interface IContentStore
{
    Task<bool> HasBlobAsync(Digest digest, CancellationToken cancellationToken = default);

    /// <summary>Opens a blob for reading; the stream verifies the digest as it is read and throws at the end on a mismatch.</summary>
    Task<Stream> OpenBlobAsync(Digest digest, CancellationToken cancellationToken = default);

    /// <summary>The size of a stored blob, or null when it is absent.</summary>
    Task<long?> GetBlobSizeAsync(Digest digest, CancellationToken cancellationToken = default);

    /// <summary>
    /// Streams content into the store. When <paramref name="expected"/> is given, content with another digest (or
    /// size) is rejected with a coded error and nothing is left behind. Returns the descriptor of the stored blob.
    /// </summary>
    Task<Descriptor> PutBlobAsync(Stream content, string mediaType, Digest? expected = null, long? expectedSize = null, CancellationToken cancellationToken = default);

    /// <summary>Stores small content (a manifest, a config) given as bytes.</summary>
    Task<Descriptor> PutBlobAsync(ReadOnlyMemory<byte> content, string mediaType, CancellationToken cancellationToken = default);

    /// <summary>Points a name (a normalised image reference with a tag) at a manifest or index.</summary>
    Task TagAsync(ImageReference reference, Descriptor manifest, CancellationToken cancellationToken = default);

    /// <summary>The manifest or index a name points at, or null.</summary>
    Task<Descriptor?> ResolveAsync(ImageReference reference, CancellationToken cancellationToken = default);
}
