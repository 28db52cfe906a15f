namespace Containerize.Tests.Architecture;

/// <summary>The checks of docs/architecture.md's folder rules over an <see cref="AssemblyScan"/>, each finding as one line.</summary>
internal static class FolderRules
{
    /// <summary>Every use of a folder to the right: <c>Images/Transfer/FileRangeCopy -> Runtime.Native.LibC</c>, sorted.</summary>
    public static List<string> Violations(AssemblyScan scan, string root, DependencyRule rule) =>
        scan.References
            .Where(r => r.From.IsUnder(root) && r.To.IsUnder(root))
            .Select(r => (r.From, r.To, FromFolder: r.From.FolderUnder(root), ToFolder: r.To.FolderUnder(root)))
            .Where(r => r.FromFolder != r.ToFolder && rule.Names(r.FromFolder) && rule.Names(r.ToFolder) && !rule.Allows(r.FromFolder, r.ToFolder))
            .Select(r => $"{r.From.PathUnder(root)} -> {r.To.NameUnder(root)}")
            .Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal)
            .ToList();

    /// <summary>Folders (and types directly in the root namespace) the rule does not place: the rule would say nothing about them.</summary>
    public static List<string> UnplacedFolders(AssemblyScan scan, string root, DependencyRule rule) =>
        scan.Types
            .Where(t => t.IsUnder(root) && !rule.Names(t.FolderUnder(root)))
            .GroupBy(t => t.FolderUnder(root))
            .Select(g => g.Key.Length == 0
                ? $"{string.Join(", ", g.Select(t => t.Name).Order(StringComparer.Ordinal))} in {root} itself, in no folder"
                : $"{g.Key} (e.g. {g.Select(t => t.PathUnder(root)).Min(StringComparer.Ordinal)})")
            .Order(StringComparer.Ordinal)
            .ToList();

    /// <summary>P/Invoke declarations outside <paramref name="allowed"/> (null: allowed nowhere), as <c>Images/Layers/Posix.LChown (libc!lchown)</c>.</summary>
    public static List<string> PInvokesOutside(AssemblyScan scan, string? allowed) =>
        scan.PInvokes
            .Where(p => allowed is null || !p.Type.IsUnder(allowed))
            .Select(p => $"{p.Type.PathUnder(RootOf(p.Type))}.{SourceMethod(p.Method)} ({p.Library}!{p.EntryPoint})")
            .Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal)
            .ToList();

    // A LibraryImport's P/Invoke is a local function of the method it generates: <LChown>g____PInvoke|5_0 is LChown's.
    private static string SourceMethod(string method) =>
        method.StartsWith('<') && method.IndexOf('>', StringComparison.Ordinal) is var end and > 1 ? method[1..end] : method;

    // Containerize.Core.X, Containerize.Cli.X, Containerize.Tasks.X print as X/...: the assembly is in the test's message.
    private static string RootOf(TypeKey type)
    {
        var parts = type.Namespace.Split('.');
        return parts.Length >= 2 ? $"{parts[0]}.{parts[1]}" : type.Namespace;
    }
}
