using Containerize.Core.Generation;

namespace Containerize.Core.Host;

/// <summary>How MSBuild hands a task input over: one value, a boolean, or a list of items with metadata.</summary>
public enum InputKind
{
    Text,
    Bool,
    List,
}

/// <summary>Which part of the image (or of the publish) an input feeds: what changes when it changes.</summary>
public enum ImagePart
{
    /// <summary>Which base image the image starts from (and its platform).</summary>
    Base,

    /// <summary>The config: entrypoint, command, user, environment, ports, working directory, created time.</summary>
    Config,

    /// <summary>The config's labels.</summary>
    Labels,

    /// <summary>The layers: which files, their modes, how they are grouped.</summary>
    Layers,

    /// <summary>How the image is built (mode, engine, Dockerfile, build arguments): the build, so the image.</summary>
    Build,

    /// <summary>The image's names (repository, tags): not the digest.</summary>
    Names,

    /// <summary>Where the image goes (registry, archive, daemon): never the digest.</summary>
    Destination,

    /// <summary>Where this machine keeps things and how it runs the build: never the image.</summary>
    Machine,

    /// <summary>What is attached to the image (SBOM, provenance, signature): never the image's digest.</summary>
    Attestations,
}

/// <summary>
/// One input of the package's tasks. <see cref="Name"/> is the task input's name (the <c>Include</c> of its
/// <c>_ContainerizeInput</c> entry), <see cref="Property"/> what the user sets (an MSBuild property or item; the SDK's
/// own for project facts), <see cref="Default"/> what an empty value means, <see cref="Example"/> a value that changes
/// what <see cref="Feeds"/> says (used by the schema test), <see cref="Secret"/> whether the value must never be logged,
/// <see cref="TargetsOnly"/> a setting the targets read themselves (never passed to a task).
/// </summary>
public sealed record PropertySpec(
    string Name,
    InputKind Kind,
    ImagePart Feeds,
    string Meaning,
    string? Default = null,
    string? Example = null,
    bool UserSetting = true,
    bool Secret = false,
    string? Property = null,
    bool TargetsOnly = false)
{
    /// <summary>The MSBuild property or item the value comes from.</summary>
    public string Source => Property ?? Name;

    /// <summary>Whether a change of the value changes the image's digest (as opposed to its names or destinations).</summary>
    public bool ChangesImage => Feeds is ImagePart.Base or ImagePart.Config or ImagePart.Labels or ImagePart.Layers or ImagePart.Build;
}

/// <summary>
/// The one list of every MSBuild property and item the package reads. The targets' <c>_ContainerizeInput</c> list (and
/// so the settings hash, which is computed from that list), <see cref="TaskInputMapping"/> (names and defaults) and the
/// README's property table are checked against it by tests, and the mapping refuses a name it does not hold.
/// </summary>
public static class PropertySchema
{
    private const string Project = "project";

    public static IReadOnlyList<PropertySpec> All { get; } =
    [
        // --- What the project is (set by the SDK or the project file; the user rarely sets them for the image).
        new("ProjectPath", InputKind.Text, ImagePart.Machine, "the project file (errors point at it)", UserSetting: false, Property: "MSBuildProjectFullPath"),
        new("ContainerDirectory", InputKind.Text, ImagePart.Machine, "where the image build keeps its files", "obj/container/", UserSetting: false, Property: "ContainerizeDirectory"),
        new("AssemblyName", InputKind.Text, ImagePart.Config, "the app's name: entrypoint and default repository", Example: "Other", UserSetting: false),
        new("TargetFileName", InputKind.Text, ImagePart.Config, "the app's main file (entrypoint of a framework-dependent app without app host)", Example: "Other.dll", UserSetting: false),
        new("NativeExecutableExtension", InputKind.Text, ImagePart.Config, "the app host's extension (empty on Linux)", UserSetting: false, Property: "_NativeExecutableExtension"),
        new("TargetFramework", InputKind.Text, ImagePart.Base, "the framework, whose version picks the base image's tag", Example: "net9.0", UserSetting: false),
        new("TargetFrameworks", InputKind.Text, ImagePart.Build, "several frameworks: a container needs one (CTZ6012)", UserSetting: false),
        new("TargetFrameworkIdentifier", InputKind.Text, ImagePart.Base, "the framework family", ".NETCoreApp", UserSetting: false),
        new("TargetFrameworkVersion", InputKind.Text, ImagePart.Base, "the framework version (base image tag)", Example: "9.0", UserSetting: false, Property: "_TargetFrameworkVersionWithoutV"),
        new("SdkVersion", InputKind.Text, ImagePart.Labels, "the SDK version (the toolset label)", Example: "10.0.999", UserSetting: false, Property: "NETCoreSdkVersion"),
        new("SdkRuntimeIdentifier", InputKind.Text, ImagePart.Base, "the machine's RID (the default container RID)", UserSetting: false, Property: "NETCoreSdkPortableRuntimeIdentifier"),
        new("RuntimeIdentifier", InputKind.Text, ImagePart.Base, "the app's RID: the image's platform", Example: "linux-arm64"),
        new("RuntimeIdentifiers", InputKind.Text, ImagePart.Base, "RIDs restore prepares (several container RIDs when ContainerRuntimeIdentifiers is empty)"),
        new("IsRidAgnostic", InputKind.Bool, ImagePart.Base, "the app runs on any RID", "false", UserSetting: false),
        new("SelfContained", InputKind.Bool, ImagePart.Base, "the app carries its runtime: runtime-deps base", "false", Example: "true", Property: "_ContainerizeSelfContained"),
        new("PublishAot", InputKind.Bool, ImagePart.Base, "native AOT: runtime-deps base", "false", Example: "true"),
        new("PublishTrimmed", InputKind.Bool, ImagePart.Base, "trimmed self-contained app", "false"),
        new("InvariantGlobalization", InputKind.Bool, ImagePart.Base, "no ICU needed: the extra image flavour of AOT apps", "false"),
        new("UsingMicrosoftNETSdkWeb", InputKind.Bool, ImagePart.Base, "a web project: aspnet base", "false", Example: "true", UserSetting: false),
        new("FrameworkReferences", InputKind.List, ImagePart.Base, "framework references (Microsoft.AspNetCore.App picks the aspnet base)", Example: "Microsoft.AspNetCore.App", UserSetting: false, Property: "FrameworkReference"),
        new("IsPublishable", InputKind.Bool, ImagePart.Build, "false: not an image project (CTZ6020)", "true", UserSetting: false),
        new("OutputType", InputKind.Text, ImagePart.Build, "Exe or WinExe: an image project", "Exe", "Library", UserSetting: false),
        new("ProjectReferences", InputKind.List, ImagePart.Build, "project references (Container mode copies their projects for restore)", UserSetting: false, Property: "ProjectReference"),
        new("RestoreFiles", InputKind.List, ImagePart.Build, "Directory.Build.props/targets, Directory.Packages.props, global.json, nuget.config (Container mode's restore layer)", UserSetting: false, Property: "DirectoryBuildPropsPath"),
        new("SolutionDir", InputKind.Text, ImagePart.Build, "the solution folder: Container mode's default context", UserSetting: false),
        new("ResolvedFileToPublish", InputKind.List, ImagePart.Layers, "the publish output (its files and their layers)", UserSetting: false),
        new("PublishDir", InputKind.Text, ImagePart.Layers, "the publish folder (files published outside ResolvedFileToPublish)", UserSetting: false),

        // --- The package's metadata: the SDK's generated labels.
        new("Description", InputKind.Text, ImagePart.Labels, "the description label (when ContainerDescription is empty)", Example: "An app"),
        new("Authors", InputKind.Text, ImagePart.Labels, "the authors label", Example: "Someone"),
        new("PackageProjectUrl", InputKind.Text, ImagePart.Labels, "the url and documentation labels", Example: "https://example.com/"),
        new("PackageVersion", InputKind.Text, ImagePart.Labels, "the version label", Example: "2.0.0"),
        new("PackageLicenseExpression", InputKind.Text, ImagePart.Labels, "the licenses label", Example: "Apache-2.0"),
        new("Title", InputKind.Text, ImagePart.Labels, "the title label", Example: "The App"),
        new("PublishRepositoryUrl", InputKind.Bool, ImagePart.Labels, "true: the source and revision labels", "false", Example: "true"),
        new("RepositoryUrl", InputKind.Text, ImagePart.Labels, "the source label (with PublishRepositoryUrl)", Example: "https://example.com/other.git", Property: "PrivateRepositoryUrl"),
        new("RepositoryType", InputKind.Text, ImagePart.Labels, "the repository type (git for the source label)", Example: "svn"),
        new("SourceRevisionId", InputKind.Text, ImagePart.Labels, "the revision label (with PublishRepositoryUrl; Source Link sets it from git)", Example: "0123456789abcdef"),

        // --- The .NET SDK's container properties and items, same names and defaults.
        new("ContainerBaseImage", InputKind.Text, ImagePart.Base, "the base image", "inferred as the SDK does", "docker.io/library/debian:12"),
        new("ContainerFamily", InputKind.Text, ImagePart.Base, "a variant of the inferred base: alpine, noble-chiseled, ...", Example: "alpine"),
        new("ContainerRuntimeIdentifier", InputKind.Text, ImagePart.Base, "the image's RID (platform; base picked from the index)", "the RID", "linux-arm64"),
        new("ContainerRuntimeIdentifiers", InputKind.Text, ImagePart.Base, "several RIDs: one image per RID and an index"),
        new("ContainerRegistry", InputKind.Text, ImagePart.Destination, "push to this registry", "none: the local store", "localhost:5000"),
        new("ContainerRepository", InputKind.Text, ImagePart.Names, "the repository", "AssemblyName, lower case", "other"),
        new("ContainerImageTag", InputKind.Text, ImagePart.Names, "the tag", "latest", "1.0"),
        new("ContainerImageTags", InputKind.Text, ImagePart.Names, "several tags (;-separated)", Example: "1.0;1"),
        new("ContainerWorkingDirectory", InputKind.Text, ImagePart.Config, "the working directory (and where the app goes)", "/app/", "/srv/"),
        new("ContainerUser", InputKind.Text, ImagePart.Config, "the user", "the base's APP_UID, else the base's user", "1000"),
        new("ContainerPort", InputKind.List, ImagePart.Config, "exposed ports (Type=tcp|udp)", "from the base's and the app's ASPNETCORE_* variables", "9090"),
        new("ContainerEnvironmentVariable", InputKind.List, ImagePart.Config, "environment variables (Value)", Example: "A"),
        new("ContainerLabel", InputKind.List, ImagePart.Labels, "labels (Value)", Example: "com.example.team"),
        new("ContainerAppCommand", InputKind.List, ImagePart.Config, "the app's command", "the app host or dotnet APP.dll", "/bin/true"),
        new("ContainerAppCommandArgs", InputKind.List, ImagePart.Config, "arguments always passed to the command", Example: "--flag"),
        new("ContainerAppCommandInstruction", InputKind.Text, ImagePart.Config, "Entrypoint, DefaultArgs or None", "Entrypoint (DefaultArgs with ContainerEntrypoint)", "DefaultArgs"),
        new("ContainerDefaultArgs", InputKind.List, ImagePart.Config, "default arguments (CMD), replaceable at run time", Example: "--default"),
        new("ContainerEntrypoint", InputKind.List, ImagePart.Config, "legacy entrypoint", Example: "/bin/sh"),
        new("ContainerEntrypointArgs", InputKind.List, ImagePart.Config, "legacy entrypoint arguments", Example: "-c"),
        new("ContainerGenerateLabels", InputKind.Bool, ImagePart.Labels, "false: none of the generated labels", "true", "false"),
        new("ContainerGenerateLabelsImageCreated", InputKind.Bool, ImagePart.Labels, "the created label", "true", "false"),
        new("ContainerGenerateLabelsImageBaseName", InputKind.Bool, ImagePart.Labels, "the base name label", "true", "false"),
        new("ContainerGenerateLabelsDotnetToolset", InputKind.Bool, ImagePart.Labels, "the .NET toolset labels", "true", "false"),
        new("ContainerDescription", InputKind.Text, ImagePart.Labels, "the description label", "Description", "Described"),
        new("ContainerAuthors", InputKind.Text, ImagePart.Labels, "the authors label", "Authors", "Us"),
        new("ContainerInformationUrl", InputKind.Text, ImagePart.Labels, "the url label", "PackageProjectUrl", "https://example.com/info"),
        new("ContainerDocumentationUrl", InputKind.Text, ImagePart.Labels, "the documentation label", "PackageProjectUrl", "https://example.com/docs"),
        new("ContainerVersion", InputKind.Text, ImagePart.Labels, "the version label", "PackageVersion", "3.0.0"),
        new("ContainerLicenseExpression", InputKind.Text, ImagePart.Labels, "the licenses label", "PackageLicenseExpression", "MIT"),
        new("ContainerTitle", InputKind.Text, ImagePart.Labels, "the title label", "Title", "Titled"),
        new("ContainerVendor", InputKind.Text, ImagePart.Labels, "the vendor label", Example: "Example Inc."),
        new("ContainerArchiveOutputPath", InputKind.Text, ImagePart.Destination, "write a tar.gz archive (a folder gets <repository>.tar.gz)", Example: "image.tar.gz"),
        new("ContainerImageFormat", InputKind.Text, ImagePart.Destination, "Docker or OCI media types for the archive", "OCI", "Docker"),
        new("LocalRegistry", InputKind.Text, ImagePart.Destination, "load into Docker or Podman", Example: "Docker"),

        // --- Containerize's own.
        new("ContainerBuildMode", InputKind.Text, ImagePart.Build, "Host (the host's publish output) or Container (restore, build and publish in the SDK image)", "Host", "Container"),
        new("ContainerLayering", InputKind.Text, ImagePart.Layers, "Dependencies (NuGet packages, project references and the app in their own layers) or Single", "Dependencies", "Single"),
        new("ContainerIncludeSymbols", InputKind.Bool, ImagePart.Layers, "false leaves .pdb (and .dbg) files out; the SDK's images keep them", "true", "false"),
        new("ContainerBaseImageMirror", InputKind.Text, ImagePart.Base, "a registry host that replaces mcr.microsoft.com in every inferred base and SDK image", Example: "localhost:5000"),
        new("ContainerBuildArg", InputKind.List, ImagePart.Build, "build arguments (Value) of the Dockerfile", Example: "VERSION"),
        new("ContainerSourceDateEpoch", InputKind.Text, ImagePart.Config, "the time of created, the history and the created label", "SOURCE_DATE_EPOCH, else the last git commit, else 1970", "86400"),
        new("ContainerRestoreCaBundleSecret", InputKind.Bool, ImagePart.Build, "Container mode: mount the host's CA bundle for the restore step only", "false", "true"),
        new("ContainerRestoreLocalSource", InputKind.Text, ImagePart.Build, "Container mode: a folder of .nupkg files as a read-only restore source", Example: "packages"),
        new("ContainerSbom", InputKind.Bool, ImagePart.Attestations, "attach an SBOM (NuGet packages, project references, the runtime, the base's OS packages, each with its layer)", "true", "false"),
        new("ContainerSbomFormat", InputKind.Text, ImagePart.Attestations, "spdx (SPDX 2.3 JSON), cyclonedx (CycloneDX 1.6 JSON), or spdx;cyclonedx", "spdx", "cyclonedx"),
        new("ContainerProvenance", InputKind.Bool, ImagePart.Attestations, "attach a SLSA v1 provenance statement (in-toto)", "true", "false"),
        new("ContainerAttestationsRequired", InputKind.Bool, ImagePart.Attestations, "a registry that refuses the SBOM or provenance fails the publish instead of warning", "false", "true"),
        new("ContainerSigningKey", InputKind.Text, ImagePart.Attestations, "sign the pushed image in cosign's format with this private key (cosign.key, PKCS#8 or SEC1 PEM, ECDSA P-256)", Example: "cosign.key"),
        new("ContainerSigningKeyPasswordVariable", InputKind.Text, ImagePart.Attestations, "the environment variable holding the key's password", "COSIGN_PASSWORD", "SIGNING_PASSWORD"),
        new("ProjectAssetsFile", InputKind.Text, ImagePart.Attestations, "the restore graph the SBOM lists packages from", "obj/project.assets.json", UserSetting: false),
        new("ContainerDockerfile", InputKind.Text, ImagePart.Build, "build this Dockerfile instead of the generated one"),
        new("ContainerBuildContext", InputKind.Text, ImagePart.Build, "its context", "the solution folder, else the repository root", Example: "."),
        new("ContainerTarget", InputKind.Text, ImagePart.Build, "the Dockerfile's target stage", Example: "final"),
        new("ContainerNoCache", InputKind.Bool, ImagePart.Machine, "true: no build cache (the same image, built again)", "false"),
        new("ContainerBuildEngine", InputKind.Text, ImagePart.Machine, "Builtin (no daemon), Docker or Podman (the same Dockerfile and context handed off)", "Builtin"),
        new("ContainerBuildNetwork", InputKind.Text, ImagePart.Machine, "network of RUN steps in Docker or Podman: host, none or default"),
        new("ContainerWriteDockerfile", InputKind.Bool, ImagePart.Machine, "also write the Container-mode Dockerfile next to the project", "false"),
        new("ContainerOffline", InputKind.Bool, ImagePart.Machine, "never open a connection: the stored base is used", "false"),
        new("ContainerEnv", InputKind.Text, ImagePart.Config, "NAME=VALUE;... environment variables settable on the command line", Example: "A=1;B=2"),
        new("ContainerLabels", InputKind.Text, ImagePart.Labels, "NAME=VALUE;... labels settable on the command line", Example: "a=1"),
        new("ContainerPorts", InputKind.Text, ImagePart.Config, "8080;53/udp: ports settable on the command line", Example: "9091"),
        new("ContainerStore", InputKind.Text, ImagePart.Machine, "the image store", "$CONTAINERIZE_STORE, else ~/.cache/containerize/store"),
        new("ContainerBuild", InputKind.Bool, ImagePart.Machine, "true: build the image after publish", "false", TargetsOnly: true),
        new("ContainerDeterministicPaths", InputKind.Bool, ImagePart.Layers, "false opts out of the source path mapping (PathMap) and of the Razor files' content-named copies that make the app's assemblies, and so the image, identical from any clone folder", "true", TargetsOnly: true),
        new("ContainerPublishInParallel", InputKind.Bool, ImagePart.Machine, "several RIDs: the per-RID publishes run in parallel", "true", TargetsOnly: true),
        new("ContainerizePublishContainer", InputKind.Bool, ImagePart.Machine, "`dotnet publish -t:PublishContainer` (as .NET Aspire, azd and Visual Studio run it) builds Containerize's image; false gives the .NET SDK's own container publishing back", "true", TargetsOnly: true),
        new("ContainerizeTaskHost", InputKind.Text, ImagePart.Machine, "InProcess or OutOfProcess (the netstandard2.0 task and containerize out of process, as Visual Studio's and .NET 8/9 SDKs' MSBuild do)", "InProcess on a .NET 10+ dotnet CLI, else OutOfProcess", TargetsOnly: true),
        new("ContainerizeInProcess", InputKind.Bool, ImagePart.Machine, "true runs the image build in MSBuild's process instead of the package's native host (linux-x64)", "false", TargetsOnly: true),
        new("ContainerizeHostPath", InputKind.Text, ImagePart.Machine, "the native containerize the task runs", "the package's, for the SDK's RID", UserSetting: false, TargetsOnly: true),
        new("StoreOnly", InputKind.Bool, ImagePart.Destination, "an inner publish of a multi-RID image: the store only", "false", UserSetting: false, Property: "_ContainerizeStoreOnly"),
    ];

    private static readonly Dictionary<string, PropertySpec> ByName = All.ToDictionary(p => p.Name, StringComparer.Ordinal);

    /// <summary>The entry of an input name, or null when the schema does not hold it.</summary>
    public static PropertySpec? Find(string name) => ByName.GetValueOrDefault(name);

    /// <summary>
    /// The item metadata the mapping reads from list inputs, besides the item's spec: the settings hash covers exactly
    /// these (the targets' transform is checked against this list), so a changed port type or label value rebuilds.
    /// </summary>
    public static IReadOnlyList<string> ItemMetadata { get; } =
    [
        "Type", "Value", "RelativePath", "NuGetPackageId", "NuGetPackageVersion", "MSBuildSourceProjectFile",
        "ReferenceSourceTarget", "AssetType", "ContainerExecutable",
    ];
}
