using System.Text;

namespace Containerize.Core.Os;

/// <summary>
/// Reads a folder's entries with their types from <c>d_type</c>, so that a walk needs no stat per file, and keeps
/// the exact byte names: names that are not valid UTF-8 cannot be represented in .NET and are reported apart.
/// </summary>
internal static unsafe class DirectoryReader
{
    private static readonly UTF8Encoding StrictUtf8 = new(false, true);

    /// <summary>
    /// Appends a folder's entries (without "." and "..") to <paramref name="entries"/>: 0, or the errno. With
    /// <paramref name="keepOpen"/> the folder stays open on success (<paramref name="open"/>, for
    /// <see cref="DirectoryFd"/> and <see cref="LibC.StatAt(int, string, out FileStatus)"/>) until <see cref="CloseDirectory"/>.
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public static int Read(string path, List<(string Name, EntryType Type)> entries, List<string>? badNames, bool keepOpen, out nint open)
    {
        open = 0;
        nint dir;
        fixed (byte* p = NullTerminated(path))
        {
            dir = LibC.OpenDir(p);
        }

        if (dir == 0) return System.Runtime.InteropServices.Marshal.GetLastPInvokeError();
        try
        {
            while (true)
            {
                var ent = LibC.ReadDir(dir, out var errno);
                if (ent == 0)
                {
                    if (keepOpen && errno == 0)
                    {
                        open = dir;
                        dir = 0;
                    }

                    return errno;
                }

                // struct dirent on LP64 glibc and musl alike: d_ino u64, d_off i64, d_reclen u16, d_type u8, d_name[].
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
            if (dir != 0) LibC.CloseDir(dir);
        }
    }

    public static void CloseDirectory(nint dir) => LibC.CloseDir(dir);

    public static int DirectoryFd(nint dir) => LibC.DirFd(dir);

    private static byte[] NullTerminated(string s)
    {
        var bytes = new byte[Encoding.UTF8.GetByteCount(s) + 1];
        Encoding.UTF8.GetBytes(s, bytes);
        return bytes;
    }
}
