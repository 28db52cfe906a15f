namespace Containerize.Core.Os;

/// <summary>
/// Removes an entry and everything below it relative to an open folder descriptor, never following a symlink:
/// a link is removed, not what it points at, so an untrusted tree cannot make a removal reach the host.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public static class TreeRemover
{
    /// <summary>Removes a path (not following a final symlink); false when there was nothing. The parent path is trusted.</summary>
    public static bool RemoveAll(string path)
    {
        var full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(path));
        var parent = Path.GetDirectoryName(full) ?? throw new IOException("cannot remove the root folder");
        var fd = LibC.Openat(LibC.AtFdCwd, parent, LibC.OPath | LibC.ODirectory);
        if (fd == -LibC.ENOENT || fd == -LibC.ENOTDIR) return false;
        if (fd < 0) throw LibC.Error("open", parent, -fd);
        try
        {
            return RemoveAll(fd, Path.GetFileName(full));
        }
        finally
        {
            LibC.Close(fd);
        }
    }

    /// <summary>Removes <paramref name="name"/> in the folder <paramref name="dirFd"/>; false when there was nothing.</summary>
    public static bool RemoveAll(int dirFd, string name)
    {
        var rc = LibC.StatAt(dirFd, name, out var status);
        if (rc == -LibC.ENOENT) return false;
        if (rc != 0) throw LibC.Error("statx", name, -rc);
        if (status.IsDirectory)
        {
            var fd = LibC.Openat(dirFd, name, LibC.OPath | LibC.ODirectory | LibC.ONoFollow);
            if (fd < 0) throw LibC.Error("openat", name, -fd);
            try
            {
                RemoveChildren(fd);
            }
            finally
            {
                LibC.Close(fd);
            }
        }

        rc = LibC.UnlinkAt(dirFd, name, status.IsDirectory);
        if (rc != 0 && rc != -LibC.ENOENT) throw LibC.Error(status.IsDirectory ? "rmdir" : "unlink", name, -rc);
        return true;
    }

    /// <summary>Empties the open folder <paramref name="dirFd"/>, except the names <paramref name="keep"/> says to keep.</summary>
    public static void RemoveChildren(int dirFd, Func<string, EntryType, bool>? keep = null)
    {
        foreach (var (child, type) in List(dirFd))
        {
            if (keep?.Invoke(child, type) == true) continue;
            RemoveAll(dirFd, child);
        }
    }

    /// <summary>The names in an open folder, with their d_type.</summary>
    public static List<(string Name, EntryType Type)> List(int dirFd)
    {
        var entries = new List<(string Name, EntryType Type)>();
        var badNames = new List<string>();
        var errno = DirectoryReader.Read(LibC.FdPath(dirFd, ""), entries, badNames, keepOpen: false, out _);
        if (errno != 0) throw LibC.Error("opendir", LibC.FdPath(dirFd, ""), errno);
        if (badNames.Count > 0)
        {
            // A name that is not UTF-8 cannot be passed back to unlinkat through a .NET string; say so rather than
            // leave it behind silently.
            throw new IOException($"'{badNames[0]}' is not a UTF-8 name and cannot be removed");
        }

        return entries;
    }
}
