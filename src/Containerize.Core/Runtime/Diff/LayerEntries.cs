using Containerize.Core.Images.Layers;

namespace Containerize.Core.Runtime.Diff;

/// <summary>
/// A step's change list as the layer writer's entries: a deleted path becomes a whiteout, an opaque folder its folder
/// entry plus an opaque whiteout, content is read from the change's SourcePath when the layer is written (so before
/// the <see cref="RunResult"/> is disposed). Times are not carried: the writer's fixed timestamp keeps layers
/// reproducible.
/// </summary>
public static class LayerEntries
{
    public static IEnumerable<LayerEntry> ToLayerEntries(this IEnumerable<FileChange> changes)
    {
        foreach (var c in changes)
        {
            if (c.Kind == ChangeKind.Deleted)
            {
                yield return LayerEntry.Whiteout(c.Path);
                continue;
            }

            var mode = (UnixFileMode)c.Mode;
            var entry = c.Type switch
            {
                FileKind.File => LayerEntry.FromFile(c.Path, c.SourcePath!, mode),
                FileKind.Directory => LayerEntry.Directory(c.Path, mode),
                FileKind.Symlink => LayerEntry.Symlink(c.Path, c.LinkTarget!),
                // A hard link entry carries the attributes of the file it shares, as BuildKit writes it: appliers give them to that file.
                FileKind.Hardlink => LayerEntry.Hardlink(c.Path, c.LinkTarget!) with { Mode = mode },
                FileKind.CharDevice => new LayerEntry { Path = c.Path, Kind = LayerEntryKind.CharDevice, Mode = mode },
                FileKind.BlockDevice => new LayerEntry { Path = c.Path, Kind = LayerEntryKind.BlockDevice, Mode = mode },
                _ => new LayerEntry { Path = c.Path, Kind = LayerEntryKind.Fifo, Mode = mode },
            };
            yield return entry with { Uid = (int)c.Uid, Gid = (int)c.Gid, DeviceMajor = (int)c.DevMajor, DeviceMinor = (int)c.DevMinor };
            if (c.Opaque) yield return LayerEntry.OpaqueWhiteout(c.Path);
        }
    }
}
