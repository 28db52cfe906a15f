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
            HostFileSystem.Current.LStat(Path.Combine(root, e.Path.TrimStart('/')), out var st) == 0 ? e with { Uid = (int)st.Uid, Gid = (int)st.Gid } : e).ToList());
    }

    /// <summary>
    /// The sources a COPY names, as fsutil's copy finds them: a path, or every path a wildcard matches (Go's
    /// filepath.Match, per component). Symlinks are followed inside this tree (<see cref="ScopedPath"/>), never on this
    /// machine: in the path's folders, in the folders before a wildcard, and a source that is itself a link; links
    /// below a wildcard are not walked through, and links inside a copied folder stay links.
    /// </summary>
    public IReadOnlyList<SourceMatch> Match(string source, string what, string file, int line)
    {
        var path = Normalize(source, file, line);
        var parts = path.Length == 0 ? [] : path.Split('/');
        var literal = parts.TakeWhile(p => !HasWildcard(p)).Count();
        if (literal == parts.Length) return [Follow(path, source, what, file, line)];

        // The folder before the first wildcard, links and all; the matches are found under where it leads.
        var prefix = ResolveOrThrow(string.Join('/', parts[..literal]), source, what, file, line);
        var folder = prefix.Path;
        if (folder.Length > 0 && !(_byPath.TryGetValue(folder, out var f) && f.Kind == LayerEntryKind.Directory))
        {
            throw prefix.FollowedLink ? Unresolved(source, folder, what, file, line) : NotFound(source, what, file, line);
        }

        var regex = new Regex("^" + ToRegex(string.Join('/', parts[literal..])) + "$", RegexOptions.CultureInvariant);
        var skip = folder.Length == 0 ? 0 : folder.Length + 1;
        var matched = Under(folder).Where(e => regex.IsMatch(e.Path[skip..])).ToList();
        if (matched.Count == 0) throw NotFound(source, what, file, line);
        return matched.Select(e =>
        {
            var m = Follow(e.Path, source, what, file, line);
            return m with { FollowedLink = m.FollowedLink || prefix.FollowedLink };
        }).ToList();
    }

    /// <summary>
    /// Whether any of these sources reads through a symlink here, or through one that leads nowhere here: a partial
    /// tree (<see cref="SourceScope"/>) cannot answer those, the whole image can.
    /// </summary>
    public bool FollowsLinks(IEnumerable<string> sources, string what, string file, int line)
    {
        try
        {
            return sources.SelectMany(s => Match(s, what, file, line)).Any(m => m.FollowedLink);
        }
        catch (ContainerizeException e) when (e.Code == BuildErrors.SourceLinkUnresolved)
        {
            return true;
        }
    }

    /// <summary>One path, its final component followed too (BuildKit copies what a source link names).</summary>
    private SourceMatch Follow(string path, string source, string what, string file, int line)
    {
        var r = ResolveOrThrow(path, source, what, file, line);
        if (r.Path.Length == 0) return new SourceMatch(path, LayerEntry.Directory("", null), r.FollowedLink);
        if (_byPath.TryGetValue(r.Path, out var e)) return new SourceMatch(path, e, r.FollowedLink);
        throw r.FollowedLink ? Unresolved(source, r.Path, what, file, line) : NotFound(source, what, file, line);
    }

    private ScopedPath.Resolution ResolveOrThrow(string path, string source, string what, string file, int line) =>
        ScopedPath.Resolve(path, p => _byPath.TryGetValue(p, out var e) && e.Kind == LayerEntryKind.Symlink ? e.LinkTarget ?? "" : null)
        ?? throw new ContainerizeException(BuildErrors.SourceLinkUnresolved,
            $"COPY/ADD failed: '{source}': too many levels of symbolic links in {what}", file, line,
            "a symlink on this path leads back to itself: fix or remove it");

    private static ContainerizeException Unresolved(string source, string resolved, string what, string file, int line) =>
        new(BuildErrors.SourceLinkUnresolved,
            $"COPY/ADD failed: '{source}' follows a symlink to '/{resolved}', which is not in {what} (links are resolved inside it, as BuildKit does)",
            file, line,
            "a link is never followed out of the context: copy its target into the context (and keep .dockerignore from excluding it), or name the real path");

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
                    throw new ContainerizeException(BuildErrors.SourceOutsideContext, $"COPY source '{source}' leaves the build context", file, line,
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
        new(BuildErrors.SourceNotFound, $"COPY/ADD failed: '{source}' not found in {what}", file, line,
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
