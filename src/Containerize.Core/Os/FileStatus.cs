namespace Containerize.Core.Os;

/// <summary>The type of a file system entry, from a directory entry's <c>d_type</c> or a stat's mode.</summary>
public enum EntryType : byte
{
    Unknown = 0,
    File,
    Directory,
    Symlink,
    Fifo,
    Socket,
    CharDevice,
    BlockDevice,
}

/// <summary>
/// What stat says about a path (never following a final symlink): the one record every folder uses, whether it
/// came from statx on Linux or, later, from a portable source.
/// </summary>
public readonly record struct FileStatus(
    uint Mode, uint Uid, uint Gid, long Size, ulong Inode, uint Links,
    long BirthSeconds, uint BirthNanoseconds, long CTimeSeconds, uint CTimeNanoseconds, long MTimeSeconds, uint MTimeNanoseconds,
    uint RDevMajor, uint RDevMinor, uint DevMajor, uint DevMinor)
{
    public const uint TypeMask = 0xF000;
    public const uint Directory = 0x4000;
    public const uint Regular = 0x8000;
    public const uint Symlink = 0xA000;
    public const uint CharDevice = 0x2000;
    public const uint BlockDevice = 0x6000;
    public const uint Fifo = 0x1000;
    public const uint Socket = 0xC000;

    /// <summary>The S_IFMT bits of <see cref="Mode"/>.</summary>
    public uint Type => Mode & TypeMask;

    public EntryType Kind => Type switch
    {
        Regular => EntryType.File,
        Directory => EntryType.Directory,
        Symlink => EntryType.Symlink,
        Fifo => EntryType.Fifo,
        Socket => EntryType.Socket,
        CharDevice => EntryType.CharDevice,
        BlockDevice => EntryType.BlockDevice,
        _ => EntryType.Unknown,
    };

    /// <summary>Permission bits with setuid, setgid and sticky.</summary>
    public uint Permissions => Mode & 0xFFF;

    public UnixFileMode UnixMode => (UnixFileMode)Permissions;

    public bool IsDirectory => Type == Directory;

    public bool IsRegular => Type == Regular;

    public bool IsSymlink => Type == Symlink;

    /// <summary>overlayfs marks a deleted lower file with a character device 0/0.</summary>
    public bool IsOverlayWhiteout => Type == CharDevice && RDevMajor == 0 && RDevMinor == 0;

    /// <summary>The device holding the file, encoded as the C library's dev_t.</summary>
    public ulong Device => LibC.MakeDev(DevMajor, DevMinor);

    public long CTimeNanos => CTimeSeconds * 1_000_000_000 + CTimeNanoseconds;
}
