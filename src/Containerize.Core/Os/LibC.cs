using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Containerize.Core.Os;

/// <summary>
/// The one binding to the C library: every native call of the engine is declared here and nowhere else, so that a
/// port (musl, old glibc, macOS) has one file to look at. Calls return 0 or -errno (or throw <see cref="Error"/> in
/// the path-based helpers); callers that turn failures into coded errors do so in their own folder.
/// statx is used for every stat because its layout is the same on every Linux architecture.
/// </summary>
internal static unsafe partial class LibC
{
    private const string Lib = "libc";

    public const int AtFdCwd = -100;
    public const int AtSymlinkNoFollow = 0x100;
    public const int AtRemoveDir = 0x200;
    public const int AtEmptyPath = 0x1000;
    private const uint StatxBasicStats = 0x7ff;
    private const uint StatxBtime = 0x800;

    public const int EPERM = 1;
    public const int ENOENT = 2;
    public const int EINTR = 4;
    public const int EBADF = 9;
    public const int EAGAIN = 11;
    public const int EACCES = 13;
    public const int EEXIST = 17;
    public const int EXDEV = 18;
    public const int ENOTDIR = 20;
    public const int EISDIR = 21;
    public const int EINVAL = 22;
    public const int ERANGE = 34;
    public const int ENOSYS = 38;
    public const int ENOTEMPTY = 39;
    public const int ELOOP = 40;
    public const int ENODATA = 61;
    public const int EOVERFLOW = 75;
    public const int EOPNOTSUPP = 95;

    public const ulong MsRdOnly = 1;
    public const ulong MsBind = 4096;
    public const ulong MsRec = 16384;
    public const ulong MsPrivate = 1 << 18;
    public const int MntDetach = 2;

    // open(2) flags. O_DIRECTORY and O_NOFOLLOW are numbered differently on arm and arm64 than on the generic ABI.
    public const int ORdOnly = 0;
    public const int OWrOnly = 1;
    public const int OCreat = 0x40;
    public const int OExcl = 0x80;
    public const int OCloExec = 0x80000;
    public const int OPath = 0x200000;
    public static readonly int ODirectory = IsArm ? 0x4000 : 0x10000;
    public static readonly int ONoFollow = IsArm ? 0x8000 : 0x20000;

    // openat2(2) resolve flags.
    public const ulong ResolveNoMagicLinks = 0x02;
    public const ulong ResolveInRoot = 0x10;

    /// <summary>openat2's number is the same on every architecture (it came after the syscall tables were unified).</summary>
    private const long SysOpenat2 = 437;

    /// <summary>
    /// mknodat's number on this architecture (-1: unknown). mknod and mknodat are called through syscall(2): glibc
    /// before 2.33 exports neither (its headers inlined them as __xmknod/__xmknodat), and .NET 10 runs on glibc 2.27.
    /// </summary>
    private static readonly long SysMknodat = RuntimeInformation.ProcessArchitecture switch
    {
        Architecture.X64 => 259,
        Architecture.X86 => 297,
        Architecture.Arm => 324,
        Architecture.Arm64 or Architecture.RiscV64 or Architecture.LoongArch64 => 33,
        Architecture.S390x => 290,
        Architecture.Ppc64le => 288,
        _ => -1,
    };

    /// <summary>
    /// This process's glibc version (gnu_get_libc_version), or null when the C library is not glibc: musl has no such
    /// export. The package's native publish host is chosen by it (<see cref="ElfVersionNeeds"/>).
    /// </summary>
    internal static Version? GlibcVersion => GlibcProbe.Value;

    private static readonly Lazy<Version?> GlibcProbe = new(() =>
    {
        if (!OperatingSystem.IsLinux() || !NativeLibrary.TryLoad(Lib, typeof(LibC).Assembly, null, out var handle)) return null;
        if (!NativeLibrary.TryGetExport(handle, "gnu_get_libc_version", out var export)) return null;
        var text = Marshal.PtrToStringUTF8(((delegate* unmanaged<nint>)export)());
        return Version.TryParse(text, out var version) ? version : null;
    });

    /// <summary>
    /// The calls the native file-system path (walk, stat, links, in-root opens) makes. Each binds lazily on its first
    /// call, so a C library without one (musl before 1.2.5 has no statx) would fail mid-build: <see cref="HostRules"/>
    /// probes these up front and takes the portable path instead. The layer applier's device and mount calls are not
    /// here: they run on Linux for RUN and rootfs work only and are checked where they are used.
    /// </summary>
    internal static readonly string[] FileSystemExports =
    [
        "statx", "openat", "close", "opendir", "readdir", "closedir", "dirfd", "readlinkat", "linkat", "link",
        "mkdirat", "symlinkat", "unlinkat", "fchmodat", "utimensat", "syscall", "geteuid", "getegid",
    ];

    /// <summary>The <see cref="FileSystemExports"/> the process's C library does not export (empty: the native path works).</summary>
    internal static IReadOnlyList<string> MissingExports()
    {
        if (!NativeLibrary.TryLoad(Lib, typeof(LibC).Assembly, null, out var handle)) return [Lib];
        return FileSystemExports.Where(name => !NativeLibrary.TryGetExport(handle, name, out _)).ToList();
    }

    private static bool IsArm => RuntimeInformation.ProcessArchitecture is Architecture.Arm64 or Architecture.Arm;

    [LibraryImport(Lib, EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int StatxNative(int dirfd, string path, int flags, uint mask, byte* buffer);

    [LibraryImport(Lib, EntryPoint = "statx", SetLastError = true)]
    private static partial int StatxBytes(int dirfd, byte* path, int flags, uint mask, byte* buffer);

    [LibraryImport(Lib, EntryPoint = "lchown", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int LchownNative(string path, uint uid, uint gid);

    [LibraryImport(Lib, EntryPoint = "lgetxattr", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial nint LgetxattrNative(string path, string name, byte* value, nuint size);

    [LibraryImport(Lib, EntryPoint = "lsetxattr", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int LsetxattrNative(string path, string name, byte* value, nuint size, int flags);

    [LibraryImport(Lib, EntryPoint = "setxattr", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int SetxattrNative(string path, string name, byte* value, nuint size, int flags);

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

    [LibraryImport(Lib, EntryPoint = "syscall", SetLastError = true)]
    private static partial long Syscall4(long number, int dirfd, byte* path, void* how, nuint size);

    [LibraryImport(Lib, EntryPoint = "syscall", SetLastError = true)]
    private static partial long SyscallMknodat(long number, nint dirfd, byte* path, nint mode, nint dev);

    [LibraryImport(Lib, EntryPoint = "openat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int OpenatNative(int dirfd, string path, int flags, uint mode);

    [LibraryImport(Lib, EntryPoint = "close")]
    private static partial int CloseNative(int fd);

    [LibraryImport(Lib, EntryPoint = "mkdirat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int MkdiratNative(int dirfd, string path, uint mode);

    [LibraryImport(Lib, EntryPoint = "symlinkat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int SymlinkatNative(string target, int dirfd, string path);

    [LibraryImport(Lib, EntryPoint = "linkat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int LinkatNative(int oldDirfd, string oldPath, int newDirfd, string newPath, int flags);

    [LibraryImport(Lib, EntryPoint = "unlinkat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int UnlinkatNative(int dirfd, string path, int flags);

    [LibraryImport(Lib, EntryPoint = "readlinkat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial nint ReadlinkatNative(int dirfd, string path, byte* buffer, nuint size);

    [LibraryImport(Lib, EntryPoint = "fchownat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int FchownatNative(int dirfd, string path, uint uid, uint gid, int flags);

    [LibraryImport(Lib, EntryPoint = "fchmodat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int FchmodatNative(int dirfd, string path, uint mode, int flags);

    [LibraryImport(Lib, EntryPoint = "opendir", SetLastError = true)]
    private static partial nint OpenDirNative(byte* name);

    [LibraryImport(Lib, EntryPoint = "readdir", SetLastError = true)]
    private static partial nint ReadDirNative(nint dir);

    [LibraryImport(Lib, EntryPoint = "closedir")]
    private static partial int CloseDirNative(nint dir);

    [LibraryImport(Lib, EntryPoint = "dirfd")]
    private static partial int DirFdNative(nint dir);

    [LibraryImport(Lib, EntryPoint = "geteuid")]
    public static partial uint GetEuid();

    [LibraryImport(Lib, EntryPoint = "getegid")]
    public static partial uint GetEgid();

    /// <summary>Root can set owners and make devices; anyone else runs runc rootless.</summary>
    public static bool IsRoot => GetEuid() == 0;

    /// <summary>Not root: runc runs rootless, owners cannot be set, devices cannot be made.</summary>
    public static bool IsRootless => !IsRoot;

    private static int Errno => Marshal.GetLastPInvokeError();

    private static int Result(int rc) => rc == 0 ? 0 : -Errno;

    // ------------------------------------------------------------------ stat

    /// <summary>lstat through statx; null when the path does not exist (or a parent is not a folder).</summary>
    public static FileStatus? LStat(string path) => StatAt(AtFdCwd, path, out var status) switch
    {
        0 => status,
        -ENOENT or -ENOTDIR => null,
        var e => throw Error("statx", path, -e),
    };

    /// <summary>statx of a name relative to an open folder, not following a final symlink: 0 or -errno.</summary>
    public static int StatAt(int dirFd, string name, out FileStatus status)
    {
        var buffer = stackalloc byte[256];
        if (StatxNative(dirFd, name, AtSymlinkNoFollow, StatxBasicStats | StatxBtime, buffer) != 0)
        {
            status = default;
            return -Errno;
        }

        status = FromStatx(buffer);
        return 0;
    }

    /// <summary>statx of an open file descriptor itself.</summary>
    public static int FStat(int fd, out FileStatus status)
    {
        var buffer = stackalloc byte[256];
        var empty = stackalloc byte[1];
        empty[0] = 0;
        if (StatxBytes(fd, empty, AtEmptyPath | AtSymlinkNoFollow, StatxBasicStats | StatxBtime, buffer) != 0)
        {
            status = default;
            return -Errno;
        }

        status = FromStatx(buffer);
        return 0;
    }

    private static FileStatus FromStatx(byte* b) => new(
        Mode: *(ushort*)(b + 28),
        Uid: *(uint*)(b + 20),
        Gid: *(uint*)(b + 24),
        Size: *(long*)(b + 40),
        Inode: *(ulong*)(b + 32),
        Links: *(uint*)(b + 16),
        BirthSeconds: *(long*)(b + 80),
        BirthNanoseconds: *(uint*)(b + 88),
        CTimeSeconds: *(long*)(b + 96),
        CTimeNanoseconds: *(uint*)(b + 104),
        MTimeSeconds: *(long*)(b + 112),
        MTimeNanoseconds: *(uint*)(b + 120),
        RDevMajor: *(uint*)(b + 128),
        RDevMinor: *(uint*)(b + 132),
        DevMajor: *(uint*)(b + 136),
        DevMinor: *(uint*)(b + 140));

    // ------------------------------------------------------------------ path-based calls (trusted paths only)

    public static void Lchown(string path, uint uid, uint gid)
    {
        if (LchownNative(path, uid, gid) != 0) throw Error("lchown", path, Errno);
    }

    /// <summary>The value of an extended attribute, or null when the file does not have it.</summary>
    public static byte[]? LGetXattr(string path, string name)
    {
        var buffer = stackalloc byte[256];
        var n = LgetxattrNative(path, name, buffer, 256);
        if (n >= 0) return new ReadOnlySpan<byte>(buffer, (int)n).ToArray();
        var errno = Errno;
        if (errno is ENODATA or EOPNOTSUPP) return null;
        if (errno != ERANGE) throw Error("lgetxattr", path, errno);
        var size = LgetxattrNative(path, name, null, 0);
        var big = new byte[size];
        fixed (byte* p = big) n = LgetxattrNative(path, name, p, (nuint)big.Length);
        if (n < 0) throw Error("lgetxattr", path, Errno);
        return big[..(int)n];
    }

    public static void LSetXattr(string path, string name, ReadOnlySpan<byte> value)
    {
        if (TryLSetXattr(path, name, value) is var rc and < 0) throw Error("lsetxattr " + name, path, -rc);
    }

    /// <summary>lsetxattr: 0 or -errno.</summary>
    public static int TryLSetXattr(string path, string name, ReadOnlySpan<byte> value)
    {
        fixed (byte* p = value)
        {
            return Result(LsetxattrNative(path, name, p, (nuint)value.Length, 0));
        }
    }

    /// <summary>setxattr, following links: for <c>/proc/self/fd/N</c> paths, which name the open file itself. 0 or -errno.</summary>
    public static int TrySetXattr(string path, string name, ReadOnlySpan<byte> value)
    {
        fixed (byte* p = value)
        {
            return Result(SetxattrNative(path, name, p, (nuint)value.Length, 0));
        }
    }

    public static void Mknod(string path, uint mode, uint major, uint minor)
    {
        if (MknodAt(AtFdCwd, path, mode, major, minor) is var rc and < 0) throw Error("mknod", path, -rc);
    }

    public static void Link(string existing, string newPath)
    {
        if (LinkNative(existing, newPath) != 0) throw Error("link", newPath, Errno);
    }

    /// <summary>link(2): 0 or -errno, for callers that fall back to a copy.</summary>
    public static int TryLink(string existing, string newPath) => Result(LinkNative(existing, newPath));

    public static int Mount(string? source, string target, string? fstype, ulong flags, string? data) =>
        MountNative(source, target, fstype, flags, data) == 0 ? 0 : Errno;

    public static int Unmount(string target, int flags) =>
        Umount2Native(target, flags) == 0 ? 0 : Errno;

    /// <summary>Sets the modification (and access) time of a path without following a symbolic link.</summary>
    public static void LSetModificationTime(string path, long seconds, long nanoseconds)
    {
        var times = stackalloc long[4] { seconds, nanoseconds, seconds, nanoseconds };
        if (UtimensatNative(AtFdCwd, path, times, AtSymlinkNoFollow) != 0) throw Error("utimensat", path, Errno);
    }

    /// <summary>copy_file_range at explicit offsets, which it moves: the bytes copied (0 at the input's end), or -errno.</summary>
    public static long CopyFileRange(SafeFileHandle input, ref long inputOffset, SafeFileHandle output, ref long outputOffset, long length)
    {
        var n = CopyFileRangeNative(input, ref inputOffset, output, ref outputOffset, (nuint)length, 0);
        return n >= 0 ? n : -Errno;
    }

    // ------------------------------------------------------------------ descriptor-relative calls (untrusted trees)

    /// <summary>openat2 with a resolve mask: the new fd, or -errno (-ENOSYS on kernels before 5.6).</summary>
    public static int Openat2(int dirFd, string path, int flags, ulong resolve)
    {
        var how = stackalloc ulong[3] { (ulong)(uint)flags, 0, resolve };
        var max = System.Text.Encoding.UTF8.GetMaxByteCount(path.Length) + 1;
        Span<byte> bytes = max <= 1024 ? stackalloc byte[max] : new byte[max];
        var n = System.Text.Encoding.UTF8.GetBytes(path, bytes);
        bytes[n] = 0;
        fixed (byte* p = bytes)
        {
            var rc = Syscall4(SysOpenat2, dirFd, p, how, 24);
            return rc >= 0 ? (int)rc : -Errno;
        }
    }

    /// <summary>openat: the new fd, or -errno.</summary>
    public static int Openat(int dirFd, string path, int flags, uint mode = 0)
    {
        var fd = OpenatNative(dirFd, path, flags | OCloExec, mode);
        return fd >= 0 ? fd : -Errno;
    }

    public static void Close(int fd)
    {
        if (fd >= 0) CloseNative(fd);
    }

    public static int MkdirAt(int dirFd, string name, uint mode) => Result(MkdiratNative(dirFd, name, mode));

    /// <summary>mknodat(2) through syscall(2) (see <see cref="SysMknodat"/>): 0 or -errno.</summary>
    public static int MknodAt(int dirFd, string name, uint mode, uint major, uint minor)
    {
        if (SysMknodat < 0) return -ENOSYS;

        // The kernel takes a 32-bit device number: glibc's own mknodat refuses larger ones the same way.
        var dev = MakeDev(major, minor);
        if (dev > uint.MaxValue) return -EOVERFLOW;
        var max = System.Text.Encoding.UTF8.GetMaxByteCount(name.Length) + 1;
        Span<byte> bytes = max <= 1024 ? stackalloc byte[max] : new byte[max];
        var n = System.Text.Encoding.UTF8.GetBytes(name, bytes);
        bytes[n] = 0;
        fixed (byte* p = bytes)
        {
            return SyscallMknodat(SysMknodat, dirFd, p, (nint)mode, (nint)(uint)dev) == 0 ? 0 : -Errno;
        }
    }

    public static int SymlinkAt(string target, int dirFd, string name) => Result(SymlinkatNative(target, dirFd, name));

    /// <summary>linkat without AT_SYMLINK_FOLLOW: a link to a symlink links the symlink itself, never what it points at.</summary>
    public static int LinkAt(int oldDirFd, string oldName, int newDirFd, string newName) => Result(LinkatNative(oldDirFd, oldName, newDirFd, newName, 0));

    public static int UnlinkAt(int dirFd, string name, bool directory) => Result(UnlinkatNative(dirFd, name, directory ? AtRemoveDir : 0));

    public static int FchownAt(int dirFd, string name, uint uid, uint gid) => Result(FchownatNative(dirFd, name, uid, gid, AtSymlinkNoFollow));

    /// <summary>fchmodat follows a final symlink (Linux has no lchmod): callers check the type first.</summary>
    public static int FchmodAt(int dirFd, string name, uint mode) => Result(FchmodatNative(dirFd, name, mode, 0));

    /// <summary>Sets atime and mtime of a name in a folder without following a final symlink: 0 or -errno.</summary>
    public static int UtimensAt(int dirFd, string name, long seconds, long nanoseconds)
    {
        var times = stackalloc long[4] { seconds, nanoseconds, seconds, nanoseconds };
        return Result(UtimensatNative(dirFd, name, times, AtSymlinkNoFollow));
    }

    /// <summary>readlinkat: the target's bytes as UTF-8 text, or null with <paramref name="errno"/> set.</summary>
    public static string? ReadLinkAt(int dirFd, string name, out int errno)
    {
        var size = 256;
        while (true)
        {
            var buffer = new byte[size];
            nint n;
            fixed (byte* p = buffer) n = ReadlinkatNative(dirFd, name, p, (nuint)size);
            if (n < 0)
            {
                errno = Errno;
                return null;
            }

            if (n < size)
            {
                errno = 0;
                return System.Text.Encoding.UTF8.GetString(buffer, 0, (int)n);
            }

            size *= 4;
        }
    }

    /// <summary>A path that names a file through an open folder descriptor, for the BCL and l* calls (the kernel resolves the folder by the descriptor, never by a path that could have changed).</summary>
    public static string FdPath(int dirFd, string name) => name.Length == 0 ? $"/proc/self/fd/{dirFd}" : $"/proc/self/fd/{dirFd}/{name}";

    // ------------------------------------------------------------------ directories

    public static nint OpenDir(byte* name) => OpenDirNative(name);

    /// <summary>readdir: the entry, or 0 at the end (errno then says whether it was an error).</summary>
    public static nint ReadDir(nint dir, out int errno)
    {
        Marshal.SetLastPInvokeError(0);
        var entry = ReadDirNative(dir);
        errno = entry == 0 ? Errno : 0;
        return entry;
    }

    public static void CloseDir(nint dir)
    {
        if (dir != 0) CloseDirNative(dir);
    }

    public static int DirFd(nint dir) => DirFdNative(dir);

    /// <summary>glibc's gnu_dev_makedev, which the kernel's 64-bit dev_t uses on every architecture.</summary>
    public static ulong MakeDev(uint major, uint minor) =>
        ((ulong)(major & 0xfffff000) << 32) | ((ulong)(major & 0xfff) << 8) | ((ulong)(minor & 0xffffff00) << 12) | (minor & 0xff);

    public static string Describe(int errno) => errno switch
    {
        EACCES or EPERM => "permission denied",
        ENOENT => "no such file or directory",
        ENOTDIR => "not a directory",
        _ => Marshal.GetPInvokeErrorMessage(errno),
    };

    public static IOException Error(string call, string path, int errno) =>
        new($"{call} '{path}': {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno})", errno);
}
