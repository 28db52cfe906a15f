
namespace Containerize.Core.Generation;

/// <summary>
/// What the MSBuild tasks know about a project, mapped one to one from its evaluated properties and items. Names follow
/// MSBuild's (AssemblyName, TargetFramework, RuntimeIdentifier, ...) so that the mapping stays trivial; every decision
/// taken from these values is made in Core.
/// </summary>
public sealed record ProjectModel
{
    /// <summary>MSBuildProjectFullPath: the project file. Errors about the project point at it.</summary>
    public required string ProjectPath { get; init; }

    /// <summary>The build context of Container mode: the solution or repository root, holding every project of the closure.</summary>
    public required string ContextRoot { get; init; }

    public required string AssemblyName { get; init; }

    /// <summary>TargetFileName: <c>App.dll</c> unless the project renames it.</summary>
    public string? TargetFileName { get; init; }

    /// <summary>NativeExecutableExtension: empty on Linux, <c>.exe</c> for Windows RIDs.</summary>
    public string NativeExecutableExtension { get; init; } = "";

    /// <summary>TargetFramework of this (inner) evaluation, e.g. <c>net10.0</c>; empty for an outer multi-targeted evaluation.</summary>
    public string? TargetFramework { get; init; }

    public IReadOnlyList<string> TargetFrameworks { get; init; } = [];

    /// <summary>TargetFrameworkIdentifier: only <c>.NETCoreApp</c> has inferable base images.</summary>
    public string TargetFrameworkIdentifier { get; init; } = ".NETCoreApp";

    /// <summary>_TargetFrameworkVersionWithoutV (<c>10.0</c>); parsed from <see cref="TargetFramework"/> when not given.</summary>
    public string? TargetFrameworkVersion { get; init; }

    /// <summary>NETCoreSdkVersion, e.g. <c>10.0.401</c>: picks preview tags and the Ubuntu codename of chiseled images.</summary>
    public required string SdkVersion { get; init; }

    /// <summary>NETCoreSdkPortableRuntimeIdentifier: the machine the SDK runs on, e.g. <c>linux-x64</c>.</summary>
    public string? SdkRuntimeIdentifier { get; init; }

    public string? RuntimeIdentifier { get; init; }

    public IReadOnlyList<string> RuntimeIdentifiers { get; init; } = [];

    /// <summary>IsRidAgnostic: such projects ignore RuntimeIdentifiers for containers.</summary>
    public bool IsRidAgnostic { get; init; }

    /// <summary>SelfContained or PublishSelfContained.</summary>
    public bool SelfContained { get; init; }

    public bool PublishAot { get; init; }

    public bool PublishTrimmed { get; init; }

    public bool InvariantGlobalization { get; init; }

    /// <summary>UsingMicrosoftNETSdkWeb: the Web SDK, which always references Microsoft.AspNetCore.App.</summary>
    public bool UsingMicrosoftNETSdkWeb { get; init; }

    /// <summary>The FrameworkReference items (Microsoft.AspNetCore.App selects the aspnet image).</summary>
    public IReadOnlyList<string> FrameworkReferences { get; init; } = [];

    public bool IsPublishable { get; init; } = true;

    public string OutputType { get; init; } = "Exe";

    /// <summary>The ProjectReference closure: full paths of every project this one depends on, directly or not.</summary>
    public IReadOnlyList<string> ProjectReferences { get; init; } = [];

    /// <summary>
    /// The other files restore reads, as full paths: Directory.Build.props/.targets, Directory.Packages.props, nuget.config,
    /// global.json, packages.lock.json files (and any .props they import). Container mode copies them before restoring.
    /// </summary>
    public IReadOnlyList<string> RestoreFiles { get; init; } = [];

    /// <summary>ProjectAssetsFile: NuGet's restore graph (obj/project.assets.json), which the SBOM lists packages from.</summary>
    public string? ProjectAssetsFile { get; init; }

    /// <summary>Description, Authors, PackageProjectUrl, ...: the sources of the SDK's generated OCI labels.</summary>
    public ProjectMetadata Metadata { get; init; } = new();

    public ContainerProperties Container { get; init; } = new();

    public string ProjectDirectory => Path.GetDirectoryName(Path.GetFullPath(ProjectPath))!;

    public string EffectiveTargetFileName => string.IsNullOrEmpty(TargetFileName) ? AssemblyName + ".dll" : TargetFileName;

    /// <summary>The SDK's _ContainerIsSelfContained; PublishAot implies PublishSelfContained in the SDK's own targets.</summary>
    public bool IsSelfContained => SelfContained || PublishAot;

    /// <summary>ComputeDotnetBaseImageAndTag's test: a FrameworkReference to Microsoft.AspNetCore.App.</summary>
    public bool IsAspNetCore =>
        UsingMicrosoftNETSdkWeb || FrameworkReferences.Any(r => r.Equals("Microsoft.AspNetCore.App", StringComparison.OrdinalIgnoreCase));
}

/// <summary>The NuGet pack properties the SDK turns into OCI labels (ComputeContainerConfig, "Defaults for Container Labels").</summary>
public sealed record ProjectMetadata
{
    public string? Description { get; init; }

    public string? Authors { get; init; }

    public string? PackageProjectUrl { get; init; }

    public string? PackageVersion { get; init; }

    public string? PackageLicenseExpression { get; init; }

    public string? Title { get; init; }

    /// <summary>PublishRepositoryUrl: the opt-in for source and revision labels.</summary>
    public bool PublishRepositoryUrl { get; init; }

    /// <summary>PrivateRepositoryUrl (SourceLink's), with its <c>.git</c> suffix.</summary>
    public string? RepositoryUrl { get; init; }

    public string? RepositoryType { get; init; }

    public string? SourceRevisionId { get; init; }
}
