using Containerize.Core.Diagnostics;

namespace Containerize.Core.Images.Layers;

/// <summary>Path rules shared by the writer, reader and applier.</summary>
public static class LayerPaths
{
    public const string WhiteoutPrefix = ".wh.";
    public const string OpaqueMarker = ".wh..wh..opq";

    /// <summary>
    /// The clean relative form of a path inside a layer: '/'-separated, no leading '/' or './', no '.' or empty
    /// components, '..' resolved lexically. Returns null when '..' climbs above the root.
    /// </summary>
    public static string? TryNormalize(string path)
    {
        var parts = new List<string>();
        foreach (var part in path.Split('/'))
        {
            if (part is "" or ".") continue;
            if (part == "..")
            {
                if (parts.Count == 0) return null;
                parts.RemoveAt(parts.Count - 1);
                continue;
            }

            parts.Add(part);
        }

        return string.Join('/', parts);
    }

    /// <summary>
    /// The clean relative form of a path read from a layer, as containerd cleans an entry's name: '..' above the
    /// root stays at the root (a chroot's "/.." is "/"), so every name lands inside it. "" is the root itself.
    /// </summary>
    public static string Clamp(string path) => string.Join('/', Os.ScopedPath.Clean(path));

    public static string Normalize(string path, string what = "entry") =>
        TryNormalize(path) ?? throw new ContainerizeException(LayerErrors.PathEscapesRoot, $"{what} '{path}' climbs above the root of the layer",
            hint: "a layer's paths must stay under its root; the layer is malformed or malicious");

    public static string Parent(string path)
    {
        var slash = path.LastIndexOf('/');
        return slash < 0 ? "" : path[..slash];
    }

    public static string Name(string path) => path[(path.LastIndexOf('/') + 1)..];

    public static string Join(string parent, string name) => parent.Length == 0 ? name : parent + "/" + name;

    /// <summary>
    /// The order of a depth-first walk with each folder's children sorted by name: a folder, then its contents,
    /// then its next sibling ("a", "a/b", "a-b"). Ordinal, with '/' below every other character.
    /// </summary>
    public static readonly IComparer<string> TreeOrder = Comparer<string>.Create(static (x, y) =>
    {
        var n = Math.Min(x.Length, y.Length);
        for (var i = 0; i < n; i++)
        {
            var a = x[i];
            var b = y[i];
            if (a == b) continue;
            if (a == '/') return -1;
            if (b == '/') return 1;
            return a < b ? -1 : 1;
        }

        return x.Length.CompareTo(y.Length);
    });
}
