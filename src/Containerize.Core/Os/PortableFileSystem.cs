using System.IO.Enumeration;

namespace Containerize.Core.Os;

/// <summary>
/// The portable path of <see cref="HostFileSystem"/>: .NET's file-system API only, no C library. A folder is read
/// with <see cref="FileSystemEnumerable{TResult}"/>, which learns each entry's attributes, size and times while
/// enumerating (FindFirstFile gives them on Windows, one lstat per entry elsewhere), so the snapshot stats nothing
/// again. What .NET does not expose is left out: inodes and owners are 0 (the digest cache keys on size and mtime
/// then), ctime is the mtime, and on Unix a FIFO, socket or device cannot be told from a file.
/// </summary>
internal sealed class PortableFileSystem : HostFileSystem
{
    public static readonly PortableFileSystem Instance = new();

    private static readonly EnumerationOptions Options = new()
    {
        AttributesToSkip = 0,
        IgnoreInaccessible = false,
        RecurseSubdirectories = false,
        ReturnSpecialDirectories = false,
        MatchType = MatchType.Simple,
    };

    /// <summary>Whether modes are read from and written to the file system: it has them, and Windows' rules are not in force.</summary>
    public static bool ReadsUnixModes => HostRules.Current.HasUnixModes && !OperatingSystem.IsWindows();

    public override bool IsNative => false;

    public override int ReadDirectory(string path, List<(string Name, EntryType Type)> entries, List<FileStatus>? statuses, List<string>? badNames,
        bool keepOpen, out nint open)
    {
        open = 0;
        var modes = ReadsUnixModes;
        try
        {
            // A listing needs the types only: read from the entry's attributes, without a FileInfo per entry (a third of
            // the time of `context ls`). A snapshot takes the whole status, which the same enumeration already holds.
            var enumerable = statuses is null
                ? new FileSystemEnumerable<(string, FileStatus)>(path,
                    (ref FileSystemEntry e) => (e.FileName.ToString(), new FileStatus { Mode = TypeBits(TypeOf(ref e)) }), Options)
                : new FileSystemEnumerable<(string, FileStatus)>(path,
                    (ref FileSystemEntry e) => (e.FileName.ToString(), StatusOf(e.ToFileSystemInfo(), modes)), Options);
            foreach (var (name, status) in enumerable)
            {
                // A name that was not valid UTF-8 on disk comes back with replacement characters: reported, as the native path does.
                if (name.Contains('\uFFFD'))
                {
                    badNames?.Add(name);
                    continue;
                }

                entries.Add((name, status.Kind));
                statuses?.Add(status);
            }

            return 0;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return Errno(e);
        }
    }

    public override int LStat(string path, out FileStatus status)
    {
        status = default;
        try
        {
            FileSystemInfo info = new FileInfo(path);
            if ((info.Attributes & FileAttributes.Directory) != 0) info = new DirectoryInfo(path);
            if (!info.Exists && info.LinkTarget is null) return LibC.ENOENT;
            status = StatusOf(info, ReadsUnixModes);
            return 0;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return Errno(e);
        }
    }

    // .NET has no hard-link API: the caller copies (with mode and time), as across file systems.
    public override bool TryHardLink(string source, string target) => false;

    private const int EIO = 5;

    // A reparse point is a link only when it has a target (symlink, junction): deduplicated or cloud placeholder
    // files are reparse points too, and are plain files.
    private static EntryType TypeOf(FileSystemInfo info)
    {
        var attributes = info.Attributes;
        if ((attributes & FileAttributes.ReparsePoint) != 0 && info.LinkTarget is not null) return EntryType.Symlink;
        return (attributes & FileAttributes.Directory) != 0 ? EntryType.Directory : EntryType.File;
    }

    private static EntryType TypeOf(ref FileSystemEntry e)
    {
        var attributes = e.Attributes;
        if ((attributes & FileAttributes.ReparsePoint) != 0 && e.ToFileSystemInfo().LinkTarget is not null) return EntryType.Symlink;
        return (attributes & FileAttributes.Directory) != 0 ? EntryType.Directory : EntryType.File;
    }

    private static uint TypeBits(EntryType type) => type switch
    {
        EntryType.Directory => FileStatus.Directory,
        EntryType.Symlink => FileStatus.Symlink,
        _ => FileStatus.Regular,
    };

    /// <summary>The stat record .NET can fill: type, permission bits where there are modes (else the rule's defaults), size, times.</summary>
    internal static FileStatus StatusOf(FileSystemInfo info, bool modes)
    {
        var type = TypeOf(info);
        var bits = TypeBits(type);
        uint permissions = type == EntryType.Symlink ? 0x1FF
            : modes ? (uint)info.UnixFileMode
            : ModeRule.Default(type == EntryType.Directory);
        var size = type == EntryType.File && info is FileInfo file ? file.Length : 0;
        var (ms, mn) = Split(info.LastWriteTimeUtc);
        var (bs, bn) = Split(info.CreationTimeUtc);
        return new FileStatus(bits | permissions, 0, 0, size, 0, 1, bs, bn, ms, mn, ms, mn, 0, 0, 0, 0);
    }

    private static (long Seconds, uint Nanoseconds) Split(DateTime utc)
    {
        var ticks = utc.Ticks - DateTime.UnixEpoch.Ticks;
        var seconds = Math.DivRem(ticks, TimeSpan.TicksPerSecond, out var rest);
        if (rest < 0)
        {
            seconds--;
            rest += TimeSpan.TicksPerSecond;
        }

        return (seconds, (uint)(rest * 100));
    }

    // The errno the callers test for (permission, absence); anything else is an I/O error.
    private static int Errno(Exception e) => e switch
    {
        UnauthorizedAccessException => LibC.EACCES,
        DirectoryNotFoundException or FileNotFoundException => LibC.ENOENT,
        _ => EIO,
    };
}
