using Containerize.Core.Images.Oci;

namespace Containerize.Core.Images.Store;

/// <summary>One row of <c>containerize history</c>: a config history entry and the layer it made (Size 0 when empty).</summary>
/// <param name="Id">The image id on the newest row, null below it (Docker prints <c>&lt;missing&gt;</c> for a BuildKit image's steps).</param>
public sealed record HistoryRow(Digest? Id, DateTimeOffset? Created, string CreatedBy, long Size, string Comment, bool EmptyLayer);

/// <summary>
/// <c>docker history</c> of a stored image: one row per config history entry, newest first; each entry that is not
/// an empty_layer is matched with the next layer in order, whose size is Docker's (<see cref="LayerContentSize"/>;
/// a base layer the store does not hold counts its compressed size). An image without history gets one row per layer.
/// </summary>
public static class ImageHistory
{
    public static async Task<IReadOnlyList<HistoryRow>> ReadAsync(OciLayoutStore store, StoredImage image, Platform platform, CancellationToken cancellationToken = default)
    {
        var manifestDescriptor = await ImageGraph.SelectManifestAsync(store, image.Primary.Entry, platform, cancellationToken).ConfigureAwait(false);
        var manifest = await store.ReadManifestAsync(manifestDescriptor, cancellationToken).ConfigureAwait(false);
        var config = await store.ReadConfigAsync(manifest.Config, cancellationToken).ConfigureAwait(false);
        var history = config.History is { Count: > 0 } h
            ? h
            : manifest.Layers.Select(_ => new HistoryEntry { Created = config.Created }).ToList();
        var rows = new List<HistoryRow>();
        var layer = 0;
        foreach (var entry in history)
        {
            var empty = entry.EmptyLayer == true;
            long size = 0;
            if (!empty && layer < manifest.Layers.Count)
            {
                var blob = manifest.Layers[layer++];
                size = await LayerContentSize.OfAsync(store, blob, LayerContentSize.IsBuiltStep(entry), cancellationToken).ConfigureAwait(false) ?? blob.Size;
            }

            rows.Add(new HistoryRow(null, entry.Created, entry.CreatedBy ?? "", size, entry.Comment ?? "", empty));
        }

        rows.Reverse();
        if (rows.Count > 0) rows[0] = rows[0] with { Id = image.Id };
        return rows;
    }

    /// <summary>Docker's CREATED BY column: tabs as spaces, cut to 45 characters with '…' unless <paramref name="truncate"/> is false.</summary>
    public static string CreatedByColumn(string createdBy, bool truncate)
    {
        var text = createdBy.Replace('\t', ' ');
        return truncate ? Ellipsis(text, 45) : text;
    }

    /// <summary>Docker's Ellipsis: the text cut to <paramref name="width"/> characters, its last one '…' when cut.</summary>
    public static string Ellipsis(string text, int width)
    {
        var runes = text.EnumerateRunes().ToList();
        if (runes.Count <= width) return text;
        return string.Concat(runes.Take(width - 1).Select(r => r.ToString())) + "…";
    }
}
