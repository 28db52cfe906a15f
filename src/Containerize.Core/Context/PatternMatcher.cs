using Containerize.Core.Diagnostics;

namespace Containerize.Core.Context;

/// <summary>What decided a path: whether it matched, and the last pattern that applied to it (null: none did).</summary>
public readonly record struct MatchOutcome(bool Matched, IgnorePattern? Decider);

/// <summary>
/// An ordered list of patterns with moby/patternmatcher's semantics: patterns apply in order, a normal pattern
/// sets "matched", a <c>!</c> exception clears it, the last one that applies wins, and a pattern applies to a path
/// when it matches the path or one of its parent folders.
/// </summary>
public sealed class PatternMatcher
{
    private PatternMatcher(IReadOnlyList<IgnorePattern> patterns)
    {
        Patterns = patterns;
        HasExclusions = patterns.Any(p => p.Exclusion);
    }

    public IReadOnlyList<IgnorePattern> Patterns { get; }

    /// <summary>True when some pattern is a <c>!</c> exception.</summary>
    public bool HasExclusions { get; }

    public bool IsEmpty => Patterns.Count == 0;

    /// <summary>Builds a matcher from patterns given directly (line = position in the list).</summary>
    public static PatternMatcher Create(IEnumerable<string> patterns, string? file = null) =>
        Create(patterns.Select((p, i) => new IgnoreLine(p, i + 1)), file);

    /// <summary>
    /// Builds a matcher as upstream's <c>New</c> does: trims, drops empty patterns, cleans, splits off <c>!</c> and
    /// checks the glob syntax. A bad pattern is a CTZ2001 error naming the file and line.
    /// </summary>
    public static PatternMatcher Create(IEnumerable<IgnoreLine> lines, string? file = null)
    {
        var patterns = new List<IgnorePattern>();
        foreach (var (raw, line) in lines)
        {
            var p = raw.Trim();
            if (p.Length == 0) continue;
            p = GoPath.Clean(p);
            var exclusion = false;
            if (p[0] == '!')
            {
                if (p.Length == 1)
                {
                    throw new ContainerizeException(ContextErrors.InvalidPattern, "illegal exclusion pattern: \"!\"", file, line,
                        "a '!' must be followed by the pattern it re-includes, e.g. !docs/README.md");
                }

                exclusion = true;
                p = p[1..];
            }

            if (GlobSyntax.Validate(p) is { } why)
            {
                throw new ContainerizeException(ContextErrors.InvalidPattern, $"invalid pattern '{raw.Trim()}': {why}", file, line,
                    "escape a literal [ ] * ? or \\ with a backslash; a class needs a closing ]");
            }

            patterns.Add(new IgnorePattern(p, exclusion, line, file));
        }

        return new PatternMatcher(patterns);
    }

    /// <summary>Whether the path is matched, a pattern applying when it matches the path or any parent folder.</summary>
    public bool MatchesOrParentMatches(string path) => Explain(path).Matched;

    /// <summary><see cref="MatchesOrParentMatches"/>, with the pattern that decided.</summary>
    public MatchOutcome Explain(string path)
    {
        var matched = false;
        IgnorePattern? decider = null;
        var lastSlash = path.LastIndexOf('/');
        foreach (var pattern in Patterns)
        {
            if (pattern.Exclusion != matched) continue;
            var match = pattern.Match(path);
            for (var i = path.IndexOf('/'); !match && i >= 0 && i <= lastSlash; i = path.IndexOf('/', i + 1))
            {
                match = pattern.Match(path[..i]);
            }

            if (match)
            {
                matched = !pattern.Exclusion;
                decider = pattern;
            }
        }

        return new MatchOutcome(matched, decider);
    }

    /// <summary>
    /// Upstream's deprecated <c>Matches</c>: checks the path and only the one ancestor with as many components as
    /// the pattern. Kept to run the conformance cases that assert it.
    /// </summary>
    public bool MatchesDeprecated(string path)
    {
        var matched = false;
        var parent = GoPath.Dir(path);
        var parentDirs = parent.Split('/');
        foreach (var pattern in Patterns)
        {
            if (pattern.Exclusion != matched) continue;
            var match = pattern.Match(path);
            if (!match && parent != ".")
            {
                var n = pattern.Cleaned.Split('/').Length;
                if (n <= parentDirs.Length) match = pattern.Match(string.Join('/', parentDirs, 0, n));
            }

            if (match) matched = !pattern.Exclusion;
        }

        return matched;
    }

    /// <summary>
    /// The walker's form (upstream <c>MatchesUsingParentResults</c>): per-pattern results of the parent folder are
    /// carried down, so that a pattern that matched a parent applies without re-checking ancestors. With no parent
    /// results (null) it checks ancestors itself. <paramref name="results"/> receives this path's per-pattern results.
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public MatchOutcome MatchUsingParentResults(string path, bool[]? parentResults, bool[] results)
    {
        var matched = false;
        IgnorePattern? decider = null;
        for (var i = 0; i < Patterns.Count; i++)
        {
            var pattern = Patterns[i];
            var match = parentResults is { Length: > 0 } && parentResults[i];
            if (!match)
            {
                if (pattern.Exclusion != matched)
                {
                    results[i] = false;
                    continue;
                }

                match = pattern.Match(path);
                if (!match && parentResults is null or { Length: 0 })
                {
                    var lastSlash = path.LastIndexOf('/');
                    for (var s = path.IndexOf('/'); !match && s >= 0 && s <= lastSlash; s = path.IndexOf('/', s + 1))
                    {
                        match = SafeMatch(pattern, path[..s]);
                    }
                }
            }

            results[i] = match;
            if (match)
            {
                matched = !pattern.Exclusion;
                decider = pattern;
            }
        }

        return new MatchOutcome(matched, decider);
    }

    /// <summary>Upstream's deprecated single-boolean form: the parent's overall result, then this path alone.</summary>
    public bool MatchesUsingParentResultDeprecated(string path, bool parentMatched)
    {
        var matched = parentMatched;
        foreach (var pattern in Patterns)
        {
            if (pattern.Exclusion != matched) continue;
            if (pattern.Match(path)) matched = !pattern.Exclusion;
        }

        return matched;
    }

    /// <summary>
    /// Explains a path exactly as the walker decides it: per-pattern results carried from the root down.
    /// </summary>
    public MatchOutcome ExplainAsWalker(string path)
    {
        bool[]? parent = null;
        var outcome = default(MatchOutcome);
        var start = 0;
        while (true)
        {
            var slash = path.IndexOf('/', start);
            var prefix = slash < 0 ? path : path[..slash];
            var results = new bool[Patterns.Count];
            outcome = MatchUsingParentResults(prefix, parent ?? [], results);
            parent = results;
            if (slash < 0) return outcome;
            start = slash + 1;
        }
    }

    // Upstream ignores errors when it checks ancestors (the path itself was checked first and would have failed).
    private static bool SafeMatch(IgnorePattern pattern, string path)
    {
        try
        {
            return pattern.Match(path);
        }
        catch (ContainerizeException)
        {
            return false;
        }
    }
}
