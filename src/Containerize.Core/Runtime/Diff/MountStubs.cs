using Containerize.Core.Os;

namespace Containerize.Core.Runtime.Diff;

/// <summary>
/// The empty files and folders runc makes in the rootfs to mount over (/proc, /dev, /sys, /etc/hosts,
/// /etc/resolv.conf, /etc/hostname, every RUN --mount target) and the parent folders it makes for them. They are
/// recorded before the step and taken out of its change list afterwards, as BuildKit does: a mount point the image
/// did not have never reaches a layer, and a parent folder copied up only because of one is left out too.
/// A mount point that existed before stays as it was (runc mounts over it without changing it).
/// </summary>
public sealed class MountStubs
{
    private readonly HashSet<string> _created = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (uint Mode, uint Uid, uint Gid)?> _ancestors = new(StringComparer.Ordinal);

    private MountStubs()
    {
    }

    /// <summary>Paths (relative, resolved through the rootfs's links) that did not exist and will be mount points.</summary>
    public IReadOnlyCollection<string> Created => _created;

    public static MountStubs Record(string rootfs, IEnumerable<string> containerTargets, IdMapping? ids)
    {
        var stubs = new MountStubs();
        foreach (var target in containerTargets)
        {
            var host = InRootPath.Resolve(rootfs, target);
            if (host is null) continue;
            var relative = Path.GetRelativePath(rootfs, host).Replace('\\', '/');
            if (relative == "." || relative.StartsWith("..", StringComparison.Ordinal)) continue;
            if (LibC.LStat(host) is not null) continue;
            stubs._created.Add(relative);
            for (var parent = Parent(relative); parent is not null; parent = Parent(parent))
            {
                if (stubs._ancestors.ContainsKey(parent)) continue;
                stubs._ancestors[parent] = LibC.LStat(Path.Combine(rootfs, parent)) is { } s
                    ? (s.Permissions, ids?.Uid(s.Uid) ?? s.Uid, ids?.Gid(s.Gid) ?? s.Gid)
                    : null;
            }
        }

        return stubs;
    }

    public IReadOnlyList<FileChange> Prune(IReadOnlyList<FileChange> changes)
    {
        if (_created.Count == 0) return changes;
        var list = changes.Where(c => !(_created.Contains(c.Path) && c.Kind == ChangeKind.Added && IsEmpty(c, changes))).ToList();
        foreach (var ancestor in _ancestors.Keys.OrderByDescending(a => a.Count(ch => ch == '/')).ThenBy(a => a, StringComparer.Ordinal))
        {
            var index = list.FindIndex(c => c.Path == ancestor);
            if (index < 0) continue;
            var change = list[index];
            var prefix = ancestor + "/";
            if (change.Type != FileKind.Directory || list.Any(c => c.Path.StartsWith(prefix, StringComparison.Ordinal))) continue;
            var removable = change.Kind == ChangeKind.Added && _ancestors[ancestor] is null ||
                change.Kind == ChangeKind.Modified && !change.Opaque && _ancestors[ancestor] == (change.Mode, change.Uid, change.Gid);
            if (removable) list.RemoveAt(index);
        }

        return list;
    }

    private static bool IsEmpty(FileChange c, IReadOnlyList<FileChange> all) => c.Type switch
    {
        FileKind.File => c.Size == 0,
        FileKind.Directory => !all.Any(x => x.Path.StartsWith(c.Path + "/", StringComparison.Ordinal)),
        _ => false,
    };

    private static string? Parent(string relative)
    {
        var slash = relative.LastIndexOf('/');
        return slash < 0 ? null : relative[..slash];
    }
}
