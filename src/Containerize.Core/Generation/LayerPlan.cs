
namespace Containerize.Core.Generation;

/// <summary>Files in one layer, staged under the context folder in a sub-folder named after the layer.</summary>
/// <param name="Name">The layer's folder name in the context: <c>packages</c>, <c>app</c>...</param>
/// <param name="Description">Why this layer exists, written as a comment above its COPY.</param>
public sealed record Layer(string Name, string Description, IReadOnlyList<LayerFile> Files);

/// <summary>
/// A file of a layer: its path under the working directory ('/' separators), its source on disk, and the mode it has
/// where the file system has none, when the rule for other files does not give it (<see cref="LayerPlanner"/>).
/// </summary>
public sealed record LayerFile(string RelativePath, string SourcePath, UnixFileMode? Mode = null);

/// <summary>
/// The publish output split into layers that change at different rates (Jib's idea): a code change rebuilds only the
/// last layer, and a pull downloads only it. Empty layers are left out.
/// </summary>
public sealed record LayerPlan(IReadOnlyList<Layer> Layers)
{
    public const string Packages = "packages";
    public const string PrereleasePackages = "packages-prerelease";
    public const string ProjectReferences = "project-references";
    public const string StaticWebAssets = "static-web-assets";
    public const string App = "app";

    public IEnumerable<LayerFile> AllFiles => Layers.SelectMany(l => l.Files);
}
