using System.Globalization;
using Containerize.Core.Images.Layers;
using Containerize.Core.Images.Oci;
using Containerize.Core.Os;

namespace Containerize.Core.Images.Store;

/// <summary>
/// A layer's size as Docker reports it (<c>docker history</c> SIZE, <c>docker image inspect</c> Size). Docker 26
/// (overlay2) measures a layer two ways, both checked here against it: a layer it built with BuildKit by the sizes its
/// tar headers give (regular files; folders, symlinks, hard links and whiteouts are 0: a layer of a 6-byte file, a
/// hard link to it and a symlink is 6B), and a layer it pulled or loaded by the unpacked folder, where a symlink also
/// counts its target's length (busybox's applet links make its layer 1.99MB, not 1.98MB). Both numbers are read from
/// the layer once and kept beside the store's blobs as <c>layer-sizes/ALG/HEX</c>, keyed by the layer blob's digest.
/// </summary>
public static class LayerContentSize
{
    private const string Folder = "layer-sizes";

    public static string PathFor(OciLayoutStore store, Digest digest) => Path.Combine(store.Root, Folder, digest.Algorithm, digest.Encoded);

    /// <summary>
    /// The size Docker shows for the layer: <paramref name="built"/> for a layer a Dockerfile step made (BuildKit's
    /// measure), else a pulled or loaded layer's; null when it is not in the store (a base layer left in its registry).
    /// </summary>
    public static async Task<long?> OfAsync(OciLayoutStore store, Descriptor layer, bool built, CancellationToken cancellationToken = default)
    {
        var cached = PathFor(store, layer.Digest);
        try
        {
            var parts = (await File.ReadAllTextAsync(cached, cancellationToken).ConfigureAwait(false)).Split(' ');
            if (parts.Length == 2 && long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var f) && long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var l))
            {
                return built ? f : f + l;
            }
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

        var (files, links) = (Of(listing.Entries), LinkBytes(listing.Entries));
        try
        {
            await AtomicFile.WriteAsync(cached, System.Text.Encoding.ASCII.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{files} {links}")), AtomicWriteOptions.Cache, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Only a cache: a read-only store computes it again next time.
        }

        return built ? files : files + links;
    }

    /// <summary>
    /// An image's size as <c>docker images</c> and <c>docker image inspect</c> show it: its layers', each measured by
    /// the history step that made it (the n-th layer belongs to the n-th entry that is not an empty_layer).
    /// </summary>
    public static async Task<long> OfImageAsync(OciLayoutStore store, ImageManifest manifest, ImageConfiguration config, CancellationToken cancellationToken = default)
    {
        long size = 0;
        var steps = (config.History ?? []).Where(h => h.EmptyLayer != true).ToList();
        for (var i = 0; i < manifest.Layers.Count; i++)
        {
            var layer = manifest.Layers[i];
            size += await OfAsync(store, layer, IsBuiltStep(i < steps.Count ? steps[i] : null), cancellationToken).ConfigureAwait(false) ?? layer.Size;
        }

        return size;
    }

    /// <summary>BuildKit's measure of a layer's entries: regular files by size, every other entry 0.</summary>
    public static long Of(IEnumerable<LayerEntryInfo> entries) => entries.Sum(e => e.Kind == LayerEntryKind.File ? e.Size : 0L);

    /// <summary>What an unpacked folder adds: each symlink's target length.</summary>
    public static long LinkBytes(IEnumerable<LayerEntryInfo> entries) =>
        entries.Sum(e => e.Kind == LayerEntryKind.Symlink ? System.Text.Encoding.UTF8.GetByteCount(e.LinkTarget ?? "") : 0L);

    /// <summary>Whether a history entry is a Dockerfile step (ours or BuildKit's), whose layer Docker measures as built.</summary>
    public static bool IsBuiltStep(HistoryEntry? entry) => entry?.Comment == "buildkit.dockerfile.v0";

    internal static void Forget(OciLayoutStore store, Digest digest) => AtomicFile.TryDelete(PathFor(store, digest));
}
