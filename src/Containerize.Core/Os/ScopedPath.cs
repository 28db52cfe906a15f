namespace Containerize.Core.Os;

/// <summary>
/// A path resolved inside a root the way BuildKit resolves paths in a build context, a named context or a stage
/// (containerd/continuity's <c>fs.RootPath</c>, which fsutil's copy, BuildKit's cache keys and its bind mounts use):
/// the path is cleaned lexically with <c>..</c> stopping at the root, then looked up component by component; a symlink
/// is replaced by its target, an absolute target starting again at the root and a relative one joined to the link's
/// folder and cleaned the same way. So a link, whatever it says, never leads outside the root. A component that does
/// not exist is kept as written (the caller then finds nothing there).
/// </summary>
public static class ScopedPath
{
    /// <summary>continuity's limit on links followed for one path; past it (a loop) the path resolves to nothing.</summary>
    public const int MaxLinks = 255;

    /// <summary>
    /// Resolves <paramref name="path"/> (relative to the root; a leading '/' is the root). <paramref name="readLink"/>
    /// gives the target of the symlink at a root-relative path ("a/b"), or null when nothing or no symlink is there.
    /// With <paramref name="followLast"/> false a final symlink is the result itself. Null: more than
    /// <see cref="MaxLinks"/> links (a loop).
    /// </summary>
    public static Resolution? Resolve(string path, Func<string, string?> readLink, bool followLast = true)
    {
        var pending = Clean(path);
        var resolved = new List<string>(pending.Count);
        var links = 0;
        var i = 0;
        while (i < pending.Count)
        {
            var candidate = resolved.Count == 0 ? pending[i] : string.Join('/', resolved) + "/" + pending[i];
            var last = i == pending.Count - 1;
            if ((followLast || !last) && readLink(candidate) is { } target)
            {
                if (++links > MaxLinks) return null;
                // The link's folder is already resolved, so cleaning its target against it lexically stays inside.
                var joined = target.StartsWith('/') ? target : string.Join('/', resolved) + "/" + target;
                var rest = pending.GetRange(i + 1, pending.Count - i - 1);
                pending = Clean(joined);
                pending.AddRange(rest);
                resolved.Clear();
                i = 0;
                continue;
            }

            resolved.Add(pending[i]);
            i++;
        }

        return new Resolution(string.Join('/', resolved), links > 0);
    }

    /// <summary>The same on a folder of this machine: links are read with lstat semantics and never followed by the OS.</summary>
    public static Resolution? ResolveOnDisk(string root, string path, bool followLast = true) =>
        Resolve(path, p => ReadLink(System.IO.Path.Combine(root, p)), followLast);

    /// <summary>The path's components, cleaned as Go's filepath.Join("/", path): no "", ".", and ".." never above the root.</summary>
    public static List<string> Clean(string path)
    {
        var parts = new List<string>();
        foreach (var p in path.Split('/'))
        {
            if (p.Length == 0 || p == ".") continue;
            if (p == "..")
            {
                if (parts.Count > 0) parts.RemoveAt(parts.Count - 1);
                continue;
            }

            parts.Add(p);
        }

        return parts;
    }

    private static string? ReadLink(string fullPath)
    {
        try
        {
            // readlink(2) of the path itself: null for anything that is not a symlink, or not there.
            return new FileInfo(fullPath).LinkTarget;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A file in the middle of the path (ENOTDIR) or an unreadable folder: nothing to follow there.
            return null;
        }
    }

    /// <summary>Where a path leads: '/'-separated and relative to the root ("" for the root itself).</summary>
    /// <param name="Path">The resolved path.</param>
    /// <param name="FollowedLink">Whether a symlink was followed on the way (the path differs from the one written).</param>
    public readonly record struct Resolution(string Path, bool FollowedLink);
}
