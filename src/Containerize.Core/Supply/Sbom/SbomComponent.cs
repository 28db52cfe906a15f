namespace Containerize.Core.Supply.Sbom;

/// <summary>What a component of the image is; each format names these its own way.</summary>
public enum ComponentKind
{
    /// <summary>The published project itself.</summary>
    Application,

    /// <summary>A NuGet package from project.assets.json.</summary>
    NuGetPackage,

    /// <summary>A project reference of the published project.</summary>
    Project,

    /// <summary>A shared framework of the base image (Microsoft.NETCore.App, Microsoft.AspNetCore.App).</summary>
    Runtime,

    /// <summary>A package of the base image's OS (dpkg, apk).</summary>
    OsPackage,
}

/// <summary>
/// One component of the image. <see cref="Ref"/> is its id inside the document (stable: made from its name and version,
/// never random), <see cref="Layer"/> the digest of the image layer its files sit in (null when none of its files are in
/// the image: an analyzer, a build-only package). <see cref="DependsOn"/> lists other components' <see cref="Ref"/>s.
/// </summary>
public sealed record SbomComponent
{
    public required string Ref { get; init; }

    public required ComponentKind Kind { get; init; }

    public required string Name { get; init; }

    public required string Version { get; init; }

    public string? Purl { get; init; }

    /// <summary>The SHA-512 of the package (a .nupkg's hash from project.assets.json), lower-case hex.</summary>
    public string? Sha512 { get; init; }

    /// <summary>An SPDX license expression the package declares (a nuspec's &lt;license type="expression"&gt;, an apk's L:).</summary>
    public string? LicenseExpression { get; init; }

    /// <summary>A license URL (a nuspec's &lt;licenseUrl&gt;) when there is no expression.</summary>
    public string? LicenseUrl { get; init; }

    /// <summary>A direct dependency of the application (a PackageReference or ProjectReference of its own).</summary>
    public bool Direct { get; init; }

    public string? Layer { get; init; }

    public IReadOnlyList<string> DependsOn { get; init; } = [];

    /// <summary>An OS package's architecture (amd64, x86_64, all).</summary>
    public string? Architecture { get; init; }

    /// <summary>The source package or origin of an OS package, when it differs from the name.</summary>
    public string? Source { get; init; }

    /// <summary>The application's source repository (https, without credentials) and revision, when known.</summary>
    public string? RepositoryUrl { get; init; }

    public string? Revision { get; init; }
}

/// <summary>The OS of the image, from /etc/os-release: ID and VERSION_ID (debian 12, alpine 3.20, ubuntu 24.04).</summary>
public sealed record OsRelease(string Id, string VersionId, string? PrettyName = null);

/// <summary>
/// Everything one SBOM says, independent of its format: the image it describes (its repository, manifest digest and
/// platform), the application, and the components. <see cref="Created"/> is the build's date (ContainerSourceDateEpoch,
/// or the image's own created time), so the same inputs give the same bytes.
/// </summary>
public sealed record SbomInventory
{
    public required string ImageName { get; init; }

    public required string ManifestDigest { get; init; }

    public required string Platform { get; init; }

    public required DateTimeOffset Created { get; init; }

    public required SbomComponent Application { get; init; }

    public required IReadOnlyList<SbomComponent> Components { get; init; }

    public OsRelease? Os { get; init; }

    public required string ToolVersion { get; init; }
}
