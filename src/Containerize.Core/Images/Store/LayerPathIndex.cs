using Containerize.Core.Os;
using System.Text;
using Containerize.Core.Images.Layers;
using Containerize.Core.Images.Oci;

namespace Containerize.Core.Images.Store;

/// <summary>
/// What a layer can change, by first path component, so that a partial extraction can skip layers that cannot reach
/// its paths without decompressing them. Kept beside the store's blobs as <c>layer-paths/ALG/HEX</c>, keyed by the
/// layer blob's digest: the content never changes, so neither does the index. It is only a hint: a missing,
/// unreadable or corrupt file reads as null and the layer is read as before.
/// </summary>
/// <param name="Everything">An entry that can change any path (an opaque root, a root that is not a folder): never skip.</param>
/// <param name="Components">First components of every entry path, whiteout (the deleted name) and hardlink target.</param>
/// <param name="Links">Per symlink, its path and the first component it points to lexically ("" for the root or a
/// target that cannot be resolved): writes through the link land there, and a partial extraction that skips the layer
/// must still know the link is there.</param>
internal sealed record LayerPathIndex(bool Everything, IReadOnlySet<string> Components, IReadOnlyList<(string Path, string To)> Links)
{
    private const string Folder = "layer-paths";
    private const string Header = "containerize-layer-paths 1";

    /// <summary>The first component of a normalised path.</summary>
    public static string First(string path) => path.IndexOf('/') is var slash and >= 0 ? path[..slash] : path;

    public static string PathFor(OciLayoutStore store, Digest digest) => Path.Combine(store.Root, Folder, digest.Algorithm, digest.Encoded);

    public static async Task<LayerPathIndex?> TryReadAsync(OciLayoutStore store, Digest digest, CancellationToken cancellationToken)
    {
        string[] lines;
        try
        {
            lines = await File.ReadAllLinesAsync(PathFor(store, digest), Encoding.UTF8, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or DecoderFallbackException)
        {
            return null;
        }

        // The last line proves the file is whole (the write is atomic, but a hand-edited or truncated file is not).
        if (lines.Length < 2 || lines[0] != Header || lines[^1] != "end") return null;
        var everything = false;
        var components = new HashSet<string>(StringComparer.Ordinal);
        var links = new List<(string, string)>();
        foreach (var line in lines.AsSpan(1, lines.Length - 2))
        {
            if (line == "*") everything = true;
            else if (line.StartsWith("c ", StringComparison.Ordinal) && line.Length > 2) components.Add(line[2..]);
            else if (line.StartsWith("l ", StringComparison.Ordinal) && line.IndexOf('\t') is var tab and > 2) links.Add((line[2..tab], line[(tab + 1)..]));
            else return null;
        }

        return new LayerPathIndex(everything, components, links);
    }

    public async Task WriteAsync(OciLayoutStore store, Digest digest, CancellationToken cancellationToken)
    {
        var text = new StringBuilder(Header).Append('\n');
        if (Everything) text.Append("*\n");
        foreach (var c in Components.Order(StringComparer.Ordinal)) text.Append("c ").Append(c).Append('\n');
        foreach (var (from, to) in Links.Distinct().Order()) text.Append("l ").Append(from).Append('\t').Append(to).Append('\n');
        text.Append("end\n");
        await AtomicFile.WriteAsync(PathFor(store, digest), Encoding.UTF8.GetBytes(text.ToString()), AtomicWriteOptions.Durable, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Collects the index from the entries of one full read of a layer.</summary>
    internal sealed class Collector
    {
        private readonly HashSet<string> _components = new(StringComparer.Ordinal);
        private readonly HashSet<(string, string)> _links = [];
        private bool _everything;

        public void Add(LayerEntryInfo info)
        {
            if (info.Path.Length == 0)
            {
                // The root folder's own entry only sets the root's mode and times; anything else there changes every path.
                if (info.Kind != LayerEntryKind.Directory) _everything = true;
                return;
            }

            AddComponent(info.Path);
            if (info.Kind == LayerEntryKind.Hardlink)
            {
                if (LayerPaths.Clamp(info.LinkTarget ?? "") is { Length: > 0 } target) AddComponent(target);
                else _everything = true;
            }

            if (info.Kind == LayerEntryKind.Symlink)
            {
                if (Unwritable(info.Path)) _everything = true;
                else _links.Add((info.Path, LinkDestination(info.Path, info.LinkTarget ?? "")));
            }
        }

        public LayerPathIndex ToIndex() => new(_everything, _components, [.. _links]);

        private void AddComponent(string path)
        {
            var first = First(path);

            // Names that could not be written back one per line make the layer unskippable rather than misread.
            if (Unwritable(first)) _everything = true;
            else _components.Add(first);
        }

        private static bool Unwritable(string path) => path.AsSpan().IndexOfAny('\n', '\r', '\t') >= 0;

        /// <summary>The first component a symlink leads to, resolved lexically ("" when it is the root or unknown).</summary>
        private static string LinkDestination(string path, string target)
        {
            // A '..' after a name is resolved lexically below, but the name may be a symlink, which '..' would climb out
            // of instead: the destination is then unknown.
            var named = false;
            foreach (var part in target.Split('/'))
            {
                if (part == "..")
                {
                    if (named) return "";
                }
                else if (part is not ("" or ".")) named = true;
            }

            var joined = target.StartsWith('/') ? target : LayerPaths.Join(LayerPaths.Parent(path), target);

            // The applier clamps '..' at the root (a container's root is its own parent), so an escape reads as the root.
            var resolved = LayerPaths.Clamp(joined);
            var first = First(resolved);
            return Unwritable(first) ? "" : first;
        }
    }
}
