using Containerize.Core.Images.Layers;

namespace Containerize.Core.Building.Steps;

/// <summary>
/// The folders a COPY --from can read, so that only they (and the folders above them) are extracted from the source
/// image instead of its whole rootfs: an SDK image is ~800 MB for a publish folder of a few. Each source is bounded by
/// its path up to the first wildcard component; a source that cannot be bounded (the root, a leading wildcard, an
/// escape) means no scope, i.e. a full extraction.
/// </summary>
internal sealed class SourceScope
{
    private readonly string[] _prefixes;

    private SourceScope(string[] prefixes) => _prefixes = prefixes;

    /// <summary>Identifies the scope in the build's extraction cache.</summary>
    public string Key => string.Join('\n', _prefixes);

    public static SourceScope? For(IEnumerable<string> sources, string file, int line)
    {
        var prefixes = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var source in sources)
        {
            var parts = SourceTree.Normalize(source, file, line).Split('/', StringSplitOptions.RemoveEmptyEntries);
            // A backslash escapes a wildcard character: the literal name is then not the path as written.
            var bounded = parts.TakeWhile(p => !SourceTree.HasWildcard(p) && !p.Contains('\\')).ToArray();
            if (bounded.Length == 0) return null;
            prefixes.Add(string.Join('/', bounded));
        }

        // A prefix under another one adds nothing.
        var kept = prefixes.Where(p => !prefixes.Any(q => p.StartsWith(q + "/", StringComparison.Ordinal))).ToArray();
        return kept.Length == 0 ? null : new SourceScope(kept);
    }

    /// <summary>The first components of the prefixes: a layer that touches none of them (nor links to them) cannot matter.</summary>
    public IEnumerable<string> FirstComponents => _prefixes.Select(Images.Store.LayerPathIndex.First).Distinct(StringComparer.Ordinal);

    /// <summary>A fresh filter for one extraction (it records what makes the extraction unsafe).</summary>
    public Filter NewFilter() => new(_prefixes);

    /// <summary>
    /// Keeps the entries at or under a prefix and those above one (so whiteouts, opaque folders and folder modes on
    /// the way behave as in a full extraction). It flags <see cref="Unsafe"/> whenever the partial tree could differ
    /// from the full one under the prefixes: a folder above a prefix, or the prefix itself, is (or was) not a plain
    /// folder; a hardlink joins a path inside with one outside (the inode's first name decides how it is read
    /// back); or any entry is reached through a symlink (the applier follows it, perhaps into or out of the scope).
    /// Layers written by image builders name real paths, so the fallback is rare.
    /// </summary>
    internal sealed class Filter(string[] prefixes)
    {
        private readonly HashSet<string> _links = new(StringComparer.Ordinal);

        public bool Unsafe { get; private set; }

        /// <summary>Learns the symlinks of a layer that was skipped, so later entries through them still make the extraction unsafe.</summary>
        public void AddLinks(Images.Store.LayerPathIndex index)
        {
            foreach (var (path, _) in index.Links) _links.Add(path);
        }

        public bool Include(LayerEntryInfo info)
        {
            var path = info.Path;
            var inside = Inside(path);
            var above = !inside && (path.Length == 0 || prefixes.Any(p => p.StartsWith(path + "/", StringComparison.Ordinal)));
            if (ThroughLink(path)) Unsafe = true;
            if (info.Kind == LayerEntryKind.Symlink) _links.Add(path);
            if (info.Kind == LayerEntryKind.Hardlink)
            {
                var target = LayerPaths.Clamp(info.LinkTarget ?? "");
                if (Inside(target) != inside || ThroughLink(target)) Unsafe = true;
            }

            if (!inside && !above) return false;
            if (above && info.Kind is not (LayerEntryKind.Directory or LayerEntryKind.Whiteout or LayerEntryKind.OpaqueWhiteout)) Unsafe = true;
            if (info.Kind == LayerEntryKind.Symlink && prefixes.Contains(path, StringComparer.Ordinal)) Unsafe = true;
            return true;
        }

        private bool Inside(string path) =>
            prefixes.Any(p => path == p || (path.Length > p.Length && path[p.Length] == '/' && path.StartsWith(p, StringComparison.Ordinal)));

        private bool ThroughLink(string path)
        {
            if (_links.Count == 0) return false;
            var lookup = _links.GetAlternateLookup<ReadOnlySpan<char>>();
            for (var slash = path.LastIndexOf('/'); slash > 0; slash = path.LastIndexOf('/', slash - 1))
            {
                if (lookup.Contains(path.AsSpan(0, slash))) return true;
            }

            return false;
        }
    }
}
