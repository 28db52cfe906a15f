using System.Runtime.InteropServices;
using System.Text;
using Tmds.Linux;

namespace Containerize.Core.Context.Native;

/// <summary>The type a directory entry has, from <c>d_type</c> or <c>st_mode</c>.</summary>
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

/// <summary>What <c>lstat</c> tells about an entry, the parts a context snapshot keeps.</summary>
public readonly record struct PosixStat(
    EntryType Type, uint Mode, uint Uid, uint Gid, long Size, long MTimeSeconds, long MTimeNanoseconds, ulong Inode, ulong Device, long CTimeNanos);

/// <summary>
/// The one place the build context talks to libc: directory reading with entry types (so a walk needs no stat per
/// file), and lstat for what the BCL does not give (inode, uid/gid, device files). Everything else is the BCL.
/// </summary>
internal static unsafe partial class Posix
{
    private const string Libc = "libc.so.6";

    [LibraryImport(Libc, EntryPoint = "opendir", SetLastError = true)]
    private static partial nint OpenDir(byte* name);

    [LibraryImport(Libc, EntryPoint = "readdir64", SetLastError = true)]
    private static partial nint ReadDir(nint dir);

    [LibraryImport(Libc, EntryPoint = "closedir")]
    private static partial int CloseDir(nint dir);

    [LibraryImport(Libc, EntryPoint = "dirfd")]
    private static partial int DirFd(nint dir);

    [LibraryImport(Libc, EntryPoint = "fstatat64", SetLastError = true)]
    private static partial int FStatAt(int dirFd, byte* name, stat* result, int flags);

    private const int AtSymlinkNoFollow = 0x100;

    private static readonly UTF8Encoding StrictUtf8 = new(false, true);

    /// <summary>
    /// Reads a directory's entries (without "." and ".."). Names that are not valid UTF-8 cannot be represented
    /// exactly in .NET; they are returned in <paramref name="badNames"/> and left out.
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public static int ReadDirectory(string path, List<(string Name, EntryType Type)> entries, List<string>? badNames) =>
        ReadDirectory(path, entries, badNames, keepOpen: false, out _);

    /// <summary>
    /// <see cref="ReadDirectory(string, List{ValueTuple{string, EntryType}}, List{string}?)"/>; with
    /// <paramref name="keepOpen"/> the directory stays open on success (<paramref name="open"/>, for
    /// <see cref="DirectoryFd"/> and <see cref="StatAt"/>) until <see cref="CloseDirectory"/>.
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public static int ReadDirectory(string path, List<(string Name, EntryType Type)> entries, List<string>? badNames, bool keepOpen, out nint open)
    {
        open = 0;
        nint dir;
        fixed (byte* p = NullTerminated(path))
        {
            dir = OpenDir(p);
        }

        if (dir == 0) return Marshal.GetLastPInvokeError();
        try
        {
            while (true)
            {
                var ent = ReadDir(dir);
                if (ent == 0)
                {
                    var errno = Marshal.GetLastPInvokeError();
                    if (keepOpen && errno == 0)
                    {
                        open = dir;
                        dir = 0;
                    }

                    return errno;
                }

                // struct dirent64 (glibc, LP64): d_ino u64, d_off i64, d_reclen u16, d_type u8, d_name[].
                var type = *(byte*)(ent + 18);
                var name = (byte*)(ent + 19);
                var len = 0;
                while (name[len] != 0) len++;
                if (len == 1 && name[0] == '.') continue;
                if (len == 2 && name[0] == '.' && name[1] == '.') continue;
                string text;
                try
                {
                    text = StrictUtf8.GetString(name, len);
                }
                catch (DecoderFallbackException)
                {
                    badNames?.Add(Encoding.UTF8.GetString(name, len));
                    continue;
                }

                entries.Add((text, type switch
                {
                    1 => EntryType.Fifo,
                    2 => EntryType.CharDevice,
                    4 => EntryType.Directory,
                    6 => EntryType.BlockDevice,
                    8 => EntryType.File,
                    10 => EntryType.Symlink,
                    12 => EntryType.Socket,
                    _ => EntryType.Unknown,
                }));
            }
        }
        finally
        {
            if (dir != 0) CloseDir(dir);
        }
    }

    public static void CloseDirectory(nint dir)
    {
        if (dir != 0) CloseDir(dir);
    }

    public static int DirectoryFd(nint dir) => DirFd(dir);

    /// <summary>
    /// lstat of a name inside an open directory (fstatat, no symlink following): the kernel resolves one component
    /// instead of the whole path. 0 and the result, or the errno.
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public static int StatAt(int dirFd, string name, out PosixStat result)
    {
        stat st;
        int rc;
        var max = Encoding.UTF8.GetMaxByteCount(name.Length) + 1;
        Span<byte> buffer = max <= 1024 ? stackalloc byte[max] : new byte[max];
        var n = Encoding.UTF8.GetBytes(name, buffer);
        buffer[n] = 0;
        fixed (byte* p = buffer)
        {
            rc = FStatAt(dirFd, p, &st, AtSymlinkNoFollow);
        }

        if (rc != 0)
        {
            result = default;
            return Marshal.GetLastPInvokeError();
        }

        result = Convert(st);
        return 0;
    }

    /// <summary>lstat: 0 and the result, or the errno.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public static int LStat(string path, out PosixStat result)
    {
        stat st;
        int rc;
        var max = Encoding.UTF8.GetMaxByteCount(path.Length) + 1;
        Span<byte> buffer = max <= 1024 ? stackalloc byte[max] : new byte[max];
        var n = Encoding.UTF8.GetBytes(path, buffer);
        buffer[n] = 0;
        fixed (byte* p = buffer)
        {
            rc = LibC.lstat(p, &st);
        }

        if (rc != 0)
        {
            result = default;
            return LibC.errno;
        }

        result = Convert(st);
        return 0;
    }

    private static PosixStat Convert(in stat st)
    {
        var mode = (uint)st.st_mode;
        var fmt = mode & 0xF000;
        var type = fmt switch
        {
            0x8000 => EntryType.File,
            0x4000 => EntryType.Directory,
            0xA000 => EntryType.Symlink,
            0x1000 => EntryType.Fifo,
            0xC000 => EntryType.Socket,
            0x2000 => EntryType.CharDevice,
            0x6000 => EntryType.BlockDevice,
            _ => EntryType.Unknown,
        };
        return new PosixStat(type, mode, (uint)st.st_uid, (uint)st.st_gid, (long)st.st_size,
            (long)st.st_mtim.tv_sec, (long)st.st_mtim.tv_nsec, (ulong)st.st_ino, (ulong)st.st_dev,
            (long)st.st_ctim.tv_sec * 1_000_000_000 + (long)st.st_ctim.tv_nsec);
    }

    public const int EACCES = 13;
    public const int ENOENT = 2;
    public const int ENOTDIR = 20;
    public const int EPERM = 1;

    public static string Describe(int errno) => errno switch
    {
        EACCES or EPERM => "permission denied",
        ENOENT => "no such file or directory",
        ENOTDIR => "not a directory",
        _ => Marshal.GetPInvokeErrorMessage(errno),
    };

    private static byte[] NullTerminated(string s)
    {
        var bytes = new byte[Encoding.UTF8.GetByteCount(s) + 1];
        Encoding.UTF8.GetBytes(s, bytes);
        return bytes;
    }
}
