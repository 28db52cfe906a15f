using System.Runtime.InteropServices;

namespace Containerize.Core.Images.Layers;

/// <summary>
/// The few libc calls .NET does not expose: lstat with inode and owner (statx, whose layout is the same on every
/// Linux architecture), lchown, link, mknod and utimensat without following symlinks.
/// </summary>
internal static partial class Posix
{
    private const int AtFdCwd = -100;
    private const int AtSymlinkNoFollow = 0x100;
    private const uint StatxBasicStats = 0x7ff;

    public const uint TypeMask = 0xF000;
    public const uint TypeSocket = 0xC000;
    public const uint TypeSymlink = 0xA000;
    public const uint TypeRegular = 0x8000;
    public const uint TypeBlock = 0x6000;
    public const uint TypeDirectory = 0x4000;
    public const uint TypeChar = 0x2000;
    public const uint TypeFifo = 0x1000;

    public readonly record struct FileStatus(uint Mode, uint Uid, uint Gid, uint LinkCount, ulong Inode, ulong Device, long Size, uint RdevMajor, uint RdevMinor)
    {
        public uint Type => Mode & TypeMask;

        public UnixFileMode Permissions => (UnixFileMode)(Mode & 0xFFF);
    }

    /// <summary>lstat: null when nothing is at the path.</summary>
    public static FileStatus? LStat(string path)
    {
        if (statx(AtFdCwd, path, AtSymlinkNoFollow, StatxBasicStats, out var b) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            if (errno is 2 or 20) return null; // ENOENT, ENOTDIR
            throw new IOException($"cannot stat '{path}': {Marshal.GetPInvokeErrorMessage(errno)}");
        }

        return new FileStatus(b.Mode, b.Uid, b.Gid, b.Nlink, b.Ino, ((ulong)b.DevMajor << 32) | b.DevMinor, (long)b.Size, b.RdevMajor, b.RdevMinor);
    }

    public static void LChown(string path, int uid, int gid) => Check(lchown(path, (uint)uid, (uint)gid), "chown", path);

    public static void Link(string existing, string newPath) => Check(link(existing, newPath), "link", newPath);

    public static void MkNod(string path, uint typeAndMode, uint major, uint minor)
    {
        // glibc's gnu_dev_makedev encoding.
        ulong dev = ((ulong)(major & 0xfffff000) << 32) | ((ulong)(major & 0xfff) << 8) | ((ulong)(minor & 0xffffff00) << 12) | (minor & 0xff);
        Check(mknod(path, typeAndMode, dev), "mknod", path);
    }

    /// <summary>Sets the modification (and access) time of a path without following a final symlink.</summary>
    public static void SetTimes(string path, long seconds)
    {
        Span<long> times = [seconds, 0, seconds, 0];
        Check(utimensat(AtFdCwd, path, ref MemoryMarshal.GetReference(times), AtSymlinkNoFollow), "set the time of", path);
    }

    public static bool IsRoot => geteuid() == 0;

    private static void Check(int result, string what, string path)
    {
        if (result != 0) throw new IOException($"cannot {what} '{path}': {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}");
    }

    [StructLayout(LayoutKind.Explicit, Size = 256)]
    private struct StatxBuffer
    {
        [FieldOffset(16)] public uint Nlink;
        [FieldOffset(20)] public uint Uid;
        [FieldOffset(24)] public uint Gid;
        [FieldOffset(28)] public ushort Mode;
        [FieldOffset(32)] public ulong Ino;
        [FieldOffset(40)] public ulong Size;
        [FieldOffset(128)] public uint RdevMajor;
        [FieldOffset(132)] public uint RdevMinor;
        [FieldOffset(136)] public uint DevMajor;
        [FieldOffset(140)] public uint DevMinor;
    }

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int statx(int dirfd, string path, int flags, uint mask, out StatxBuffer buffer);

    [LibraryImport("libc")]
    private static partial uint geteuid();

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int lchown(string path, uint uid, uint gid);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int link(string existing, string newPath);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int mknod(string path, uint mode, ulong dev);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int utimensat(int dirfd, string path, ref long times, int flags);
}
