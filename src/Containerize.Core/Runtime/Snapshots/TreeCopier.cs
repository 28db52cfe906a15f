using Containerize.Core.Os;

namespace Containerize.Core.Runtime.Snapshots;

/// <summary>
/// Copies a folder onto another with owners, modes, times, symbolic links, hard links and devices, merging into
/// what is already there (the copy rootfs of a step, a read-write bind's throw-away copy). No whiteouts.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public static class TreeCopier
{
    public static async Task CopyAsync(string source, string destination, CancellationToken cancellationToken)
    {
        var isRoot = !LibC.IsRootless;
        var links = new Dictionary<(uint, uint, ulong), string>();
        var directories = new List<(string Path, FileStatus Status)>();
        Directory.CreateDirectory(destination);
        var rootStatus = LibC.LStat(source) ?? throw new DirectoryNotFoundException(source);
        directories.Add((destination, rootStatus));
        await CopyChildrenAsync(source, destination, isRoot, links, directories, cancellationToken).ConfigureAwait(false);
        for (var i = directories.Count - 1; i >= 0; i--)
        {
            var (path, status) = directories[i];
            if (isRoot) LibC.Lchown(path, status.Uid, status.Gid);
            File.SetUnixFileMode(path, (UnixFileMode)status.Permissions);
            LibC.LSetModificationTime(path, status.MTimeSeconds, status.MTimeNanoseconds);
        }
    }

    private static async Task CopyChildrenAsync(string source, string destination, bool isRoot,
        Dictionary<(uint, uint, ulong), string> links, List<(string, FileStatus)> directories, CancellationToken cancellationToken)
    {
        foreach (var child in Directory.EnumerateFileSystemEntries(source).Order(StringComparer.Ordinal))
        {
            cancellationToken.ThrowIfCancellationRequested();
            var status = LibC.LStat(child);
            if (status is not { } s) continue;
            var target = Path.Combine(destination, Path.GetFileName(child));
            var existing = LibC.LStat(target);
            if (existing is not null && !(existing.Value.IsDirectory && s.IsDirectory)) TreeRemover.RemoveAll(target);

            if (s.IsDirectory)
            {
                Directory.CreateDirectory(target);
                directories.Add((target, s));
                await CopyChildrenAsync(child, target, isRoot, links, directories, cancellationToken).ConfigureAwait(false);
                continue;
            }

            if (s.Links > 1 && !s.IsDirectory)
            {
                var key = (s.DevMajor, s.DevMinor, s.Inode);
                if (links.TryGetValue(key, out var first))
                {
                    LibC.Link(first, target);
                    continue;
                }

                links[key] = target;
            }

            switch (s.Type)
            {
                case FileStatus.Regular:
                    await using (var from = new FileStream(child, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, useAsync: true))
                    await using (var to = new FileStream(target, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true))
                    {
                        await from.CopyToAsync(to, cancellationToken).ConfigureAwait(false);
                    }

                    break;
                case FileStatus.Symlink:
                    File.CreateSymbolicLink(target, new FileInfo(child).LinkTarget!);
                    break;
                case FileStatus.CharDevice or FileStatus.BlockDevice or FileStatus.Fifo:
                    try
                    {
                        LibC.Mknod(target, s.Type | s.Permissions, s.RDevMajor, s.RDevMinor);
                    }
                    catch (IOException) when (!isRoot)
                    {
                        continue;
                    }

                    break;
                default:
                    continue; // sockets are not copied, as in a layer
            }

            if (isRoot) LibC.Lchown(target, s.Uid, s.Gid);
            if (!s.IsSymlink) File.SetUnixFileMode(target, (UnixFileMode)s.Permissions);
            LibC.LSetModificationTime(target, s.MTimeSeconds, s.MTimeNanoseconds);
        }
    }
}
