using Containerize.Core.Os;

namespace Containerize.Core.Runtime.Diff;

/// <summary>
/// The copy strategy's difference: walks the rootfs after the step and compares it with the snapshot taken before,
/// giving the same change list the overlay's upper folder gives. A folder is in the list when its own metadata or
/// anything beneath it changed (overlayfs copies it up in both cases); a folder that was removed and made again
/// (another inode) or that replaces a file is opaque, as overlayfs makes it.
/// </summary>
public static class SnapshotDiff
{
    public static async Task<IReadOnlyList<FileChange>> ComputeAsync(FilesystemSnapshot before, string root, IdMapping? ids,
        CancellationToken cancellationToken)
    {
        var builder = new ChangeBuilder(ids);
        await WalkAsync(before, root, "", replaced: false, builder, cancellationToken).ConfigureAwait(false);
        return builder.Changes;
    }

    /// <returns>Whether anything at or below this folder changed.</returns>
    private static async Task<bool> WalkAsync(FilesystemSnapshot before, string hostDir, string relativeDir, bool replaced,
        ChangeBuilder builder, CancellationToken cancellationToken)
    {
        var changed = false;
        var names = ChangeBuilder.SortedChildren(hostDir).ToList();
        var present = new HashSet<string>(names, StringComparer.Ordinal);
        var deleted = replaced ? [] : before.ChildrenOf(relativeDir).Where(n => !present.Contains(n)).ToList();

        // Whiteouts and entries interleave by name, as the upper folder lists them.
        foreach (var name in names.Concat(deleted).Order(StringComparer.Ordinal))
        {
            cancellationToken.ThrowIfCancellationRequested();
            var relative = ChangeBuilder.Join(relativeDir, name);
            if (!present.Contains(name))
            {
                builder.Deleted(relative);
                changed = true;
                continue;
            }

            var host = Path.Combine(hostDir, name);
            if (LibC.LStat(host) is not { } s) continue;
            var had = !replaced && before.TryGet(relative, out var old);
            if (!had)
            {
                AddTree(builder, host, relative, s, ChangeKind.Added);
                changed = true;
                continue;
            }

            before.TryGet(relative, out old);
            var o = old.Status;
            var sameObject = o.Type == s.Type && o.Inode == s.Inode && o.BirthSeconds == s.BirthSeconds && o.BirthNanoseconds == s.BirthNanoseconds;
            if (s.IsDirectory)
            {
                if (!sameObject)
                {
                    // Removed and made again, or a file replaced by a folder: nothing of the old one shows through.
                    builder.Add(relative, host, s, ChangeKind.Modified, opaque: true);
                    await WalkAsync(before, host, relative, replaced: true, builder, cancellationToken).ConfigureAwait(false);
                    changed = true;
                    continue;
                }

                var index = builder.Changes.Count;
                var metadataChanged = o.Permissions != s.Permissions || o.Uid != s.Uid || o.Gid != s.Gid ||
                    o.MTimeSeconds != s.MTimeSeconds || o.MTimeNanoseconds != s.MTimeNanoseconds;
                var below = await WalkAsync(before, host, relative, replaced: false, builder, cancellationToken).ConfigureAwait(false);
                if (metadataChanged || below)
                {
                    // The folder's entry goes before its children's.
                    builder.Add(relative, host, s, ChangeKind.Modified);
                    var entry = builder.Changes[^1];
                    builder.Changes.RemoveAt(builder.Changes.Count - 1);
                    builder.Changes.Insert(index, entry);
                    changed = true;
                }

                continue;
            }

            var differs = !sameObject || o.Permissions != s.Permissions || o.Uid != s.Uid || o.Gid != s.Gid || o.Size != s.Size ||
                o.MTimeSeconds != s.MTimeSeconds || o.MTimeNanoseconds != s.MTimeNanoseconds || o.Links != s.Links ||
                o.RDevMajor != s.RDevMajor || o.RDevMinor != s.RDevMinor ||
                (s.IsSymlink && old.LinkTarget != new FileInfo(host).LinkTarget);
            if (!differs && s.IsRegular && old.Hash is { } hash)
            {
                var now = await FilesystemSnapshot.HashAsync(host, cancellationToken).ConfigureAwait(false);
                differs = !hash.SequenceEqual(now);
            }
            if (differs)
            {
                builder.Add(relative, host, s, ChangeKind.Modified);
                changed = true;
            }
        }

        return changed;
    }

    private static void AddTree(ChangeBuilder builder, string host, string relative, FileStatus s, ChangeKind kind)
    {
        builder.Add(relative, host, s, kind);
        if (!s.IsDirectory) return;
        foreach (var name in ChangeBuilder.SortedChildren(host))
        {
            var childHost = Path.Combine(host, name);
            if (LibC.LStat(childHost) is { } cs) AddTree(builder, childHost, ChangeBuilder.Join(relative, name), cs, kind);
        }
    }
}
