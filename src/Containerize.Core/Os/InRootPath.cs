namespace Containerize.Core.Os;

/// <summary>Paths inside a rootfs folder, resolving symbolic links as the container would (never escaping it).</summary>
internal static class InRootPath
{
    /// <summary>
    /// The host path of a container path, following symbolic links within the rootfs (an absolute link target is
    /// relative to the rootfs). The last component is followed too. Null when a loop or too many links is found.
    /// </summary>
    public static string? Resolve(string rootfs, string containerPath, bool followLast = true)
    {
        var parts = new List<string>();
        var pending = new Stack<string>(Split(containerPath).Reverse());
        var links = 0;
        while (pending.Count > 0)
        {
            var part = pending.Pop();
            if (part == ".") continue;
            if (part == "..")
            {
                if (parts.Count > 0) parts.RemoveAt(parts.Count - 1);
                continue;
            }

            var host = Path.Combine(rootfs, string.Join('/', parts), part);
            var isLast = pending.Count == 0;
            var status = LibC.LStat(host);
            if (status is { IsSymlink: true })
            {
                var target = new FileInfo(host).LinkTarget;
                if (target is not null && (followLast || !isLast))
                {
                    if (++links > 40) return null;
                    if (target.StartsWith('/')) parts.Clear();
                    foreach (var p in Split(target).Reverse()) pending.Push(p);
                    continue;
                }
            }

            parts.Add(part);
        }

        return Path.Combine(rootfs, string.Join('/', parts));
    }

    /// <summary>A normalised relative path ("etc/hosts") of an absolute container path; null for "/".</summary>
    public static string Relative(string containerPath)
    {
        var parts = new List<string>();
        foreach (var p in Split(containerPath))
        {
            if (p == ".") continue;
            if (p == "..")
            {
                if (parts.Count > 0) parts.RemoveAt(parts.Count - 1);
                continue;
            }

            parts.Add(p);
        }

        return string.Join('/', parts);
    }

    private static string[] Split(string path) => path.Split('/', StringSplitOptions.RemoveEmptyEntries);
}
