using System.Text;
using System.Text.RegularExpressions;
using Containerize.Core.Context;
using Containerize.Core.Os;
using Containerize.Core.Diagnostics;
using Containerize.Core.Images.Layers;

namespace Containerize.Core.Building.Steps;

/// <summary>
/// Where COPY reads from: the context snapshot (only what .dockerignore keeps) or another stage's extracted rootfs.
/// Entries are keyed by their '/'-separated path relative to the root.
/// </summary>
internal sealed class SourceTree
{
    private readonly List<LayerEntry> _entries;
    private readonly Dictionary<string, LayerEntry> _byPath;

    private SourceTree(List<LayerEntry> entries)
    {
        _entries = entries;
        _byPath = entries.ToDictionary(e => e.Path, StringComparer.Ordinal);
    }

    public static SourceTree FromSnapshot(ContextSnapshot snapshot)
    {
        var entries = new List<LayerEntry>();
        foreach (var e in snapshot.Entries)
        {
            var mode = (UnixFileMode)e.Permissions;
            LayerEntry? entry = e.Type switch
            {
                EntryType.File => LayerEntry.FromFile(e.Path, e.FullPath, mode),
                EntryType.Directory => LayerEntry.Directory(e.Path, mode),
                EntryType.Symlink => LayerEntry.Symlink(e.Path, e.LinkTarget ?? ""),
                _ => null, // devices, fifos and sockets in a context are not copied
            };
            if (entry is not null) entries.Add(entry);
        }

        return new SourceTree(entries);
    }

    /// <summary>Another stage's or image's rootfs, with the owners lstat gives (COPY --from keeps them, as BuildKit).</summary>
    public static SourceTree FromFolder(string folder)
    {
        var root = Path.GetFullPath(folder);
        return new(LayerSource.FromDirectory(root).Select(e =>
            Os.LibC.LStat(Path.Combine(root, e.Path.TrimStart('/'))) is { } st ? e with { Uid = (int)st.Uid, Gid = (int)st.Gid } : e).ToList());
    }

    /// <summary>
    /// The entry a symlink leads to inside this tree (links followed up to 40 times; an absolute target or one
    /// climbing above the root starts again at the root), or null when the entry is no symlink or leads nowhere.
    /// </summary>
    public LayerEntry? Resolve(LayerEntry entry)
    {
        var current = entry;
        for (var hops = 0; hops < 40 && current.Kind == LayerEntryKind.Symlink; hops++)
        {
            var target = current.LinkTarget ?? "";
            var slash = current.Path.LastIndexOf('/');
            var start = target.StartsWith('/') || slash < 0 ? "" : current.Path[..slash];
            var parts = start.Length == 0 ? new List<string>() : [.. start.Split('/')];
            foreach (var p in target.Split('/', StringSplitOptions.RemoveEmptyEntries))
            {
                if (p == ".") continue;
                if (p == "..") { if (parts.Count > 0) parts.RemoveAt(parts.Count - 1); continue; }
                parts.Add(p);
            }

            if (!_byPath.TryGetValue(string.Join('/', parts), out var next)) return null;
            current = next;
        }

        return current.Kind == LayerEntryKind.Symlink || ReferenceEquals(current, entry) ? null : current;
    }

    /// <summary>The entries a source names: one path, or every path a wildcard matches (Go's filepath.Match, per component).</summary>
    public IReadOnlyList<LayerEntry> Match(string source, string what, string file, int line)
    {
        var path = Normalize(source, file, line);
        if (path.Length == 0) return [LayerEntry.Directory("", null)];
        if (!HasWildcard(path))
        {
            return _byPath.TryGetValue(path, out var e) ? [e] : throw NotFound(source, what, file, line);
        }

        var regex = new Regex("^" + ToRegex(path) + "$", RegexOptions.CultureInvariant);
        var matched = _entries.Where(e => regex.IsMatch(e.Path)).ToList();
        return matched.Count > 0 ? matched : throw NotFound(source, what, file, line);
    }

    /// <summary>Everything under a folder (not the folder itself), in walk order.</summary>
    public IEnumerable<LayerEntry> Under(string folder) => folder.Length == 0
        ? _entries
        : _entries.Where(e => e.Path.StartsWith(folder + "/", StringComparison.Ordinal));

    public static bool HasWildcard(string path) => path.IndexOfAny(['*', '?', '[']) >= 0;

    public static string Normalize(string source, string file, int line)
    {
        var parts = new List<string>();
        foreach (var p in source.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            if (p == ".") continue;
            if (p == "..")
            {
                if (parts.Count == 0)
                {
                    throw new ContainerizeException(EngineErrors.SourceOutsideContext, $"COPY source '{source}' leaves the build context", file, line,
                        "sources are relative to the context root and cannot climb above it");
                }

                parts.RemoveAt(parts.Count - 1);
                continue;
            }

            parts.Add(p);
        }

        return string.Join('/', parts);
    }

    private static ContainerizeException NotFound(string source, string what, string file, int line) =>
        new(EngineErrors.SourceNotFound, $"COPY/ADD failed: '{source}' not found in {what}", file, line,
            "check the path (relative to the context root) and that .dockerignore does not exclude it");

    private static string ToRegex(string pattern)
    {
        var sb = new StringBuilder();
        for (var i = 0; i < pattern.Length; i++)
        {
            var c = pattern[i];
            switch (c)
            {
                case '*': sb.Append("[^/]*"); break;
                case '?': sb.Append("[^/]"); break;
                case '[':
                    var end = pattern.IndexOf(']', i + 1);
                    if (end < 0) { sb.Append(@"\["); break; }
                    var body = pattern[(i + 1)..end];
                    if (body.StartsWith('^')) body = "^" + Regex.Escape(body[1..]).Replace(@"\-", "-", StringComparison.Ordinal);
                    else body = Regex.Escape(body).Replace(@"\-", "-", StringComparison.Ordinal);
                    sb.Append('[').Append(body).Append(']');
                    i = end;
                    break;
                case '\\' when i + 1 < pattern.Length:
                    sb.Append(Regex.Escape(pattern[++i].ToString()));
                    break;
                default: sb.Append(Regex.Escape(c.ToString())); break;
            }
        }

        return sb.ToString();
    }
}
