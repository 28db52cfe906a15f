using Containerize.Core.Os;
using Containerize.Core.Diagnostics;

namespace Containerize.Core.Images.Layers;

/// <summary>Builds <see cref="LayerEntry"/> lists from what is on disk.</summary>
public static class LayerSource
{
    private static readonly EnumerationOptions AllEntries = new()
    {
        // The defaults skip hidden entries, which on Unix are all dot files.
        AttributesToSkip = 0,
        IgnoreInaccessible = false,
        RecurseSubdirectories = false,
        ReturnSpecialDirectories = false,
    };

    /// <summary>
    /// Every entry under <paramref name="directory"/> (not the folder itself), placed under <paramref name="prefix"/>
    /// in the layer, seen as lstat sees it: modes as on disk, symlinks kept as links with their target text,
    /// files with several names written once and then as hardlinks, fifos and devices kept, sockets skipped.
    /// Owners are not taken from disk: the writer's uid/gid apply, as for COPY. Content is read when the layer
    /// is written. The order is the writer's own (folders before their contents, names in ordinal order), so the
    /// first name of a hardlinked file is the one written as a file.
    /// </summary>
    public static IReadOnlyList<LayerEntry> FromDirectory(string directory, string prefix = "")
    {
        var root = Path.GetFullPath(directory);
        if (!Directory.Exists(root))
        {
            throw new ContainerizeException(LayerErrors.UnreadableSource, $"'{directory}' is not a folder", hint: "give the folder whose contents make the layer");
        }

        var entries = new List<LayerEntry>();
        var firstNames = new Dictionary<(ulong Device, ulong Inode), string>();
        Walk(root, LayerPaths.Normalize(prefix, "prefix"), entries, firstNames);
        return entries;
    }

    private static void Walk(string folder, string layerFolder, List<LayerEntry> entries, Dictionary<(ulong, ulong), string> firstNames)
    {
        var names = Directory.EnumerateFileSystemEntries(folder, "*", AllEntries).Select(Path.GetFileName).ToList();
        names.Sort(StringComparer.Ordinal);
        foreach (var name in names)
        {
            var full = Path.Combine(folder, name!);
            var path = LayerPaths.Join(layerFolder, name!);
            if (HostFileSystem.Current.LStat(full, out var st) != 0) continue; // removed while walking
            switch (st.Type)
            {
                case FileStatus.Directory:
                    entries.Add(LayerEntry.Directory(path, st.UnixMode));
                    Walk(full, path, entries, firstNames);
                    break;
                case FileStatus.Regular when st.Links > 1 && firstNames.TryGetValue((st.Device, st.Inode), out var first):
                    entries.Add(LayerEntry.Hardlink(path, first) with { Mode = st.UnixMode });
                    break;
                case FileStatus.Regular:
                    if (st.Links > 1) firstNames[(st.Device, st.Inode)] = path;
                    entries.Add(LayerEntry.FromFile(path, full, st.UnixMode));
                    break;
                case FileStatus.Symlink:
                    entries.Add(LayerEntry.Symlink(path, new FileInfo(full).LinkTarget ?? ""));
                    break;
                case FileStatus.Fifo:
                    entries.Add(new LayerEntry { Path = path, Kind = LayerEntryKind.Fifo, Mode = st.UnixMode });
                    break;
                case FileStatus.CharDevice or FileStatus.BlockDevice:
                    entries.Add(new LayerEntry
                    {
                        Path = path,
                        Kind = st.Type == FileStatus.CharDevice ? LayerEntryKind.CharDevice : LayerEntryKind.BlockDevice,
                        Mode = st.UnixMode,
                        DeviceMajor = (int)st.RDevMajor,
                        DeviceMinor = (int)st.RDevMinor,
                    });
                    break;

                    // Sockets cannot be archived; Docker skips them too.
            }
        }
    }
}
