using System.Formats.Tar;
using System.Text;
using Containerize.Core.Diagnostics;
using Containerize.Core.Runtime.Native;

namespace Containerize.Core.Runtime.Snapshots;

/// <summary>What an extracted layer does with OCI whiteouts.</summary>
public enum WhiteoutHandling
{
    /// <summary>Into an empty folder for overlayfs: `.wh.x` becomes a character device 0/0, `.wh..wh..opq` the xattr trusted.overlay.opaque=y.</summary>
    OverlayFormat,

    /// <summary>Onto a rootfs: `.wh.x` deletes x, `.wh..wh..opq` empties the folder of what lower layers put there.</summary>
    Apply,
}

/// <summary>
/// Writes an uncompressed layer tar into a folder with owners, modes, times, links, devices and xattrs.
/// Owners need root: without it files stay owned by the caller (the rootless case, where that caller is the
/// container's root).
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public static class LayerExtractor
{
    public static async Task ExtractAsync(Stream tar, string root, WhiteoutHandling whiteouts, CancellationToken cancellationToken)
    {
        var isRoot = !LibC.IsRootless;
        var written = new HashSet<string>(StringComparer.Ordinal);
        var directoryTimes = new List<(string Path, DateTimeOffset Time)>();
        await using var reader = new TarReader(tar, leaveOpen: true);
        while (await reader.GetNextEntryAsync(copyData: false, cancellationToken).ConfigureAwait(false) is { } entry)
        {
            var name = Normalize(entry.Name);
            if (name.Length == 0) continue;
            var host = Path.Combine(root, name);
            var parent = Path.GetDirectoryName(host)!;
            var baseName = Path.GetFileName(name);
            EnsureDirectory(root, Path.GetDirectoryName(name) ?? "");

            if (baseName == Diff.FileChange.OpaqueWhiteout)
            {
                if (whiteouts == WhiteoutHandling.OverlayFormat) LibC.LSetXattr(parent, "trusted.overlay.opaque", "y"u8);
                else ClearExcept(parent, Path.GetDirectoryName(name) ?? "", written);
                continue;
            }

            if (baseName.StartsWith(Diff.FileChange.WhiteoutPrefix, StringComparison.Ordinal))
            {
                var target = Path.Combine(parent, baseName[Diff.FileChange.WhiteoutPrefix.Length..]);
                RemoveAny(target);
                if (whiteouts == WhiteoutHandling.OverlayFormat) LibC.Mknod(target, FileStatus.CharDevice | 0, 0, 0);
                continue;
            }

            var existing = LibC.LStat(host);
            if (existing is not null && !(existing.Value.IsDirectory && entry.EntryType == TarEntryType.Directory)) RemoveAny(host);

            var mode = (uint)entry.Mode & 0xFFF;
            switch (entry.EntryType)
            {
                case TarEntryType.Directory:
                    Directory.CreateDirectory(host);
                    directoryTimes.Add((host, entry.ModificationTime));
                    break;
                case TarEntryType.RegularFile or TarEntryType.V7RegularFile or TarEntryType.ContiguousFile:
                    await using (var file = new FileStream(host, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true))
                    {
                        if (entry.DataStream is { } data) await data.CopyToAsync(file, cancellationToken).ConfigureAwait(false);
                    }

                    break;
                case TarEntryType.SymbolicLink:
                    File.CreateSymbolicLink(host, entry.LinkName);
                    break;
                case TarEntryType.HardLink:
                    LibC.Link(Path.Combine(root, Normalize(entry.LinkName)), host);
                    written.Add(name);
                    continue;
                case TarEntryType.CharacterDevice or TarEntryType.BlockDevice or TarEntryType.Fifo:
                    var type = entry.EntryType switch
                    {
                        TarEntryType.CharacterDevice => FileStatus.CharDevice,
                        TarEntryType.BlockDevice => FileStatus.BlockDevice,
                        _ => FileStatus.Fifo,
                    };
                    var posix = entry as PosixTarEntry;
                    try
                    {
                        LibC.Mknod(host, type | mode, (uint)(posix?.DeviceMajor ?? 0), (uint)(posix?.DeviceMinor ?? 0));
                    }
                    catch (IOException) when (!isRoot)
                    {
                        // Without CAP_MKNOD a device cannot exist; Docker's rootless mode skips it the same way.
                        continue;
                    }

                    break;
                default:
                    continue;
            }

            written.Add(name);
            if (isRoot) LibC.Lchown(host, (uint)entry.Uid, (uint)entry.Gid);
            if (entry is PaxTarEntry pax) ApplyXattrs(host, pax, isRoot);
            if (entry.EntryType != TarEntryType.SymbolicLink) File.SetUnixFileMode(host, (UnixFileMode)mode);
            if (entry.EntryType != TarEntryType.Directory) SetTime(host, entry.ModificationTime);
        }

        // Directories last, deepest first: creating their entries changed their times.
        for (var i = directoryTimes.Count - 1; i >= 0; i--) SetTime(directoryTimes[i].Path, directoryTimes[i].Time);
    }

    /// <summary>A tar entry name as a safe relative path; an entry that leaves the root is an error.</summary>
    public static string Normalize(string name)
    {
        var parts = new List<string>();
        foreach (var p in name.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            if (p == ".") continue;
            if (p == "..")
                throw new ContainerizeException(RuntimeErrors.LayerExtractFailed, $"layer entry '{name}' leaves the rootfs",
                    hint: "the layer is malformed or malicious; rebuild it");
            parts.Add(p);
        }

        return string.Join('/', parts);
    }

    internal static void SetTime(string path, DateTimeOffset time)
    {
        var ticks = time.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks;
        LibC.LSetModificationTime(path, Math.DivRem(ticks, TimeSpan.TicksPerSecond, out var rest), rest * 100);
    }

    internal static void RemoveAny(string path)
    {
        var status = LibC.LStat(path);
        if (status is null) return;
        if (status.Value.IsDirectory) Directory.Delete(path, recursive: true);
        else File.Delete(path);
    }

    /// <summary>Creates the parents of an entry that the tar did not list, following none of the rootfs's links out.</summary>
    private static void EnsureDirectory(string root, string relative)
    {
        if (relative.Length == 0) return;
        var host = Path.Combine(root, relative);
        var status = LibC.LStat(host);
        if (status is { IsDirectory: true }) return;
        if (status is not null) RemoveAny(host);
        EnsureDirectory(root, Path.GetDirectoryName(relative) ?? "");
        Directory.CreateDirectory(host);
    }

    private static void ClearExcept(string hostDir, string relativeDir, HashSet<string> keep)
    {
        foreach (var child in Directory.EnumerateFileSystemEntries(hostDir))
        {
            var rel = relativeDir.Length == 0 ? Path.GetFileName(child) : relativeDir + "/" + Path.GetFileName(child);
            if (keep.Contains(rel)) continue;
            RemoveAny(child);
        }
    }

    private static void ApplyXattrs(string host, PaxTarEntry pax, bool isRoot)
    {
        const string prefix = "SCHILY.xattr.";
        foreach (var (key, value) in pax.ExtendedAttributes)
        {
            if (!key.StartsWith(prefix, StringComparison.Ordinal)) continue;
            var name = key[prefix.Length..];
            if (!isRoot && (name.StartsWith("trusted.", StringComparison.Ordinal) || name.StartsWith("security.", StringComparison.Ordinal))) continue;
            try
            {
                // PAX records are UTF-8 text; binary values (file capabilities) arrive as their Latin-1 bytes.
                LibC.LSetXattr(host, name, value.All(c => c < 256) ? Encoding.Latin1.GetBytes(value) : Encoding.UTF8.GetBytes(value));
            }
            catch (IOException)
            {
                // A filesystem without xattr support: the file is still usable.
            }
        }
    }
}
