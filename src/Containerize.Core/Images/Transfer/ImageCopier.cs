using Containerize.Core.Images.Oci;
using Containerize.Core.Images.Store;

namespace Containerize.Core.Images.Transfer;

/// <summary>
/// Copies an image (a manifest or index and everything below it) between stores, children before parents, so the
/// destination never holds a manifest whose blobs are missing. Every blob is verified on read and on write.
/// </summary>
public static class ImageCopier
{
    public static async Task CopyAsync(IContentStore source, IContentStore destination, Descriptor root, CancellationToken cancellationToken = default)
    {
        foreach (var child in await ImageGraph.ChildrenAsync(source, root, cancellationToken).ConfigureAwait(false))
        {
            await CopyAsync(source, destination, child, cancellationToken).ConfigureAwait(false);
        }

        await CopyBlobAsync(source, destination, root, cancellationToken).ConfigureAwait(false);
    }

    public static async Task CopyBlobAsync(IContentStore source, IContentStore destination, Descriptor blob, CancellationToken cancellationToken = default)
    {
        if (await destination.GetBlobSizeAsync(blob.Digest, cancellationToken).ConfigureAwait(false) == blob.Size) return;
        await using var stream = await source.OpenLayerAsync(blob, cancellationToken: cancellationToken).ConfigureAwait(false);
        await destination.PutBlobAsync(stream, blob.MediaType, blob.Digest, blob.Size, cancellationToken).ConfigureAwait(false);
    }
}
