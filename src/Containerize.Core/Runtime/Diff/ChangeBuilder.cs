using Containerize.Core.Os;

namespace Containerize.Core.Runtime.Diff;

/// <summary>
/// Maps host ids back to container ids for a rootless run: the caller's ids are the container's root, any other id
/// is unmapped and shows as the overflow id 65534, as the kernel shows it in the user namespace.
/// </summary>
public sealed record IdMapping(uint HostUid, uint HostGid)
{
    public const uint Overflow = 65534;

    public uint Uid(uint host) => host == HostUid ? 0 : Overflow;

    public uint Gid(uint host) => host == HostGid ? 0 : Overflow;
}

/// <summary>Builds <see cref="FileChange"/>s from lstat results; the second name of a hard-linked file becomes a Hardlink.</summary>
internal sealed class ChangeBuilder(IdMapping? ids)
{
    private readonly Dictionary<(uint, uint, ulong), string> _firstNames = [];

    public List<FileChange> Changes { get; } = [];

    public void Add(string relative, string host, FileStatus s, ChangeKind kind, bool opaque = false)
    {
        var uid = ids?.Uid(s.Uid) ?? s.Uid;
        var gid = ids?.Gid(s.Gid) ?? s.Gid;
        var time = DateTimeOffset.FromUnixTimeSeconds(s.MTimeSeconds).AddTicks(s.MTimeNanoseconds / 100);
        if (!s.IsDirectory && s.Links > 1)
        {
            var key = (s.DevMajor, s.DevMinor, s.Inode);
            if (_firstNames.TryGetValue(key, out var first))
            {
                Changes.Add(new FileChange(relative, kind, FileKind.Hardlink, s.Permissions, uid, gid, 0, time, first, host));
                return;
            }

            _firstNames[key] = relative;
        }

        var type = s.Type switch
        {
            FileStatus.Directory => FileKind.Directory,
            FileStatus.Symlink => FileKind.Symlink,
            FileStatus.CharDevice => FileKind.CharDevice,
            FileStatus.BlockDevice => FileKind.BlockDevice,
            FileStatus.Fifo => FileKind.Fifo,
            FileStatus.Regular => FileKind.File,
            _ => (FileKind?)null,
        };
        if (type is null) return; // sockets do not go into layers
        Changes.Add(new FileChange(relative, kind, type.Value, s.Permissions, uid, gid, type == FileKind.File ? s.Size : 0, time,
            type == FileKind.Symlink ? new FileInfo(host).LinkTarget : null, host, opaque,
            s.RDevMajor, s.RDevMinor));
    }

    public void Deleted(string relative) =>
        Changes.Add(new FileChange(relative, ChangeKind.Deleted, FileKind.File, 0, 0, 0, 0, DateTimeOffset.UnixEpoch));

    public static string Join(string dir, string name) => dir.Length == 0 ? name : dir + "/" + name;

    public static IEnumerable<string> SortedChildren(string hostDir) =>
        Directory.EnumerateFileSystemEntries(hostDir).Select(Path.GetFileName).Order(StringComparer.Ordinal)!;
}
