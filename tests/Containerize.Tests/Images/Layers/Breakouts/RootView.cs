using Containerize.Core.Os;
using Containerize.Core.Images.Layers;

namespace Containerize.Tests.Images.Layers.Breakouts;

/// <summary>
/// The container's view of a path: resolved inside the root as containerd's continuity fs.RootPath does, so that a
/// check never reads the host through a symlink of the image. Symlinks are followed with '..' clamped at the root
/// and absolute targets starting at the root; a relative target is joined to the folder holding the link and
/// cleaned as text (continuity joins it with filepath.Join); a missing component counts as a plain name.
/// </summary>
internal static class RootView
{
    private const int MaxLinks = 255;

    /// <param name="followLast">Follow a symlink in the last component too (stat), or not (lstat).</param>
    public static string Resolve(string root, string path, bool followLast)
    {
        var resolved = new List<string>();
        var pending = new Queue<string>(Split(path));
        var links = 0;
        while (pending.TryDequeue(out var part))
        {
            if (part == ".") continue;
            if (part == "..")
            {
                if (resolved.Count > 0) resolved.RemoveAt(resolved.Count - 1);
                continue;
            }

            var real = Join(root, [.. resolved, part]);
            var follow = pending.Count > 0 || followLast;
            if (!follow || LibC.LStat(real) is not { Type: FileStatus.Symlink })
            {
                resolved.Add(part);
                continue;
            }

            if (++links > MaxLinks) throw new IOException($"more than {MaxLinks} symlinks resolving '{path}' in the root");
            var target = new FileInfo(real).LinkTarget ?? "";
            var next = target.StartsWith('/') ? Split(target) : Clean([.. resolved, .. Split(target)]);
            resolved.Clear();
            pending = new Queue<string>([.. next, .. pending]);
        }

        return Join(root, resolved);
    }

    private static List<string> Split(string path) => [.. path.Split('/', StringSplitOptions.RemoveEmptyEntries)];

    /// <summary>Lexical cleaning, '..' clamped at the root.</summary>
    private static List<string> Clean(IEnumerable<string> parts)
    {
        var result = new List<string>();
        foreach (var p in parts)
        {
            if (p == ".") continue;
            if (p == "..")
            {
                if (result.Count > 0) result.RemoveAt(result.Count - 1);
                continue;
            }

            result.Add(p);
        }

        return result;
    }

    private static string Join(string root, IReadOnlyList<string> parts) => parts.Count == 0 ? root : root + "/" + string.Join('/', parts);
}
