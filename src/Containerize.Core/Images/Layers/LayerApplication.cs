using System.Buffers;
using System.Formats.Tar;
using System.Text;
using Containerize.Core.Diagnostics;
using Containerize.Core.Os;
using Microsoft.Win32.SafeHandles;

namespace Containerize.Core.Images.Layers;

/// <summary>
/// One layer being applied by <see cref="LayerApplier"/>: every write is made relative to a folder descriptor
/// that <see cref="InRootTree"/> resolved inside the root, so no path is looked up on the host.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
internal sealed class LayerApplication : IDisposable
{
    private const int MaxCachedFolders = 64;
    private const uint DirectoryMode = 0x1ED; // 0755: what containerd and Docker give the parents a layer does not list

    private readonly InRootTree _tree;
    private readonly LayerApplyOptions _options;
    private readonly string? _layer;
    private readonly bool _isRoot = LibC.IsRoot;
    private readonly bool _owners;

    // Folders resolved for earlier entries (tars list a folder's entries together). Any removal clears it, since
    // a removed folder or symlink may be on one of the cached paths.
    private readonly Dictionary<string, Folder> _folders = new(StringComparer.Ordinal);
    private readonly List<int> _retired = [];

    // What this layer wrote, by (device, inode of the parent folder, name): what an opaque marker keeps.
    private readonly HashSet<(ulong Device, ulong Inode, string Name)> _written = [];
    private readonly List<(string Path, LayerEntryInfo Info)> _directories = [];

    public LayerApplication(string root, LayerApplyOptions options, string? layer)
    {
        _tree = InRootTree.Open(root);
        _options = options;
        _layer = layer;
        _owners = options.PreserveOwners ?? _isRoot;
    }

    public ValueTask ApplyAsync(LayerEntryInfo info, TarEntry entry, CancellationToken cancellationToken)
    {
        if (_options.Include is { } include && !include(info)) return ValueTask.CompletedTask;
        cancellationToken.ThrowIfCancellationRequested();
        CloseRetired();
        try
        {
            ApplyEntry(info, entry, cancellationToken);
            return ValueTask.CompletedTask;
        }
        catch (IOException e)
        {
            throw new ContainerizeException(LayerErrors.ApplyFailed, $"{Where()}entry '{info.Path}' could not be written: {e.Message}",
                hint: "check free space and permissions of the store; if the layer is at fault, pull or build it again", inner: e);
        }
    }

    private void ApplyEntry(LayerEntryInfo info, TarEntry entry, CancellationToken cancellationToken)
    {
        switch (info.Kind)
        {
            case LayerEntryKind.Whiteout:
                Whiteout(info);
                return;
            case LayerEntryKind.OpaqueWhiteout:
                Opaque(info);
                return;
        }

        // An entry naming the root itself ("./") is skipped, as containerd does: the root is the caller's folder.
        if (info.Path.Length == 0) return;
        var parent = OpenFolder(LayerPaths.Parent(info.Path), info);
        var name = LayerPaths.Name(info.Path);
        var exists = LibC.StatAt(parent.Fd, name, out var existing) == 0;
        if (exists && !(existing.IsDirectory && info.Kind == LayerEntryKind.Directory)) Remove(parent.Fd, name);

        switch (info.Kind)
        {
            case LayerEntryKind.Directory:
                if (!exists || !existing.IsDirectory) Check(LibC.MkdirAt(parent.Fd, name, DirectoryMode), "mkdirat", info);
                SetXattrs(parent.Fd, name, entry);
                _directories.Add((info.Path, info));
                MarkWritten(parent, name);
                return;
            case LayerEntryKind.File:
                WriteFile(parent.Fd, name, info, entry, cancellationToken);
                break;
            case LayerEntryKind.Symlink:
                Check(LibC.SymlinkAt(info.LinkTarget ?? "", parent.Fd, name), "symlinkat", info);
                break;
            case LayerEntryKind.Hardlink:
                // The entry's owner, mode, xattrs and time then go to the file it shares, as containerd's and
                // Docker's appliers do: a changeset entry carries its own attributes (image-spec layer.md).
                Hardlink(parent.Fd, name, info);
                break;
            case LayerEntryKind.Fifo or LayerEntryKind.CharDevice or LayerEntryKind.BlockDevice:
            {
                var type = info.Kind switch { LayerEntryKind.Fifo => FileStatus.Fifo, LayerEntryKind.CharDevice => FileStatus.CharDevice, _ => FileStatus.BlockDevice };

                // Only root may make devices; without it they are skipped, as rootless engines do.
                if (type != FileStatus.Fifo && !_isRoot) return;
                var posix = entry as PosixTarEntry;
                Check(LibC.MknodAt(parent.Fd, name, type | ((uint)info.Mode & 0xFFF), (uint)(posix?.DeviceMajor ?? 0), (uint)(posix?.DeviceMinor ?? 0)), "mknodat", info);
                break;
            }
        }

        // Owner first: chown clears the setuid and setgid bits that chmod then sets, and file capabilities that
        // the xattrs then set.
        if (_owners) Check(LibC.FchownAt(parent.Fd, name, (uint)info.Uid, (uint)info.Gid), "chown", info);

        // fchmodat follows a symlink, which may lead to the host: never for a symlink, nor a hard link to one.
        var isSymlink = info.Kind == LayerEntryKind.Symlink || (info.Kind == LayerEntryKind.Hardlink && LibC.StatAt(parent.Fd, name, out var linked) == 0 && linked.IsSymlink);
        if (!isSymlink) Check(LibC.FchmodAt(parent.Fd, name, (uint)info.Mode & 0xFFF), "chmod", info);
        SetXattrs(parent.Fd, name, entry);
        SetTime(parent.Fd, name, info);
        MarkWritten(parent, name);
    }

    private static void WriteFile(int dirFd, string name, LayerEntryInfo info, TarEntry entry, CancellationToken cancellationToken)
    {
        var fd = LibC.Openat(dirFd, name, LibC.OWrOnly | LibC.OCreat | LibC.OExcl | LibC.ONoFollow, 0x180 /* 0600 until chmod */);
        if (fd < 0) throw LibC.Error("open", info.Path, -fd);
        using var handle = new SafeFileHandle(fd, ownsHandle: true);
        if (entry.DataStream is not { } data || info.Size == 0) return;

        // Synchronous on purpose: the data comes from a decompressor on this thread, and positional writes to a
        // regular file never wait on anything a thread-pool hop would hide.
        var buffer = ArrayPool<byte>.Shared.Rent(1 << 17);
        try
        {
            long offset = 0;
            int n;
            while ((n = data.Read(buffer, 0, buffer.Length)) > 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
                RandomAccess.Write(handle, buffer.AsSpan(0, n), offset);
                offset += n;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private void Hardlink(int dirFd, string name, LayerEntryInfo info)
    {
        var target = LayerPaths.Clamp(info.LinkTarget ?? "");
        if (target is { Length: > 0 })
        {
            var folder = _tree.OpenFolder(LayerPaths.Parent(target), create: false);
            if (folder.Ok)
            {
                try
                {
                    var targetName = LayerPaths.Name(target);
                    if (LibC.StatAt(folder.Fd, targetName, out var st) == 0 && !st.IsDirectory && LibC.LinkAt(folder.Fd, targetName, dirFd, name) == 0) return;
                }
                finally
                {
                    LibC.Close(folder.Fd);
                }
            }
        }

        throw new ContainerizeException(LayerErrors.BadHardlink, $"{Where()}hardlink '{info.Path}' points at '{info.LinkTarget}', which is not a file inside the image",
            hint: "a hardlink may only name a file of the image written before it; the layer is malformed or malicious");
    }

    private void Whiteout(LayerEntryInfo info)
    {
        // Docker and containerd make the parent of a whiteout too (it holds the overlay marker).
        var parent = OpenFolder(LayerPaths.Parent(info.Path), info);
        var name = LayerPaths.Name(info.Path);
        Remove(parent.Fd, name);
        if (_options.Whiteouts == WhiteoutMode.OverlayFormat) Check(LibC.MknodAt(parent.Fd, name, FileStatus.CharDevice, 0, 0), "mknodat", info);
    }

    private void Opaque(LayerEntryInfo info)
    {
        var folder = OpenFolder(info.Path, info);
        if (_options.Whiteouts == WhiteoutMode.OverlayFormat)
        {
            Check(LibC.TrySetXattr(LibC.FdPath(folder.Fd, ""), "trusted.overlay.opaque", "y"u8), "setxattr trusted.overlay.opaque", info);
            return;
        }

        // As containerd: what lower layers put in the folder goes now; what this layer wrote before the marker stays.
        RemoveUnwritten(folder.Fd, folder.Device, folder.Inode);
        ClearFolders();
    }

    private void RemoveUnwritten(int dirFd, ulong device, ulong inode)
    {
        foreach (var (child, type) in TreeRemover.List(dirFd))
        {
            if (!_written.Contains((device, inode, child)))
            {
                TreeRemover.RemoveAll(dirFd, child);
            }
            else if (type == EntryType.Directory)
            {
                var fd = LibC.Openat(dirFd, child, LibC.OPath | LibC.ODirectory | LibC.ONoFollow);
                if (fd < 0) continue;
                try
                {
                    if (LibC.FStat(fd, out var st) == 0) RemoveUnwritten(fd, st.Device, st.Inode);
                }
                finally
                {
                    LibC.Close(fd);
                }
            }
        }
    }

    /// <summary>Folders get their owners, modes and times last, deepest first, so that creating their contents does not change them.</summary>
    public void Finish()
    {
        foreach (var (path, info) in _directories.OrderByDescending(d => d.Path.Length))
        {
            var parent = _tree.OpenFolder(LayerPaths.Parent(path), create: false);
            if (!parent.Ok) continue; // removed or replaced by a later entry
            try
            {
                var name = LayerPaths.Name(path);
                if (LibC.StatAt(parent.Fd, name, out var st) != 0 || !st.IsDirectory) continue;
                if (_owners) Check(LibC.FchownAt(parent.Fd, name, (uint)info.Uid, (uint)info.Gid), "chown", info);
                Check(LibC.FchmodAt(parent.Fd, name, (uint)info.Mode & 0xFFF), "chmod", info);
                SetTime(parent.Fd, name, info);
            }
            finally
            {
                LibC.Close(parent.Fd);
            }
        }
    }

    private Folder OpenFolder(string path, LayerEntryInfo info)
    {
        if (_folders.TryGetValue(path, out var cached)) return cached;
        var opened = _tree.OpenFolder(path, create: true, (fd, name) => MarkCreated(fd, name));
        if (!opened.Ok)
        {
            throw opened.Failure switch
            {
                InRootFailure.TooManyLinks => new ContainerizeException(LayerErrors.SymlinkLoop,
                    $"{Where()}entry '{info.Path}' leads through more than 40 symlinks at '{opened.FailedAt}'",
                    hint: "the image's symlinks form a loop; the layer is malformed or malicious"),
                _ => new ContainerizeException(LayerErrors.ParentNotDirectory,
                    $"{Where()}entry '{info.Path}' needs '{opened.FailedAt}' to be a folder, but the image has a file there",
                    hint: "the layer does not fit on the layers below it"),
            };
        }

        if (LibC.FStat(opened.Fd, out var st) != 0)
        {
            LibC.Close(opened.Fd);
            throw LibC.Error("fstat", path, LibC.EBADF);
        }

        if (_folders.Count >= MaxCachedFolders) ClearFolders();
        var folder = new Folder(opened.Fd, st.Device, st.Inode);
        _folders[path] = folder;
        return folder;
    }

    private void MarkCreated(int dirFd, string name)
    {
        if (LibC.FStat(dirFd, out var st) == 0) _written.Add((st.Device, st.Inode, name));
    }

    private void MarkWritten(Folder parent, string name) => _written.Add((parent.Device, parent.Inode, name));

    private void Remove(int dirFd, string name)
    {
        if (TreeRemover.RemoveAll(dirFd, name)) ClearFolders();
    }

    /// <summary>Forgets the resolved folders; their descriptors are closed before the next entry, since the current one may still be using one.</summary>
    private void ClearFolders()
    {
        foreach (var folder in _folders.Values) _retired.Add(folder.Fd);
        _folders.Clear();
    }

    private void CloseRetired()
    {
        foreach (var fd in _retired) LibC.Close(fd);
        _retired.Clear();
    }

    private void SetXattrs(int dirFd, string name, TarEntry entry)
    {
        if (entry is not PaxTarEntry pax) return;
        const string prefix = "SCHILY.xattr.";
        foreach (var (key, value) in pax.ExtendedAttributes)
        {
            if (!key.StartsWith(prefix, StringComparison.Ordinal)) continue;
            var attribute = key[prefix.Length..];
            if (!_isRoot && (attribute.StartsWith("trusted.", StringComparison.Ordinal) || attribute.StartsWith("security.", StringComparison.Ordinal))) continue;

            // PAX records are UTF-8 text; binary values (file capabilities) arrive as their Latin-1 bytes. A file
            // system without xattrs keeps the file usable without them, as Docker does.
            LibC.TryLSetXattr(LibC.FdPath(dirFd, name), attribute, value.All(c => c < 256) ? Encoding.Latin1.GetBytes(value) : Encoding.UTF8.GetBytes(value));
        }
    }

    private static void SetTime(int dirFd, string name, LayerEntryInfo info)
    {
        var ticks = info.ModificationTime.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks;
        var seconds = Math.DivRem(ticks, TimeSpan.TicksPerSecond, out var rest);
        LibC.UtimensAt(dirFd, name, seconds, rest * 100);
    }

    private void Check(int rc, string call, LayerEntryInfo info)
    {
        if (rc < 0) throw LibC.Error(call, info.Path, -rc);
    }

    private string Where() => _layer is null ? "" : $"layer {_layer}: ";

    public void Dispose()
    {
        ClearFolders();
        CloseRetired();
        _tree.Dispose();
    }

    private readonly record struct Folder(int Fd, ulong Device, ulong Inode);
}
