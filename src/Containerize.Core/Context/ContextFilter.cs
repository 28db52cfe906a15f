namespace Containerize.Core.Context;

/// <summary>
/// Include and exclude patterns, as BuildKit's local-context sender applies them (tonistiigi/fsutil FilterFS):
/// a path is kept when it matches the includes (if any) and not the excludes, both with parent matching.
/// Several layers stack without cooperating: an exception in one cannot bring back what another removed.
/// </summary>
public sealed class ContextFilter
{
    public ContextFilter(PatternMatcher? excludes, PatternMatcher? includes = null)
        : this([new FilterLayer(NullIfEmpty(excludes), NullIfEmpty(includes))])
    {
    }

    public ContextFilter(IReadOnlyList<FilterLayer> layers)
    {
        Layers = layers.Where(l => l.Excludes is not null || l.Includes is not null).ToArray();
    }

    public IReadOnlyList<FilterLayer> Layers { get; }

    public static ContextFilter None { get; } = new([]);

    /// <summary>
    /// Whether a single path may be opened through the filter (fsutil's Open): every layer's includes match it and
    /// its excludes do not, with parent matching and no folder logic.
    /// </summary>
    public bool Allows(string path) =>
        Layers.All(l => (l.Includes is null || l.Includes.MatchesOrParentMatches(path)) && (l.Excludes is null || !l.Excludes.MatchesOrParentMatches(path)));

    private static PatternMatcher? NullIfEmpty(PatternMatcher? m) => m is null || m.IsEmpty ? null : m;
}

/// <summary>One filter: exclude patterns (a .dockerignore) and include patterns (e.g. a COPY source selection).</summary>
public sealed record FilterLayer(PatternMatcher? Excludes, PatternMatcher? Includes = null)
{
    /// <summary>
    /// Whether a folder that is not kept must still be read because a pattern of <paramref name="matcher"/> could
    /// keep something inside it: an exception of the excludes, or a positive pattern of the includes. Literal
    /// patterns are decided as upstream does (the pattern lies under the folder); a pattern with wildcards reaches
    /// the folder when its literal leading folders and the folder's path are prefixes of one another.
    /// </summary>
    internal static bool CouldReachInside(PatternMatcher matcher, string dir, bool exclusions)
    {
        var dirSlash = dir + "/";
        foreach (var p in matcher.Patterns)
        {
            if (p.Exclusion != exclusions) continue;
            var trimmed = WithoutTrailingGlob(p.Cleaned);
            if (trimmed.AsSpan().IndexOfAny("*[]?^\\") < 0)
            {
                if ((trimmed + "/").StartsWith(dirSlash, StringComparison.Ordinal)) return true;
                continue;
            }

            var literal = LiteralLead(p.Cleaned);
            if (literal.Length == 0) return true;
            var lead = literal + "/";
            if (lead.StartsWith(dirSlash, StringComparison.Ordinal) || dirSlash.StartsWith(lead, StringComparison.Ordinal)) return true;
        }

        return false;
    }

    private static string WithoutTrailingGlob(string p)
    {
        if (p.EndsWith("/**", StringComparison.Ordinal)) p = p[..^3];
        if (p.EndsWith("/*", StringComparison.Ordinal)) p = p[..^2];
        return p;
    }

    // The folders before the first segment that has a wildcard or an escape.
    private static string LiteralLead(string pattern)
    {
        var end = 0;
        var start = 0;
        while (true)
        {
            var slash = pattern.IndexOf('/', start);
            if (slash < 0) return pattern[..end];
            if (pattern.AsSpan(start, slash - start).IndexOfAny("*[]?^\\") >= 0) return pattern[..end];
            end = slash;
            start = slash + 1;
        }
    }
}
