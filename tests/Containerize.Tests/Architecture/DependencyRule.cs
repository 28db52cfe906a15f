namespace Containerize.Tests.Architecture;

/// <summary>
/// The folder order of docs/architecture.md's <c>Dependency rule:</c> line (<c>`A` ← `B` ← `C`</c>): a folder may use
/// itself and the folders to its left, never those to its right. The document is the single source of truth; the
/// tests only read it.
/// </summary>
internal sealed class DependencyRule
{
    public const string Marker = "Dependency rule:";

    private readonly Dictionary<string, int> _rank;

    private DependencyRule(IReadOnlyList<string> folders)
    {
        Folders = folders;
        _rank = folders.Select((f, i) => (f, i)).ToDictionary(x => x.f, x => x.i, StringComparer.Ordinal);
    }

    /// <summary>Left to right: the bottom folder first.</summary>
    public IReadOnlyList<string> Folders { get; }

    public bool Names(string folder) => _rank.ContainsKey(folder);

    /// <summary>May <paramref name="from"/> use <paramref name="to"/>? Both must be named by the rule.</summary>
    public bool Allows(string from, string to) => _rank[to] <= _rank[from];

    /// <summary>The rule from a Markdown document: exactly one line starting with <see cref="Marker"/>.</summary>
    public static DependencyRule FromMarkdown(string markdown)
    {
        var lines = markdown.Split('\n').Select(l => l.Trim()).Where(l => l.StartsWith(Marker, StringComparison.Ordinal)).ToList();
        if (lines.Count != 1) throw new FormatException($"expected exactly one line starting with '{Marker}', found {lines.Count}");
        return Parse(lines[0][Marker.Length..]);
    }

    /// <summary>Folder names separated by ←, each optionally in backticks.</summary>
    public static DependencyRule Parse(string text)
    {
        var folders = text.Split('←').Select(f => f.Trim().Trim('`').Trim()).ToList();
        foreach (var f in folders)
        {
            if (f.Length == 0 || !f.All(c => char.IsAsciiLetterOrDigit(c) || c == '_') || !char.IsAsciiLetterUpper(f[0]))
            {
                throw new FormatException($"'{f}' is not a folder name in the dependency rule '{text.Trim()}'");
            }
        }

        if (folders.Count < 2) throw new FormatException($"the dependency rule '{text.Trim()}' names fewer than two folders");
        if (folders.Distinct(StringComparer.Ordinal).Count() != folders.Count) throw new FormatException($"the dependency rule '{text.Trim()}' names a folder twice");
        return new DependencyRule(folders);
    }
}
