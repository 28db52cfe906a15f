
namespace Containerize.Core.Generation;

/// <summary>
/// The container properties and items of a project: the .NET SDK's (same names, same defaults) and Containerize's own.
/// Values are the raw strings MSBuild holds; <see cref="ContainerPlanner"/> validates and resolves them.
/// </summary>
public sealed record ContainerProperties
{
    public string? ContainerBaseImage { get; init; }

    /// <summary>A variant of the inferred image: <c>alpine</c>, <c>noble-chiseled</c>, <c>azurelinux3.0-distroless</c>...</summary>
    public string? ContainerFamily { get; init; }

    public string? ContainerRuntimeIdentifier { get; init; }

    public IReadOnlyList<string> ContainerRuntimeIdentifiers { get; init; } = [];

    public string? ContainerRegistry { get; init; }

    /// <summary>Defaults to AssemblyName, normalised as the SDK does (lower case, other characters to '-').</summary>
    public string? ContainerRepository { get; init; }

    public string? ContainerImageTag { get; init; }

    public IReadOnlyList<string> ContainerImageTags { get; init; } = [];

    /// <summary>Defaults to <c>/app/</c>.</summary>
    public string? ContainerWorkingDirectory { get; init; }

    /// <summary>Empty: the base image's APP_UID for Microsoft .NET 8+ images, else the base image's own user.</summary>
    public string? ContainerUser { get; init; }

    public IReadOnlyList<ContainerPortItem> ContainerPort { get; init; } = [];

    public IReadOnlyList<NameValueItem> ContainerEnvironmentVariable { get; init; } = [];

    public IReadOnlyList<NameValueItem> ContainerLabel { get; init; } = [];

    public IReadOnlyList<string> ContainerAppCommand { get; init; } = [];

    public IReadOnlyList<string> ContainerAppCommandArgs { get; init; } = [];

    /// <summary><c>Entrypoint</c>, <c>DefaultArgs</c> or <c>None</c>; empty lets the SDK's rules decide.</summary>
    public string? ContainerAppCommandInstruction { get; init; }

    public IReadOnlyList<string> ContainerDefaultArgs { get; init; } = [];

    /// <summary>Legacy: ContainerEntrypoint and ContainerEntrypointArgs, kept with the SDK's compatibility rules.</summary>
    public IReadOnlyList<string> ContainerEntrypoint { get; init; } = [];

    public IReadOnlyList<string> ContainerEntrypointArgs { get; init; } = [];

    public bool ContainerGenerateLabels { get; init; } = true;

    /// <summary>ContainerGenerateLabelsImageCreated: the one generated label that changes on every build.</summary>
    public bool ContainerGenerateLabelsImageCreated { get; init; } = true;

    public bool ContainerGenerateLabelsImageBaseName { get; init; } = true;

    public bool ContainerGenerateLabelsDotnetToolset { get; init; } = true;

    public string? ContainerDescription { get; init; }

    public string? ContainerAuthors { get; init; }

    public string? ContainerInformationUrl { get; init; }

    public string? ContainerDocumentationUrl { get; init; }

    public string? ContainerVersion { get; init; }

    public string? ContainerLicenseExpression { get; init; }

    public string? ContainerTitle { get; init; }

    public string? ContainerVendor { get; init; }

    // --- Containerize's own

    public ContainerBuildMode ContainerBuildMode { get; init; } = ContainerBuildMode.Host;

    public ContainerLayering ContainerLayering { get; init; } = ContainerLayering.Dependencies;

    public bool ContainerIncludeSymbols { get; init; } = true;

    /// <summary>Attach an SBOM to the published image (the default, as ko does).</summary>
    public bool ContainerSbom { get; init; } = true;

    /// <summary>spdx (the default), cyclonedx, or both.</summary>
    public string? ContainerSbomFormat { get; init; }

    /// <summary>Attach a SLSA provenance statement (the default, as BuildKit's min mode).</summary>
    public bool ContainerProvenance { get; init; } = true;

    /// <summary>A registry that refuses the attestations fails the publish instead of warning.</summary>
    public bool ContainerAttestationsRequired { get; init; }

    /// <summary>A private key file (full path): the pushed image is signed in cosign's format.</summary>
    public string? ContainerSigningKey { get; init; }

    /// <summary>The environment variable with the key's password (COSIGN_PASSWORD when empty).</summary>
    public string? ContainerSigningKeyPasswordVariable { get; init; }

    /// <summary>A registry host (<c>localhost:5000</c>) that replaces mcr.microsoft.com in every inferred base and SDK image.</summary>
    public string? ContainerBaseImageMirror { get; init; }

    public IReadOnlyList<NameValueItem> ContainerBuildArg { get; init; } = [];

    /// <summary>Seconds since the epoch (SOURCE_DATE_EPOCH): the created label and the layer timestamps.</summary>
    public string? ContainerSourceDateEpoch { get; init; }

    /// <summary>Mount a <c>ca-bundle</c> build secret over the SDK image's CA certificates (TLS-inspecting proxies).</summary>
    public bool ContainerRestoreCaBundleSecret { get; init; }

    /// <summary>
    /// A host folder of .nupkg files (for example where Containerize.Sdk was packed) that restore inside the SDK image
    /// may use: the Dockerfile mounts it read-only for the restore step as the named build context
    /// <see cref="ContainerModeBuild.LocalPackagesContext"/> and adds it as a restore source.
    /// </summary>
    public string? ContainerRestoreLocalSource { get; init; }

    // --- Destinations (the SDK's names and meaning)

    /// <summary>A file, or a folder (existing, or ending in a separator) that gets <c>&lt;repository&gt;.tar.gz</c>.</summary>
    public string? ContainerArchiveOutputPath { get; init; }

    /// <summary><c>Docker</c> or <c>OCI</c>: the archive's format (docker-archive unless OCI).</summary>
    public string? ContainerImageFormat { get; init; }

    /// <summary><c>Docker</c> or <c>Podman</c>: the daemon to load into; empty loads into a daemon only when one answers.</summary>
    public string? LocalRegistry { get; init; }

    // --- Containerize's own build options

    /// <summary>The user's Dockerfile, built instead of a generated one (context: <see cref="ProjectModel.ContextRoot"/>).</summary>
    public string? ContainerDockerfile { get; init; }

    public string? ContainerTarget { get; init; }

    public bool ContainerNoCache { get; init; }

    /// <summary><c>Builtin</c> (the default), <c>Docker</c> or <c>Podman</c>.</summary>
    public string? ContainerBuildEngine { get; init; }

    /// <summary>
    /// The network of RUN steps handed to Docker or Podman (<c>host</c>, <c>none</c>, <c>default</c>); the engine's
    /// default when empty. A daemon started without a bridge fails every RUN on its default network.
    /// </summary>
    public string? ContainerBuildNetwork { get; init; }

    /// <summary>Also write the Container-mode Dockerfile next to the project ("eject").</summary>
    public bool ContainerWriteDockerfile { get; init; }

    /// <summary>Never touch the network: base images must be in the store; no push.</summary>
    public bool ContainerOffline { get; init; }
}

/// <summary>A ContainerPort item: Include is the port number, Type is <c>tcp</c> (default) or <c>udp</c>.</summary>
public sealed record ContainerPortItem(string Include, string? Type = null);

/// <summary>An item with a name (its Include) and a Value metadata: environment variables, labels, build arguments.</summary>
public sealed record NameValueItem(string Name, string Value);

public enum ContainerBuildMode
{
    /// <summary>Publish on the host, build only the final stage from a staged context. The default.</summary>
    Host,

    /// <summary>A multi-stage Dockerfile that restores and publishes inside the SDK image.</summary>
    Container,
}

public enum ContainerLayering
{
    /// <summary>Jib-style: stable packages, prerelease packages, project references, static web assets, the app.</summary>
    Dependencies,

    /// <summary>One layer for the whole publish output, as the .NET SDK does.</summary>
    Single,
}
