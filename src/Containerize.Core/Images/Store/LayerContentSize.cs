using System.Globalization;
using Containerize.Core.Images.Layers;
using Containerize.Core.Images.Oci;
using Containerize.Core.Os;

namespace Containerize.Core.Images.Store;

/// <summary>
/// A layer's size as Docker reports it (<c>docker history</c> SIZE, <c>docker image inspect</c> Size): what the layer
/// takes once unpacked, which overlay2 measures as the sum of the sizes of every entry that is not a folder (a
/// symlink's is its target's length, a hard link counts once, a whiteout 0). Read from the layer once and kept beside
/// the store's blobs as <c>layer-sizes/ALG/HEX</c>, keyed by the layer blob's digest (the content never changes).
/// </summary>
public static class LayerContentSize
{
    private const string Folder = "layer-sizes";

    public static string PathFor(OciLayoutStore store, Digest digest) => Path.Combine(store.Root, Folder, digest.Algorithm, digest.Encoded);

    /// <summary>The unpacked size of the layer; null when it is not in the store (a base layer left in its registry).</summary>
    public static async Task<long?> OfAsync(OciLayoutStore store, Descriptor layer, CancellationToken cancellationToken = default)
    {
        var cached = PathFor(store, layer.Digest);
        try
        {
            if (long.TryParse(await File.ReadAllTextAsync(cached, cancellationToken).ConfigureAwait(false), NumberStyles.None, CultureInfo.InvariantCulture, out var known)) return known;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }

        if (!await store.HasBlobAsync(layer.Digest, cancellationToken).ConfigureAwait(false)) return null;
        LayerListing listing;
        await using (var blob = await store.OpenBlobAsync(layer.Digest, cancellationToken).ConfigureAwait(false))
        {
            listing = await LayerReader.ListAsync(blob, expectedDigest: layer.Digest, cancellationToken: cancellationToken).ConfigureAwait(false);
        }

        var size = Of(listing.Entries);
        try
        {
            await AtomicFile.WriteAsync(cached, System.Text.Encoding.ASCII.GetBytes(size.ToString(CultureInfo.InvariantCulture)), AtomicWriteOptions.Cache, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Only a cache: a read-only store computes it again next time.
        }

        return size;
    }

    /// <summary>overlay2's measure of a layer's entries: files by size, symlinks by target length, the rest 0.</summary>
    public static long Of(IEnumerable<LayerEntryInfo> entries) => entries.Sum(e => e.Kind switch
    {
        LayerEntryKind.File => e.Size,
        LayerEntryKind.Symlink => System.Text.Encoding.UTF8.GetByteCount(e.LinkTarget ?? ""),
        _ => 0L,
    });

    internal static void Forget(OciLayoutStore store, Digest digest) => AtomicFile.TryDelete(PathFor(store, digest));
}
