using Containerize.Core.Os;
using Containerize.Core.Building.Plan;
using Containerize.Core.Images.Layers;
using Containerize.Core.Images.Store;

namespace Containerize.Core.Building.Cache;

/// <summary>
/// What each path of an image is (folder, symlink and its target, anything else), from its layers' listings (each
/// layer read once, its listing kept in build-cache/paths/): what `COPY file /existing-folder`, WORKDIR and a
/// destination below a symlink need to know without extracting the image.
/// </summary>
public sealed class DirectoryIndex(OciLayoutStore store, string cacheFolder)
{
    // "paths" and not the former "dirs": those listings recorded symlinks as plain files, so they cannot be reused.
    private const string ListingFolder = "paths";

    private System.Collections.Concurrent.ConcurrentDictionary<string, Dictionary<string, Item>> _listings = new(StringComparer.Ordinal);

    /// <summary>How many of an image's lowest layers lookups pass over (see <see cref="AboveLowest"/>).</summary>
    public int UnreadLayers { get; private init; }

    /// <summary>
    /// The same index (listings shared) answering as if an image's lowest <paramref name="layers"/> layers were empty:
    /// a Host-mode publish decides its COPY and WORKDIR steps without its base's files, as the .NET SDK writes its
    /// app layer without looking at the base, so the image is the same whether or not the base's layers were ever
    /// downloaded (and a fresh CI runner downloads none).
    /// </summary>
    public DirectoryIndex AboveLowest(int layers) => layers == UnreadLayers ? this
        : new DirectoryIndex(store, cacheFolder) { _listings = _listings, UnreadLayers = layers };

    /// <summary>
    /// A path's kind ('d' folder, 'l' symlink, 'f' anything else, 'w' whiteout, 'o' opaque folder), its mode and
    /// owner, and a symlink's target as written.
    /// </summary>
    public readonly record struct Item(char Kind, UnixFileMode Mode, int Uid, int Gid, string? LinkTarget = null)
    {
        public bool IsFolder => Kind is 'd' or 'o';
    }

    /// <summary>True when the path (relative, no leading '/') is a folder in the image; symlinks count as not.</summary>
    public async Task<bool> IsDirectoryAsync(ImageState image, string path, CancellationToken cancellationToken) =>
        await FolderAsync(image, path, cancellationToken).ConfigureAwait(false) is not null;

    /// <summary>The folder's mode and owner as the image has it, or null when it is not a folder there.</summary>
    public async Task<Item?> FolderAsync(ImageState image, string path, CancellationToken cancellationToken) =>
        await LookupAsync(image, path, cancellationToken).ConfigureAwait(false) is { IsFolder: true } item ? item : null;

    /// <summary>
    /// What the path (relative, no leading '/') is in the image, taken as written (no symlink on the way is
    /// followed), or null when the image has nothing there.
    /// </summary>
    public async Task<Item?> LookupAsync(ImageState image, string path, CancellationToken cancellationToken)
    {
        path = path.Trim('/');
        if (path.Length == 0) return new Item('d', (UnixFileMode)0x1ED, 0, 0);
        for (var i = image.Layers.Count - 1; i >= UnreadLayers; i--)
        {
            var listing = await ListingAsync(image.Layers[i], cancellationToken).ConfigureAwait(false);
            if (listing.TryGetValue(path, out var item)) return item.Kind == 'w' ? null : item;
            // A deleted, emptied or replaced ancestor hides everything below it in lower layers.
            for (var parent = Parent(path); parent is not null; parent = Parent(parent))
            {
                if (listing.TryGetValue(parent, out var k) && k.Kind is 'w' or 'o' or 'f' or 'l') return null;
            }

            if (listing.TryGetValue("", out var root) && root.Kind == 'o') return null;
        }

        return null;
    }

    private static string? Parent(string path)
    {
        var slash = path.LastIndexOf('/');
        return slash < 0 ? null : path[..slash];
    }

    private async Task<Dictionary<string, Item>> ListingAsync(Images.Oci.Descriptor layer, CancellationToken cancellationToken)
    {
        var key = layer.Digest.Encoded;
        if (_listings.TryGetValue(key, out var cached)) return cached;
        var folder = Path.Combine(cacheFolder, ListingFolder);
        var file = Path.Combine(folder, key);
        var listing = new Dictionary<string, Item>(StringComparer.Ordinal);
        if (File.Exists(file))
        {
            foreach (var line in await File.ReadAllLinesAsync(file, cancellationToken).ConfigureAwait(false))
            {
                var parts = line.Split(' ', 5);
                if (parts.Length != 5) continue;
                var inv = System.Globalization.CultureInfo.InvariantCulture;
                // A symlink's line ends with NUL and its target: the one character no path can hold.
                var nul = parts[4].IndexOf('\0');
                var name = nul < 0 ? parts[4] : parts[4][..nul];
                var target = nul < 0 ? null : parts[4][(nul + 1)..];
                listing[name] = new Item(parts[0][0], (UnixFileMode)Convert.ToInt32(parts[1], 8), int.Parse(parts[2], inv), int.Parse(parts[3], inv), target);
            }
        }
        else
        {
            await using (var blob = await store.OpenLayerAsync(layer, cancellationToken: cancellationToken).ConfigureAwait(false))
            {
                var read = await LayerReader.ListAsync(blob, cancellationToken: cancellationToken).ConfigureAwait(false);
                foreach (var e in read.Entries)
                {
                    var p = e.Path.Trim('/');
                    var kind = e.Kind switch
                    {
                        LayerEntryKind.Directory => 'd',
                        LayerEntryKind.Whiteout => 'w',
                        LayerEntryKind.OpaqueWhiteout => 'o',
                        LayerEntryKind.Symlink => 'l',
                        _ => 'f',
                    };
                    // An opaque marker keeps the folder's own metadata when the listing has it.
                    listing[p] = kind == 'o' && listing.TryGetValue(p, out var had) ? had with { Kind = 'o' }
                        : new Item(kind, e.Mode, e.Uid, e.Gid, kind == 'l' ? e.LinkTarget ?? "" : null);
                    // Folders a tar implies without listing them.
                    for (var parent = Parent(p); parent is not null; parent = Parent(parent)) listing.TryAdd(parent, new Item('d', (UnixFileMode)0x1ED, 0, 0));
                }
            }

            // A line per path: a name or link target with a newline cannot be kept, so that layer is listed again next time.
            if (listing.Any(kv => kv.Key.Contains('\n', StringComparison.Ordinal) || kv.Value.LinkTarget?.Contains('\n', StringComparison.Ordinal) == true))
            {
                _listings[key] = listing;
                return listing;
            }

            await AtomicFile.WriteTextAsync(file, string.Concat(listing.Select(kv => $"{kv.Value.Kind} {Convert.ToString((int)kv.Value.Mode, 8)} {kv.Value.Uid} {kv.Value.Gid} {kv.Key}"
                + (kv.Value.LinkTarget is { } t ? "\0" + t : "") + "\n")), AtomicWriteOptions.Cache, cancellationToken).ConfigureAwait(false);
        }

        _listings[key] = listing;
        return listing;
    }
}
