using Containerize.Core.Images.Oci;
using Containerize.Core.Images.Store;

namespace Containerize.Core.Supply.Signing;

/// <summary>
/// One blob held in memory, as the content store the registry client uploads from: a payload or a signature
/// image's config is pushed without passing through the local store. Read-only.
/// </summary>
internal sealed class SmallBlobs(Descriptor blob, byte[] content) : IContentStore
{
    public Task<bool> HasBlobAsync(Digest digest, CancellationToken cancellationToken = default) => Task.FromResult(digest == blob.Digest);

    public Task<Stream> OpenBlobAsync(Digest digest, CancellationToken cancellationToken = default) =>
        digest == blob.Digest ? Task.FromResult<Stream>(new MemoryStream(content, writable: false)) : throw new FileNotFoundException($"blob {digest} is not held here");

    public Task<long?> GetBlobSizeAsync(Digest digest, CancellationToken cancellationToken = default) => Task.FromResult(digest == blob.Digest ? content.Length : (long?)null);

    public Task<Descriptor> PutBlobAsync(Stream content, string mediaType, Digest? expected = null, long? expectedSize = null, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException("a signature's blobs are read-only");

    public Task<Descriptor> PutBlobAsync(ReadOnlyMemory<byte> content, string mediaType, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException("a signature's blobs are read-only");

    public Task TagAsync(ImageReference reference, Descriptor manifest, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException("a signature's blobs are read-only");

    public Task<Descriptor?> ResolveAsync(ImageReference reference, CancellationToken cancellationToken = default) => Task.FromResult<Descriptor?>(null);
}
