using System.Text.Json;
using Containerize.Core.Diagnostics;

namespace Containerize.Core.Supply.Sbom;

/// <summary>One NuGet package or project of the restore graph, as project.assets.json lists it for one target.</summary>
/// <param name="DevelopmentOnly">A direct PackageReference with PrivateAssets=all (an analyzer, Source Link, this SDK): a build tool, not part of the app.</param>
public sealed record AssetLibrary(string Name, string Version, bool IsProject, string? Sha512Base64, string? Path, bool Direct, IReadOnlyList<string> Dependencies, bool DevelopmentOnly = false);

/// <summary>
/// Reads the restore graph NuGet wrote for the published project (obj/project.assets.json): every package and project of
/// the target framework and runtime identifier, its SHA-512, its dependencies, and whether the project references it
/// directly. A missing file, one of another project, or one without the published target is a coded error: an SBOM
/// that silently listed nothing would be worse than none.
/// </summary>
public static class ProjectAssets
{
    /// <summary>project.assets.json is small (hundreds of KB for a large app); more than this is not NuGet's file.</summary>
    public const long MaxSize = 256L << 20;

    public sealed record Graph(IReadOnlyList<AssetLibrary> Libraries, IReadOnlyList<string> PackageFolders, string TargetKey);

    public static async Task<Graph> ReadAsync(string assetsPath, string projectPath, string? targetFramework, string? runtimeIdentifier, CancellationToken cancellationToken)
    {
        if (!File.Exists(assetsPath))
        {
            throw new ContainerizeException(SupplyErrors.AssetsMissing, $"the SBOM needs the restore graph, and {assetsPath} does not exist", projectPath,
                hint: "restore the project before publishing (dotnet publish restores unless --no-restore is given), or set ContainerSbom=false");
        }

        byte[] bytes;
        try
        {
            var info = new FileInfo(assetsPath);
            if (info.Length > MaxSize) throw Malformed(assetsPath, projectPath, $"it is {info.Length} bytes");
            bytes = await File.ReadAllBytesAsync(assetsPath, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ContainerizeException(SupplyErrors.AssetsMissing, $"could not read {assetsPath}: {e.Message}", projectPath,
                hint: "check the file's permissions, or restore again", inner: e);
        }

        try
        {
            using var doc = JsonDocument.Parse(bytes, new JsonDocumentOptions { MaxDepth = 64 });
            return Parse(doc.RootElement, assetsPath, projectPath, targetFramework, runtimeIdentifier);
        }
        catch (JsonException e)
        {
            throw Malformed(assetsPath, projectPath, e.Message);
        }
        catch (InvalidOperationException e)
        {
            // A property of the wrong JSON kind (a number where NuGet writes a string).
            throw Malformed(assetsPath, projectPath, e.Message);
        }
    }

    private static Graph Parse(JsonElement root, string assetsPath, string projectPath, string? targetFramework, string? runtimeIdentifier)
    {
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("targets", out var targets) || targets.ValueKind != JsonValueKind.Object
            || !root.TryGetProperty("libraries", out var libraries) || libraries.ValueKind != JsonValueKind.Object)
        {
            throw Malformed(assetsPath, projectPath, "it has no targets or libraries");
        }

        var project = root.TryGetProperty("project", out var p) && p.ValueKind == JsonValueKind.Object ? p : default;
        var restoredFor = project.ValueKind == JsonValueKind.Object && project.TryGetProperty("restore", out var restore) && restore.ValueKind == JsonValueKind.Object
            && restore.TryGetProperty("projectPath", out var rp) && rp.ValueKind == JsonValueKind.String ? rp.GetString() : null;
        if (restoredFor is null || !SamePath(restoredFor, projectPath))
        {
            throw new ContainerizeException(SupplyErrors.AssetsForeign,
                $"{assetsPath} was restored for {(restoredFor is null ? "no project" : Path.GetFileName(restoredFor))}, not {Path.GetFileName(projectPath)}", projectPath,
                hint: "two projects share an obj folder (BaseIntermediateOutputPath); give each its own, then restore again");
        }

        // The framework's key in the assets file: the alias the project wrote (net10.0), whose targets key is the alias
        // itself in assets v3 (or the long framework name in older files): matched through project.frameworks.
        var (alias, directNames, devNames) = DirectDependencies(project, targetFramework);
        var key = FindTarget(targets, alias, runtimeIdentifier);
        if (key is null)
        {
            var want = string.IsNullOrEmpty(runtimeIdentifier) ? alias : $"{alias}/{runtimeIdentifier}";
            throw new ContainerizeException(SupplyErrors.AssetsForeign, $"{assetsPath} has no restore graph for {want} (it has {string.Join(", ", targets.EnumerateObject().Select(t => t.Name))})", projectPath,
                hint: "restore for the runtime identifier being published (dotnet publish -r RID restores for it), then publish again");
        }

        var projectRefs = ProjectReferences(project, alias);
        var list = new List<AssetLibrary>();
        foreach (var entry in targets.GetProperty(key).EnumerateObject())
        {
            var slash = entry.Name.IndexOf('/');
            if (slash <= 0 || entry.Value.ValueKind != JsonValueKind.Object) throw Malformed(assetsPath, projectPath, $"target entry '{entry.Name}'");
            var name = entry.Name[..slash];
            var version = entry.Name[(slash + 1)..];
            var type = Str(entry.Value, "type");
            var isProject = string.Equals(type, "project", StringComparison.OrdinalIgnoreCase);
            var lib = libraries.TryGetProperty(entry.Name, out var l) && l.ValueKind == JsonValueKind.Object ? l : default;
            var deps = entry.Value.TryGetProperty("dependencies", out var d) && d.ValueKind == JsonValueKind.Object
                ? d.EnumerateObject().Select(x => x.Name).Order(StringComparer.OrdinalIgnoreCase).ToList()
                : [];
            var direct = isProject ? projectRefs.Contains(name) : directNames.Contains(name);
            list.Add(new AssetLibrary(name, version, isProject, lib.ValueKind == JsonValueKind.Object ? Str(lib, "sha512") : null,
                lib.ValueKind == JsonValueKind.Object ? Str(lib, "path") : null, direct, deps, !isProject && devNames.Contains(name)));
        }

        var folders = root.TryGetProperty("packageFolders", out var pf) && pf.ValueKind == JsonValueKind.Object
            ? pf.EnumerateObject().Select(f => f.Name).ToList()
            : [];
        list.Sort((a, b) => string.Compare(a.Name, b.Name, StringComparison.OrdinalIgnoreCase) is var c && c != 0 ? c : string.CompareOrdinal(a.Version, b.Version));
        return new Graph(list, folders, key);
    }

    private static (string Alias, HashSet<string> Direct, HashSet<string> Development) DirectDependencies(JsonElement project, string? targetFramework)
    {
        var direct = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var development = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var alias = targetFramework ?? "";
        if (project.ValueKind != JsonValueKind.Object || !project.TryGetProperty("frameworks", out var frameworks) || frameworks.ValueKind != JsonValueKind.Object)
        {
            return (alias, direct, development);
        }

        foreach (var fw in frameworks.EnumerateObject())
        {
            var a = fw.Value.ValueKind == JsonValueKind.Object ? Str(fw.Value, "targetAlias") ?? fw.Name : fw.Name;
            if (!string.IsNullOrEmpty(targetFramework) && !string.Equals(a, targetFramework, StringComparison.OrdinalIgnoreCase) && !string.Equals(fw.Name, targetFramework, StringComparison.OrdinalIgnoreCase)) continue;
            alias = fw.Name;
            if (fw.Value.ValueKind == JsonValueKind.Object && fw.Value.TryGetProperty("dependencies", out var deps) && deps.ValueKind == JsonValueKind.Object)
            {
                foreach (var dep in deps.EnumerateObject())
                {
                    // Packages the SDK adds itself (the ILLink tasks) are marked autoReferenced: not the user's choice.
                    if (dep.Value.ValueKind == JsonValueKind.Object && dep.Value.TryGetProperty("autoReferenced", out var auto) && auto.ValueKind == JsonValueKind.True) continue;
                    direct.Add(dep.Name);
                    if (dep.Value.ValueKind == JsonValueKind.Object && Str(dep.Value, "suppressParent") is { } suppress
                        && suppress.Split(',', StringSplitOptions.TrimEntries).Contains("All", StringComparer.OrdinalIgnoreCase))
                    {
                        development.Add(dep.Name);
                    }
                }
            }

            break;
        }

        return (alias, direct, development);
    }

    private static HashSet<string> ProjectReferences(JsonElement project, string alias)
    {
        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        if (project.ValueKind == JsonValueKind.Object && project.TryGetProperty("restore", out var restore) && restore.ValueKind == JsonValueKind.Object
            && restore.TryGetProperty("frameworks", out var fws) && fws.ValueKind == JsonValueKind.Object)
        {
            foreach (var fw in fws.EnumerateObject())
            {
                if (!string.Equals(fw.Name, alias, StringComparison.OrdinalIgnoreCase) && fws.EnumerateObject().Count() > 1) continue;
                if (fw.Value.ValueKind == JsonValueKind.Object && fw.Value.TryGetProperty("projectReferences", out var refs) && refs.ValueKind == JsonValueKind.Object)
                {
                    foreach (var r in refs.EnumerateObject()) names.Add(Path.GetFileNameWithoutExtension(r.Name.Replace('\\', '/')));
                }
            }
        }

        return names;
    }

    private static string? FindTarget(JsonElement targets, string alias, string? rid)
    {
        var names = targets.EnumerateObject().Select(t => t.Name).ToList();
        var frameworks = names.Select(n => n.Split('/')[0]).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        // The alias the project wrote is the targets key in assets v3; an older file keys by the long framework name,
        // which is then the only framework there is.
        var framework = frameworks.FirstOrDefault(f => string.Equals(f, alias, StringComparison.OrdinalIgnoreCase)) ?? (frameworks.Count == 1 ? frameworks[0] : null);
        if (framework is null) return null;
        // A RID-less publish reads the framework's graph; one with a RID needs that RID's (its runtime assets differ).
        var want = string.IsNullOrEmpty(rid) ? framework : framework + "/" + rid;
        return names.FirstOrDefault(n => string.Equals(n, want, StringComparison.OrdinalIgnoreCase));
    }

    private static string? Str(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static bool SamePath(string a, string b)
    {
        static string N(string p) => Path.GetFullPath(p.Replace('\\', Path.DirectorySeparatorChar)).TrimEnd(Path.DirectorySeparatorChar);
        // Windows and macOS compare paths without case; the assets file may spell the drive letter otherwise.
        var comparison = OperatingSystem.IsLinux() ? StringComparison.Ordinal : StringComparison.OrdinalIgnoreCase;
        return string.Equals(N(a), N(b), comparison);
    }

    private static ContainerizeException Malformed(string assetsPath, string projectPath, string detail) =>
        new(SupplyErrors.AssetsMalformed, $"{assetsPath} is not a restore graph NuGet wrote ({detail})", projectPath,
            hint: "delete the obj folder and restore again");
}
