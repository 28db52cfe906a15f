using Containerize.Core.Diagnostics;

namespace Containerize.Core.Images.Layers;

/// <summary>One entry as it will be written: its tar name and the caller's entry (null for an implied parent folder).</summary>
internal sealed record PlannedEntry(string Key, string Path, LayerEntry? Entry, LayerEntryKind Kind)
{
    public string TarName => Kind == LayerEntryKind.Directory ? Key + "/" : Key;
}

/// <summary>
/// Turns the caller's entries into the sorted list the writer emits: paths normalised, the last entry for a path
/// wins, every parent folder present, and each folder followed by its contents in name order.
/// </summary>
internal static class LayerPlan
{
    public static List<PlannedEntry> Build(IEnumerable<LayerEntry> entries)
    {
        var byKey = new Dictionary<string, PlannedEntry>(StringComparer.Ordinal);
        foreach (var entry in entries)
        {
            var planned = Plan(entry);
            byKey[planned.Key] = planned;
        }

        var implied = new List<PlannedEntry>();
        var known = new HashSet<string>(StringComparer.Ordinal);
        foreach (var planned in byKey.Values)
        {
            for (var parent = LayerPaths.Parent(planned.Key); parent.Length > 0 && known.Add(parent); parent = LayerPaths.Parent(parent))
            {
                if (byKey.TryGetValue(parent, out var existing))
                {
                    if (existing.Kind != LayerEntryKind.Directory)
                    {
                        throw new ContainerizeException(LayerErrors.InvalidEntry, $"'{parent}' is a {Describe(existing.Kind)} but '{planned.Key}' is inside it",
                            hint: "a path's parents must be folders; remove one of the two entries");
                    }
                }
                else
                {
                    implied.Add(new PlannedEntry(parent, parent, null, LayerEntryKind.Directory));
                }
            }
        }

        var all = new List<PlannedEntry>(byKey.Count + implied.Count);
        all.AddRange(byKey.Values);
        all.AddRange(implied);
        all.Sort((a, b) => LayerPaths.TreeOrder.Compare(a.Key, b.Key));

        // A hardlink names an entry that a reader must already have extracted.
        var position = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < all.Count; i++)
        {
            var p = all[i];
            position[p.Key] = i;
            if (p.Kind != LayerEntryKind.Hardlink) continue;
            var target = LayerPaths.Normalize(p.Entry!.LinkTarget!, "hardlink target");
            if (!position.TryGetValue(target, out var at) || all[at].Kind is LayerEntryKind.Directory or LayerEntryKind.Hardlink)
            {
                throw new ContainerizeException(LayerErrors.InvalidEntry, $"hardlink '{p.Key}' points at '{target}', which is not a file written before it in this layer",
                    hint: "a hardlink's target must be a regular file of the same layer that sorts before the link");
            }
        }

        return all;
    }

    private static PlannedEntry Plan(LayerEntry entry)
    {
        var path = LayerPaths.Normalize(entry.Path);
        if (path.Length == 0 && entry.Kind != LayerEntryKind.OpaqueWhiteout) throw Invalid(entry, "an empty path (the root itself)");
        switch (entry.Kind)
        {
            case LayerEntryKind.File when entry.SourcePath is null && entry.Open is null:
                throw Invalid(entry, "a file without content (give SourcePath or Open)");
            case LayerEntryKind.Symlink or LayerEntryKind.Hardlink when string.IsNullOrEmpty(entry.LinkTarget):
                throw Invalid(entry, "a link without a target");
            case LayerEntryKind.File when entry.Open is not null && entry.Size < 0:
                throw Invalid(entry, "a negative size");
        }

        var name = LayerPaths.Name(path);
        if (name.StartsWith(LayerPaths.WhiteoutPrefix, StringComparison.Ordinal) && entry.Kind is not (LayerEntryKind.Whiteout or LayerEntryKind.OpaqueWhiteout))
        {
            throw Invalid(entry, $"a name starting with '{LayerPaths.WhiteoutPrefix}', which readers take for a whiteout");
        }

        var key = entry.Kind switch
        {
            LayerEntryKind.Whiteout => LayerPaths.Join(LayerPaths.Parent(path), LayerPaths.WhiteoutPrefix + name),
            LayerEntryKind.OpaqueWhiteout => LayerPaths.Join(path, LayerPaths.OpaqueMarker),
            _ => path,
        };
        return new PlannedEntry(key, path, entry, entry.Kind);
    }

    private static ContainerizeException Invalid(LayerEntry entry, string what) =>
        new(LayerErrors.InvalidEntry, $"layer entry '{entry.Path}' ({Describe(entry.Kind)}) has {what}", hint: "fix the entry given to the layer writer");

    internal static string Describe(LayerEntryKind kind) => kind switch
    {
        LayerEntryKind.File => "file",
        LayerEntryKind.Directory => "folder",
        LayerEntryKind.Symlink => "symlink",
        LayerEntryKind.Hardlink => "hardlink",
        LayerEntryKind.Whiteout => "whiteout",
        LayerEntryKind.OpaqueWhiteout => "opaque whiteout",
        LayerEntryKind.CharDevice => "character device",
        LayerEntryKind.BlockDevice => "block device",
        _ => "fifo",
    };
}
