namespace Containerize.Core.Os;

/// <summary>
/// The file-system calls of the Host-mode path (context walk and listing, snapshot stat, staging, reading modes):
/// one abstraction, two implementations. <see cref="NativeFileSystem"/> is the fast Linux path through
/// <see cref="LibC"/> (readdir with d_type, statx relative to open folders, link(2)); <see cref="PortableFileSystem"/>
/// uses .NET's API only, and is what Windows, macOS, musl without statx and any libc missing an export get.
/// <see cref="Current"/> follows <see cref="HostRules.Current"/>, so <c>CTZ_FILESYSTEM=portable</c> and
/// <see cref="HostRules.Use"/> switch it.
/// </summary>
internal abstract class HostFileSystem
{
    public static HostFileSystem Current => HostRules.Current.NativeFileSystem ? NativeFileSystem.Instance : PortableFileSystem.Instance;

    /// <summary>True for the LibC path: folders can be kept open and entries stat'ed relative to them.</summary>
    public abstract bool IsNative { get; }

    /// <summary>
    /// Appends a folder's entries (without "." and "..") to <paramref name="entries"/>: 0, or an errno
    /// (<see cref="LibC.EACCES"/>, <see cref="LibC.ENOENT"/>, ...). Names that are not valid UTF-8 go to
    /// <paramref name="badNames"/>. When <paramref name="statuses"/> is given and the implementation learns each
    /// entry's status while reading (the portable one does, since .NET stats as it enumerates), it appends one per
    /// entry, in the same order; otherwise it leaves it empty. <paramref name="keepOpen"/>: see <see cref="DirectoryReader"/>
    /// (native only; <paramref name="open"/> is 0 on the portable path).
    /// </summary>
    public abstract int ReadDirectory(string path, List<(string Name, EntryType Type)> entries, List<FileStatus>? statuses, List<string>? badNames,
        bool keepOpen, out nint open);

    /// <summary>lstat by full path: 0, or an errno (<see cref="LibC.ENOENT"/> when it is not there).</summary>
    public abstract int LStat(string path, out FileStatus status);

    /// <summary>A symlink's target as stored (null when the path is no link).</summary>
    public string? ReadLink(string path) => new FileInfo(path).LinkTarget;

    /// <summary>Makes <paramref name="target"/> a second name of <paramref name="source"/>; false where the file system cannot.</summary>
    public abstract bool TryHardLink(string source, string target);

    /// <summary>
    /// The permission bits of an open file, where the file system has them; null where it has none (Windows, or its
    /// rules forced), and the mode rule (<see cref="ModeRule"/>) decides.
    /// </summary>
    public static UnixFileMode? ModeOf(Microsoft.Win32.SafeHandles.SafeFileHandle handle) =>
        !OperatingSystem.IsWindows() && HostRules.Current.HasUnixModes ? File.GetUnixFileMode(handle) : null;

    /// <summary>The permission bits of a path (not following a final link), where the file system has them.</summary>
    public static UnixFileMode? ModeOf(FileSystemInfo info) =>
        PortableFileSystem.ReadsUnixModes ? info.UnixFileMode : null;

    /// <summary>Gives a file <paramref name="mode"/> where the file system keeps modes (nothing to do elsewhere).</summary>
    public static void SetMode(string path, UnixFileMode mode)
    {
        if (!OperatingSystem.IsWindows() && HostRules.Current.HasUnixModes) File.SetUnixFileMode(path, mode);
    }
}
