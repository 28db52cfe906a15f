using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Containerize.Core.Runtime.Native;

/// <summary>
/// The few libc calls the BCL lacks (owners, device numbers, xattrs, mounts, and the kernel's file-to-file copy that
/// archive exports use). All of the runtime's native calls live here, so that they can be unified with other areas'
/// bindings in one place.
/// statx is used instead of stat because its layout is the same on every architecture.
/// </summary>
internal static unsafe partial class LibC
{
    private const string Lib = "libc";

    public const int AtFdCwd = -100;
    public const int AtSymlinkNoFollow = 0x100;
    public const uint StatxBasicStats = 0x7ff;
    public const uint StatxBtime = 0x800;

    public const int ENOENT = 2;
    public const int EINTR = 4;
    public const int EXDEV = 18;
    public const int EINVAL = 22;
    public const int ENOSYS = 38;
    public const int ENODATA = 61;
    public const int EOPNOTSUPP = 95;

    public const ulong MsRdOnly = 1;
    public const ulong MsBind = 4096;
    public const ulong MsRec = 16384;
    public const ulong MsPrivate = 1 << 18;
    public const int MntDetach = 2;

    [LibraryImport(Lib, EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int StatxNative(int dirfd, string path, int flags, uint mask, byte* buffer);

    [LibraryImport(Lib, EntryPoint = "lchown", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int LchownNative(string path, uint uid, uint gid);

    [LibraryImport(Lib, EntryPoint = "lgetxattr", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial nint LgetxattrNative(string path, string name, byte* value, nuint size);

    [LibraryImport(Lib, EntryPoint = "lsetxattr", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int LsetxattrNative(string path, string name, byte* value, nuint size, int flags);

    [LibraryImport(Lib, EntryPoint = "mknod", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int MknodNative(string path, uint mode, ulong dev);

    [LibraryImport(Lib, EntryPoint = "mount", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int MountNative(string? source, string target, string? fstype, ulong flags, string? data);

    [LibraryImport(Lib, EntryPoint = "umount2", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Umount2Native(string target, int flags);

    [LibraryImport(Lib, EntryPoint = "utimensat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int UtimensatNative(int dirfd, string path, long* times, int flags);

    [LibraryImport(Lib, EntryPoint = "link", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int LinkNative(string oldPath, string newPath);

    [LibraryImport(Lib, EntryPoint = "copy_file_range", SetLastError = true)]
    private static partial nint CopyFileRangeNative(SafeFileHandle input, ref long inputOffset, SafeFileHandle output, ref long outputOffset, nuint length, uint flags);

    [LibraryImport(Lib, EntryPoint = "geteuid")]
    public static partial uint GetEuid();

    [LibraryImport(Lib, EntryPoint = "getegid")]
    public static partial uint GetEgid();

    /// <summary>Not root: runc runs rootless, owners cannot be set, devices cannot be made.</summary>
    public static bool IsRootless => GetEuid() != 0;

    /// <summary>lstat through statx; null when the path does not exist.</summary>
    public static FileStatus? LStat(string path)
    {
        var buffer = stackalloc byte[256];
        if (StatxNative(AtFdCwd, path, AtSymlinkNoFollow, StatxBasicStats | StatxBtime, buffer) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            if (errno == ENOENT || errno == 20 /* ENOTDIR */) return null;
            throw Error("statx", path, errno);
        }

        return new FileStatus(
            Mode: *(ushort*)(buffer + 28),
            Uid: *(uint*)(buffer + 20),
            Gid: *(uint*)(buffer + 24),
            Size: *(long*)(buffer + 40),
            Inode: *(ulong*)(buffer + 32),
            Links: *(uint*)(buffer + 16),
            BirthSeconds: *(long*)(buffer + 80),
            BirthNanoseconds: *(uint*)(buffer + 88),
            MTimeSeconds: *(long*)(buffer + 112),
            MTimeNanoseconds: *(uint*)(buffer + 120),
            RDevMajor: *(uint*)(buffer + 128),
            RDevMinor: *(uint*)(buffer + 132),
            DevMajor: *(uint*)(buffer + 136),
            DevMinor: *(uint*)(buffer + 140));
    }

    public static void Lchown(string path, uint uid, uint gid)
    {
        if (LchownNative(path, uid, gid) != 0) throw Error("lchown", path, Marshal.GetLastPInvokeError());
    }

    /// <summary>The value of an extended attribute, or null when the file does not have it.</summary>
    public static byte[]? LGetXattr(string path, string name)
    {
        var buffer = stackalloc byte[256];
        var n = LgetxattrNative(path, name, buffer, 256);
        if (n < 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            if (errno is ENODATA or EOPNOTSUPP) return null;
            if (errno == 34 /* ERANGE */)
            {
                var size = LgetxattrNative(path, name, null, 0);
                var big = new byte[size];
                fixed (byte* p = big) n = LgetxattrNative(path, name, p, (nuint)big.Length);
                if (n < 0) throw Error("lgetxattr", path, Marshal.GetLastPInvokeError());
                return big[..(int)n];
            }

            throw Error("lgetxattr", path, errno);
        }

        return new ReadOnlySpan<byte>(buffer, (int)n).ToArray();
    }

    public static void LSetXattr(string path, string name, ReadOnlySpan<byte> value)
    {
        fixed (byte* p = value)
        {
            if (LsetxattrNative(path, name, p, (nuint)value.Length, 0) != 0)
                throw Error("lsetxattr " + name, path, Marshal.GetLastPInvokeError());
        }
    }

    public static void Mknod(string path, uint mode, uint major, uint minor)
    {
        // glibc's makedev encoding.
        var dev = ((ulong)(major & 0xfffff000) << 32) | ((ulong)(major & 0xfff) << 8) | ((ulong)(minor & 0xffffff00) << 12) | (minor & 0xff);
        if (MknodNative(path, mode, dev) != 0) throw Error("mknod", path, Marshal.GetLastPInvokeError());
    }

    public static void Link(string existing, string newPath)
    {
        if (LinkNative(existing, newPath) != 0) throw Error("link", newPath, Marshal.GetLastPInvokeError());
    }

    public static int Mount(string? source, string target, string? fstype, ulong flags, string? data) =>
        MountNative(source, target, fstype, flags, data) == 0 ? 0 : Marshal.GetLastPInvokeError();

    public static int Unmount(string target, int flags) =>
        Umount2Native(target, flags) == 0 ? 0 : Marshal.GetLastPInvokeError();

    /// <summary>Sets the modification (and access) time of a path without following a symbolic link.</summary>
    public static void LSetModificationTime(string path, long seconds, long nanoseconds)
    {
        var times = stackalloc long[4] { seconds, nanoseconds, seconds, nanoseconds };
        if (UtimensatNative(AtFdCwd, path, times, AtSymlinkNoFollow) != 0)
            throw Error("utimensat", path, Marshal.GetLastPInvokeError());
    }

    /// <summary>copy_file_range at explicit offsets, which it moves: the bytes copied (0 at the input's end), or -errno.</summary>
    public static long CopyFileRange(SafeFileHandle input, ref long inputOffset, SafeFileHandle output, ref long outputOffset, long length)
    {
        var n = CopyFileRangeNative(input, ref inputOffset, output, ref outputOffset, (nuint)length, 0);
        return n >= 0 ? n : -Marshal.GetLastPInvokeError();
    }

    public static IOException Error(string call, string path, int errno) =>
        new($"{call} '{path}': {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno})", errno);
}

/// <summary>What lstat says about a path: the fields a filesystem diff compares.</summary>
internal readonly record struct FileStatus(
    uint Mode, uint Uid, uint Gid, long Size, ulong Inode, uint Links,
    long BirthSeconds, uint BirthNanoseconds, long MTimeSeconds, uint MTimeNanoseconds, uint RDevMajor, uint RDevMinor, uint DevMajor, uint DevMinor)
{
    public const uint TypeMask = 0xF000;
    public const uint Directory = 0x4000;
    public const uint Regular = 0x8000;
    public const uint Symlink = 0xA000;
    public const uint CharDevice = 0x2000;
    public const uint BlockDevice = 0x6000;
    public const uint Fifo = 0x1000;
    public const uint Socket = 0xC000;

    public uint Type => Mode & TypeMask;

    /// <summary>Permission bits with setuid, setgid and sticky.</summary>
    public uint Permissions => Mode & 0xFFF;

    public bool IsDirectory => Type == Directory;

    public bool IsRegular => Type == Regular;

    public bool IsSymlink => Type == Symlink;

    /// <summary>overlayfs marks a deleted lower file with a character device 0/0.</summary>
    public bool IsOverlayWhiteout => Type == CharDevice && RDevMajor == 0 && RDevMinor == 0;
}
