using Containerize.Core.Diagnostics;
using Containerize.Core.Images.Oci;

namespace Containerize.Core.Images.Store;

/// <summary>Reading the JSON documents of a store: each read is verified by digest.</summary>
public static class ContentStoreExtensions
{
    /// <summary>Manifests, indexes and configs are small; a larger "document" is refused rather than read into memory.</summary>
    private const long MaxDocumentSize = 64L * 1024 * 1024;

    public static async Task<byte[]> ReadBlobBytesAsync(this IContentStore store, Descriptor descriptor, CancellationToken cancellationToken = default)
    {
        if (descriptor.Size > MaxDocumentSize)
        {
            throw new ContainerizeException(StoreErrors.UnsupportedMediaType, $"document {descriptor.Digest} is {descriptor.Size} bytes, too large for a manifest or config",
                hint: "the descriptor points at a layer where a manifest or config was expected");
        }

        await using var stream = await store.OpenBlobAsync(descriptor.Digest, cancellationToken).ConfigureAwait(false);
        using var buffer = new MemoryStream();
        await stream.CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
        return buffer.ToArray();
    }

    public static async Task<ImageManifest> ReadManifestAsync(this IContentStore store, Descriptor descriptor, CancellationToken cancellationToken = default) =>
        OciJson.DeserializeManifest(await store.ReadBlobBytesAsync(descriptor, cancellationToken).ConfigureAwait(false), $"manifest {descriptor.Digest}");

    public static async Task<ImageIndex> ReadIndexAsync(this IContentStore store, Descriptor descriptor, CancellationToken cancellationToken = default) =>
        OciJson.DeserializeIndex(await store.ReadBlobBytesAsync(descriptor, cancellationToken).ConfigureAwait(false), $"index {descriptor.Digest}");

    public static async Task<ImageConfiguration> ReadConfigAsync(this IContentStore store, Descriptor descriptor, CancellationToken cancellationToken = default) =>
        OciJson.DeserializeConfig(await store.ReadBlobBytesAsync(descriptor, cancellationToken).ConfigureAwait(false), $"image config {descriptor.Digest}");

    /// <summary>The manifest a name points at, or a coded error naming what the store holds.</summary>
    public static async Task<Descriptor> ResolveRequiredAsync(this IContentStore store, ImageReference reference, CancellationToken cancellationToken = default) =>
        await store.ResolveAsync(reference, cancellationToken).ConfigureAwait(false)
        ?? throw new ContainerizeException(StoreErrors.ImageNotFound, $"no image named '{reference.WithDefaultTag()}' in the store",
            hint: "list the store's images with 'containerize images'; build, pull, import or load the image first");
}
