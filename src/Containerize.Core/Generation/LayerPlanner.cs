using Containerize.Core.Diagnostics;

namespace Containerize.Core.Generation;

/// <summary>
/// Splits a publish output into layers, in the order the Dockerfile copies them: stable NuGet packages (runtime packs
/// included), prerelease packages, project-reference assemblies, static web assets (wwwroot), then the app itself.
/// Symbols (.pdb, and .dbg from native AOT) are in the image, as in the SDK's (whose image is the whole publish
/// folder); ContainerIncludeSymbols=false leaves them out (as DebugType=none does at the source).
/// </summary>
public static class LayerPlanner
{
    /// <param name="appHost">The app host's path in the publish output (AssemblyName + NativeExecutableExtension): an executable.</param>
    /// <summary>The layers of <paramref name="project"/>'s publish files, by its ContainerLayering and ContainerIncludeSymbols.</summary>
    public static LayerPlan Plan(IEnumerable<PublishedFile> files, ProjectModel project) =>
        Plan(files, project.Container.ContainerLayering, project.Container.ContainerIncludeSymbols, project.ProjectPath,
            appHost: project.AssemblyName + project.NativeExecutableExtension);

    public static LayerPlan Plan(IEnumerable<PublishedFile> files, ContainerLayering layering, bool includeSymbols, string? projectPath = null, string? appHost = null)
    {
        var buckets = new Dictionary<string, List<LayerFile>>(StringComparer.Ordinal);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var file in files)
        {
            var relative = NormalizeRelative(file.RelativePath, projectPath);
            if (!seen.Add(relative))
            {
                throw new ContainerizeException(GenerationErrors.DuplicatePublishedFile, $"two published files go to the same path '{relative}'", projectPath,
                    hint: "two packages or projects publish a file of the same name; remove one, or exclude it from publishing");
            }

            if (!includeSymbols && IsSymbolFile(relative)) continue;
            var layer = layering == ContainerLayering.Single ? LayerPlan.App : Classify(file, relative, projectPath);
            if (!buckets.TryGetValue(layer, out var list)) buckets[layer] = list = [];
            list.Add(new LayerFile(relative, file.SourcePath, ModeWithoutFileSystem(file, relative, appHost)));
        }

        var layers = new List<Layer>();
        foreach (var (name, description) in Order)
        {
            if (buckets.TryGetValue(name, out var list))
            {
                list.Sort((a, b) => string.CompareOrdinal(a.RelativePath, b.RelativePath));
                layers.Add(new Layer(name, layering == ContainerLayering.Single ? "the whole publish output" : description, list));
            }
        }

        return new LayerPlan(layers);
    }

    /// <summary>
    /// The mode a file gets where the file system has none (Windows), so that the image equals the one the same publish
    /// makes on Linux: the app host and ContainerExecutable items 0755; a package's files 0744, as NuGet extracts them
    /// on Linux (0766 less the usual umask 022) and the publish copies them; other files are left to the rule (0644,
    /// <c>*.sh</c> 0755).
    /// </summary>
    private static UnixFileMode? ModeWithoutFileSystem(PublishedFile file, string relative, string? appHost) =>
        file.Executable || string.Equals(relative, appHost, StringComparison.Ordinal) ? (UnixFileMode)Os.ModeRule.Executable
        : !string.IsNullOrEmpty(file.NuGetPackageId) ? (UnixFileMode)Os.ModeRule.NuGetExtracted
        : null;

    /// <summary>The name of the layer <paramref name="file"/> goes to (the SBOM places each package by it).</summary>
    public static string LayerOf(PublishedFile file, ProjectModel project) =>
        project.Container.ContainerLayering == ContainerLayering.Single ? LayerPlan.App
            : Classify(file, NormalizeRelative(file.RelativePath, project.ProjectPath), project.ProjectPath);

    private static readonly (string Name, string Description)[] Order =
    [
        (LayerPlan.Packages, "NuGet packages with stable versions (and the runtime pack): change least often"),
        (LayerPlan.PrereleasePackages, "NuGet packages with prerelease versions"),
        (LayerPlan.ProjectReferences, "assemblies of referenced projects"),
        (LayerPlan.StaticWebAssets, "static web assets (wwwroot)"),
        (LayerPlan.App, "the application itself: changes on every build"),
    ];

    private static string Classify(PublishedFile file, string relative, string? projectPath)
    {
        if (!string.IsNullOrEmpty(file.NuGetPackageId))
        {
            return IsPrerelease(file.NuGetPackageVersion) ? LayerPlan.PrereleasePackages : LayerPlan.Packages;
        }

        if (string.Equals(file.ReferenceSourceTarget, "ProjectReference", StringComparison.OrdinalIgnoreCase) ||
            (!string.IsNullOrEmpty(file.MSBuildSourceProjectFile) &&
             (projectPath is null || !SamePath(file.MSBuildSourceProjectFile, projectPath))))
        {
            return LayerPlan.ProjectReferences;
        }

        return relative.StartsWith("wwwroot/", StringComparison.OrdinalIgnoreCase) ? LayerPlan.StaticWebAssets : LayerPlan.App;
    }

    // NuGet versions are SemVer: a '-' before any '+' metadata marks a prerelease.
    private static bool IsPrerelease(string? version)
    {
        if (string.IsNullOrEmpty(version)) return false;
        var plus = version.IndexOf('+');
        return (plus >= 0 ? version[..plus] : version).Contains('-');
    }

    private static bool IsSymbolFile(string relative) =>
        relative.EndsWith(".pdb", StringComparison.OrdinalIgnoreCase) || relative.EndsWith(".dbg", StringComparison.OrdinalIgnoreCase);

    private static bool SamePath(string a, string b) =>
        string.Equals(Path.GetFullPath(a), Path.GetFullPath(b), StringComparison.Ordinal);

    internal static string NormalizeRelative(string relativePath, string? projectPath)
    {
        var r = relativePath.Replace('\\', '/');
        while (r.StartsWith("./", StringComparison.Ordinal)) r = r[2..];
        var parts = r.Split('/');
        if (r.Length == 0 || r.StartsWith('/') || parts.Any(p => p is "" or "." or ".."))
        {
            throw new ContainerizeException(GenerationErrors.InvalidPublishedFile, $"the published file path '{relativePath}' is not a relative path inside the publish folder", projectPath,
                hint: "check the RelativePath metadata of the ResolvedFileToPublish items");
        }

        return r;
    }
}
