using Containerize.Core.Diagnostics;
using Containerize.Core.Generation;
using Microsoft.Build.Framework;

namespace Containerize.Tasks;

/// <summary>
/// The image build after Publish: maps the project's properties and items onto a <see cref="ProjectModel"/> and its
/// ResolvedFileToPublish items onto <see cref="PublishedFile"/>s, and hands them to Core's <see cref="ContainerPublisher"/>.
/// The SDK's outputs (GeneratedContainer, GeneratedArchiveOutputPath) are set by the targets from the files it writes.
/// </summary>
public sealed class ContainerizeBuild : ContainerizeTask
{
    // --- The project (MSBuild's names)
    [Required] public string ProjectPath { get; set; } = "";
    [Required] public string AssemblyName { get; set; } = "";
    [Required] public string ContainerDirectory { get; set; } = "";
    public string? TargetFileName { get; set; }
    public string? NativeExecutableExtension { get; set; }
    public string? TargetFramework { get; set; }
    public string? TargetFrameworks { get; set; }
    public string? TargetFrameworkIdentifier { get; set; }
    public string? TargetFrameworkVersion { get; set; }
    public string? RuntimeVersion { get; set; }
    public string? SdkVersion { get; set; }
    public string? SdkRuntimeIdentifier { get; set; }
    public string? RuntimeIdentifier { get; set; }
    public string? RuntimeIdentifiers { get; set; }
    public bool IsRidAgnostic { get; set; }
    public bool SelfContained { get; set; }
    public bool PublishAot { get; set; }
    public bool PublishTrimmed { get; set; }
    public bool InvariantGlobalization { get; set; }
    public bool UsingMicrosoftNETSdkWeb { get; set; }
    public bool UsingMicrosoftNETSdkWorker { get; set; }
    public ITaskItem[] FrameworkReferences { get; set; } = [];
    public bool IsPublishable { get; set; } = true;
    public string? OutputType { get; set; }
    public ITaskItem[] ProjectReferences { get; set; } = [];
    public ITaskItem[] RestoreFiles { get; set; } = [];
    public string? SolutionDir { get; set; }
    public ITaskItem[] ResolvedFileToPublish { get; set; } = [];
    public string? ContainerStore { get; set; }
    public string? PublishDir { get; set; }

    // --- Pack metadata (the generated labels)
    public string? Description { get; set; }
    public string? Authors { get; set; }
    public string? PackageProjectUrl { get; set; }
    public string? PackageVersion { get; set; }
    public string? PackageLicenseExpression { get; set; }
    public string? Title { get; set; }
    public bool PublishRepositoryUrl { get; set; }
    public string? RepositoryUrl { get; set; }
    public string? RepositoryType { get; set; }
    public string? SourceRevisionId { get; set; }

    // --- The SDK's container properties and items
    public string? ContainerBaseImage { get; set; }
    public string? ContainerFamily { get; set; }
    public string? ContainerRuntimeIdentifier { get; set; }
    public string? ContainerRuntimeIdentifiers { get; set; }
    public string? ContainerRegistry { get; set; }
    public string? ContainerRepository { get; set; }
    public string? ContainerImageTag { get; set; }
    public string? ContainerImageTags { get; set; }
    public string? ContainerWorkingDirectory { get; set; }
    public string? ContainerUser { get; set; }
    public ITaskItem[] ContainerPort { get; set; } = [];
    public ITaskItem[] ContainerEnvironmentVariable { get; set; } = [];
    public ITaskItem[] ContainerLabel { get; set; } = [];
    public ITaskItem[] ContainerAppCommand { get; set; } = [];
    public ITaskItem[] ContainerAppCommandArgs { get; set; } = [];
    public string? ContainerAppCommandInstruction { get; set; }
    public ITaskItem[] ContainerDefaultArgs { get; set; } = [];
    public ITaskItem[] ContainerEntrypoint { get; set; } = [];
    public ITaskItem[] ContainerEntrypointArgs { get; set; } = [];
    public bool ContainerGenerateLabels { get; set; } = true;
    public bool ContainerGenerateLabelsImageCreated { get; set; } = true;
    public bool ContainerGenerateLabelsImageBaseName { get; set; } = true;
    public bool ContainerGenerateLabelsDotnetToolset { get; set; } = true;
    public string? ContainerDescription { get; set; }
    public string? ContainerAuthors { get; set; }
    public string? ContainerInformationUrl { get; set; }
    public string? ContainerDocumentationUrl { get; set; }
    public string? ContainerVersion { get; set; }
    public string? ContainerLicenseExpression { get; set; }
    public string? ContainerTitle { get; set; }
    public string? ContainerVendor { get; set; }
    public string? ContainerArchiveOutputPath { get; set; }
    public string? ContainerImageFormat { get; set; }
    public string? LocalRegistry { get; set; }

    // --- Containerize's own
    public string? ContainerBuildMode { get; set; }
    public string? ContainerLayering { get; set; }
    public bool ContainerIncludeSymbols { get; set; }
    public string? ContainerBaseImageMirror { get; set; }
    public ITaskItem[] ContainerBuildArg { get; set; } = [];
    public string? ContainerSourceDateEpoch { get; set; }
    public bool ContainerRestoreCaBundleSecret { get; set; }

    public string? ContainerRestoreLocalSource { get; set; }
    public string? ContainerDockerfile { get; set; }
    public string? ContainerBuildContext { get; set; }
    public string? ContainerTarget { get; set; }
    public bool ContainerNoCache { get; set; }
    public string? ContainerBuildEngine { get; set; }
    public string? ContainerBuildNetwork { get; set; }
    public bool ContainerWriteDockerfile { get; set; }
    public bool ContainerOffline { get; set; }
    public string? ContainerEnv { get; set; }
    public string? ContainerLabels { get; set; }
    public string? ContainerPorts { get; set; }

    /// <summary>The native containerize that runs the publish out of MSBuild's process; empty runs it in this process.</summary>
    public string? HostPath { get; set; }

    /// <summary>An inner publish of a multi-RID publish: the image stays in the store; the outer one sends the index.</summary>
    public bool StoreOnly { get; set; }

    /// <summary>
    /// True once the image was built: the result target then sets the SDK's outputs from obj/container without the
    /// "skipped" line. Built here or in the native host, they come from the same files as a skipped publish's.
    /// </summary>
    [Output] public bool Built { get; private set; }

    protected override async System.Threading.Tasks.Task ExecuteAsync(IDiagnosticSink sink, CancellationToken cancellationToken)
    {
        if (!OperatingSystem.IsLinux())
        {
            throw new ContainerizeException(GeneralErrors.Unexpected, "the builtin engine runs on Linux only", ProjectPath,
                hint: "build on Linux, or set ContainerBuildEngine=Docker");
        }

        // MSBuild nodes keep task assemblies loaded: the assembly that really runs, to spot a stale one.
        var tasks = typeof(ContainerizeBuild).Assembly;
        sink.Detail($"Containerize tasks {tasks.GetName().Version} from {tasks.Location}");
        var model = MapProject();
        var files = ResolvedFileToPublish.Select(i => new PublishedFile(
            i.GetMetadata("RelativePath"), i.GetMetadata("FullPath"), Meta(i, "NuGetPackageId"), Meta(i, "NuGetPackageVersion"),
            Meta(i, "MSBuildSourceProjectFile"), Meta(i, "ReferenceSourceTarget"), Meta(i, "AssetType"),
            string.Equals(i.GetMetadata("ContainerExecutable"), "true", StringComparison.OrdinalIgnoreCase))).ToList();
        PhaseTimer.Mark("task: project mapped");
        var request = new ContainerPublishRequest
        {
            Project = model,
            Files = files,
            PublishDirectory = Empty(PublishDir) is { } publishDir ? Path.GetFullPath(publishDir, model.ProjectDirectory) : null,
            ContainerDirectory = Path.GetFullPath(ContainerDirectory, model.ProjectDirectory),
            StorePath = Empty(ContainerStore),
            StoreOnly = StoreOnly,
        };

        if (PublishHostClient.WhyUnusable(HostPath) is { } why)
        {
            sink.Detail($"Publishing in MSBuild's process: {why}");
        }
        else
        {
            var outcome = await new PublishHostClient(HostPath!, sink).RunAsync(request, cancellationToken);
            if (outcome.Ran)
            {
                Built = outcome.Succeeded;
                return;
            }

            sink.Detail($"Publishing in MSBuild's process: {outcome.Why}");
        }

        await new ContainerPublisher(sink).PublishAsync(request, cancellationToken);
        Built = true;
    }

    private ProjectModel MapProject()
    {
        var projectDirectory = Path.GetDirectoryName(Path.GetFullPath(ProjectPath))!;
        return new ProjectModel
        {
            ProjectPath = ProjectPath,
            ContextRoot = ContextRootResolver.Resolve(ContainerBuildContext, SolutionDir, projectDirectory),
            AssemblyName = AssemblyName,
            TargetFileName = Empty(TargetFileName),
            NativeExecutableExtension = NativeExecutableExtension ?? "",
            TargetFramework = Empty(TargetFramework),
            TargetFrameworks = List(TargetFrameworks),
            TargetFrameworkIdentifier = Empty(TargetFrameworkIdentifier) ?? ".NETCoreApp",
            TargetFrameworkVersion = Empty(TargetFrameworkVersion),
            RuntimeVersion = Empty(RuntimeVersion),
            SdkVersion = SdkVersion ?? "",
            SdkRuntimeIdentifier = Empty(SdkRuntimeIdentifier),
            RuntimeIdentifier = Empty(RuntimeIdentifier),
            RuntimeIdentifiers = List(RuntimeIdentifiers),
            IsRidAgnostic = IsRidAgnostic,
            SelfContained = SelfContained,
            PublishAot = PublishAot,
            PublishTrimmed = PublishTrimmed,
            InvariantGlobalization = InvariantGlobalization,
            UsingMicrosoftNETSdkWeb = UsingMicrosoftNETSdkWeb,
            UsingMicrosoftNETSdkWorker = UsingMicrosoftNETSdkWorker,
            FrameworkReferences = FrameworkReferences.Select(i => i.ItemSpec).ToList(),
            IsPublishable = IsPublishable,
            OutputType = OutputType ?? "Exe",
            ProjectReferences = ProjectReferences.Select(i => i.GetMetadata("FullPath")).Distinct(StringComparer.Ordinal).ToList(),
            RestoreFiles = RestoreFiles.Where(i => File.Exists(i.GetMetadata("FullPath"))).Select(i => i.GetMetadata("FullPath")).Distinct(StringComparer.Ordinal).ToList(),
            Metadata = new ProjectMetadata
            {
                Description = Empty(Description),
                Authors = Empty(Authors),
                PackageProjectUrl = Empty(PackageProjectUrl),
                PackageVersion = Empty(PackageVersion),
                PackageLicenseExpression = Empty(PackageLicenseExpression),
                Title = Empty(Title),
                PublishRepositoryUrl = PublishRepositoryUrl,
                RepositoryUrl = Empty(RepositoryUrl),
                RepositoryType = Empty(RepositoryType),
                SourceRevisionId = Empty(SourceRevisionId),
            },
            Container = new ContainerProperties
            {
                ContainerBaseImage = Empty(ContainerBaseImage),
                ContainerFamily = Empty(ContainerFamily),
                ContainerRuntimeIdentifier = Empty(ContainerRuntimeIdentifier),
                ContainerRuntimeIdentifiers = List(ContainerRuntimeIdentifiers),
                ContainerRegistry = Empty(ContainerRegistry),
                ContainerRepository = Empty(ContainerRepository),
                ContainerImageTag = Empty(ContainerImageTag),
                ContainerImageTags = List(ContainerImageTags),
                ContainerWorkingDirectory = Empty(ContainerWorkingDirectory),
                ContainerUser = Empty(ContainerUser),
                ContainerPort = [.. ContainerPort.Select(i => new ContainerPortItem(i.ItemSpec, Meta(i, "Type"))), .. CommandLineItems.ParsePorts(ContainerPorts)],
                ContainerEnvironmentVariable = [.. Pairs(ContainerEnvironmentVariable), .. CommandLineItems.ParsePairs(ContainerEnv, nameof(ContainerEnv), ProjectPath)],
                ContainerLabel = [.. Pairs(ContainerLabel), .. CommandLineItems.ParsePairs(ContainerLabels, nameof(ContainerLabels), ProjectPath)],
                ContainerAppCommand = Specs(ContainerAppCommand),
                ContainerAppCommandArgs = Specs(ContainerAppCommandArgs),
                ContainerAppCommandInstruction = Empty(ContainerAppCommandInstruction),
                ContainerDefaultArgs = Specs(ContainerDefaultArgs),
                ContainerEntrypoint = Specs(ContainerEntrypoint),
                ContainerEntrypointArgs = Specs(ContainerEntrypointArgs),
                ContainerGenerateLabels = ContainerGenerateLabels,
                ContainerGenerateLabelsImageCreated = ContainerGenerateLabelsImageCreated,
                ContainerGenerateLabelsImageBaseName = ContainerGenerateLabelsImageBaseName,
                ContainerGenerateLabelsDotnetToolset = ContainerGenerateLabelsDotnetToolset,
                ContainerDescription = Empty(ContainerDescription),
                ContainerAuthors = Empty(ContainerAuthors),
                ContainerInformationUrl = Empty(ContainerInformationUrl),
                ContainerDocumentationUrl = Empty(ContainerDocumentationUrl),
                ContainerVersion = Empty(ContainerVersion),
                ContainerLicenseExpression = Empty(ContainerLicenseExpression),
                ContainerTitle = Empty(ContainerTitle),
                ContainerVendor = Empty(ContainerVendor),
                ContainerBuildMode = PropertyValues.ParseBuildMode(ContainerBuildMode, ProjectPath),
                ContainerLayering = PropertyValues.ParseLayering(ContainerLayering, ProjectPath),
                ContainerIncludeSymbols = ContainerIncludeSymbols,
                ContainerBaseImageMirror = Empty(ContainerBaseImageMirror),
                ContainerBuildArg = Pairs(ContainerBuildArg),
                ContainerSourceDateEpoch = Empty(ContainerSourceDateEpoch),
                ContainerRestoreCaBundleSecret = ContainerRestoreCaBundleSecret,
                ContainerRestoreLocalSource = string.IsNullOrWhiteSpace(ContainerRestoreLocalSource) ? null : ContainerRestoreLocalSource.Trim(),
                ContainerArchiveOutputPath = Empty(ContainerArchiveOutputPath),
                ContainerImageFormat = Empty(ContainerImageFormat),
                LocalRegistry = Empty(LocalRegistry),
                ContainerDockerfile = Empty(ContainerDockerfile),
                ContainerTarget = Empty(ContainerTarget),
                ContainerNoCache = ContainerNoCache,
                ContainerBuildEngine = Empty(ContainerBuildEngine),
                ContainerBuildNetwork = Empty(ContainerBuildNetwork),
                ContainerWriteDockerfile = ContainerWriteDockerfile,
                ContainerOffline = ContainerOffline,
            },
        };
    }

    private static string? Empty(string? s) => string.IsNullOrWhiteSpace(s) ? null : s.Trim();

    private static string? Meta(ITaskItem item, string name) => Empty(item.GetMetadata(name));

    private static IReadOnlyList<string> List(string? s) => (s ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    private static IReadOnlyList<string> Specs(ITaskItem[] items) => items.Select(i => i.ItemSpec).ToList();

    private static IReadOnlyList<NameValueItem> Pairs(ITaskItem[] items) => items.Select(i => new NameValueItem(i.ItemSpec, i.GetMetadata("Value"))).ToList();
}
