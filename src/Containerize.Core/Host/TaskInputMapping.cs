using Containerize.Core.Diagnostics;
using Containerize.Core.Generation;
using Containerize.Core.Publishing;

namespace Containerize.Core.Host;

/// <summary>
/// The one mapping from the package's task inputs (MSBuild's names, <see cref="TaskInputs"/>) onto Core's requests:
/// the net10.0 task runs it in MSBuild's process, the host (<c>containerize msbuild-host --inputs</c>) runs it for the
/// netstandard2.0 task of an MSBuild that cannot load net10.0. Every name the targets pass must be read here: one
/// that is not (a typo, or targets of another version) is CTZ6036, not a silently ignored setting.
/// </summary>
public static class TaskInputMapping
{
    public static ContainerPublishRequest ToPublishRequest(TaskInputs inputs)
    {
        var r = new Reader(inputs);
        var projectPath = r.Required("ProjectPath");
        var projectDirectory = Path.GetDirectoryName(Path.GetFullPath(projectPath))!;
        var model = new ProjectModel
        {
            ProjectPath = projectPath,
            ContextRoot = ContextRootResolver.Resolve(r.Value("ContainerBuildContext"), r.Value("SolutionDir"), projectDirectory),
            AssemblyName = r.Required("AssemblyName"),
            TargetFileName = r.Value("TargetFileName"),
            NativeExecutableExtension = r.Value("NativeExecutableExtension") ?? "",
            TargetFramework = r.Value("TargetFramework"),
            TargetFrameworks = r.Split("TargetFrameworks"),
            TargetFrameworkIdentifier = r.ValueOrDefault("TargetFrameworkIdentifier"),
            TargetFrameworkVersion = r.Value("TargetFrameworkVersion"),
            SdkVersion = r.Value("SdkVersion") ?? "",
            SdkRuntimeIdentifier = r.Value("SdkRuntimeIdentifier"),
            RuntimeIdentifier = r.Value("RuntimeIdentifier"),
            RuntimeIdentifiers = r.Split("RuntimeIdentifiers"),
            IsRidAgnostic = r.Bool("IsRidAgnostic"),
            SelfContained = r.Bool("SelfContained"),
            PublishAot = r.Bool("PublishAot"),
            PublishTrimmed = r.Bool("PublishTrimmed"),
            InvariantGlobalization = r.Bool("InvariantGlobalization"),
            UsingMicrosoftNETSdkWeb = r.Bool("UsingMicrosoftNETSdkWeb"),
            FrameworkReferences = r.List("FrameworkReferences").Select(i => i.Spec).ToList(),
            IsPublishable = r.Bool("IsPublishable"),
            OutputType = r.ValueOrDefault("OutputType"),
            ProjectReferences = r.List("ProjectReferences").Select(FullPath).Distinct(StringComparer.Ordinal).ToList(),
            ProjectAssetsFile = r.Value("ProjectAssetsFile") is { Length: > 0 } assets ? Path.GetFullPath(assets, projectDirectory) : null,
            RestoreFiles = r.List("RestoreFiles").Select(FullPath).Where(File.Exists).Distinct(StringComparer.Ordinal).ToList(),
            Metadata = new ProjectMetadata
            {
                Description = r.Value("Description"),
                Authors = r.Value("Authors"),
                PackageProjectUrl = r.Value("PackageProjectUrl"),
                PackageVersion = r.Value("PackageVersion"),
                PackageLicenseExpression = r.Value("PackageLicenseExpression"),
                Title = r.Value("Title"),
                PublishRepositoryUrl = r.Bool("PublishRepositoryUrl"),
                RepositoryUrl = r.Value("RepositoryUrl"),
                RepositoryType = r.Value("RepositoryType"),
                SourceRevisionId = r.Value("SourceRevisionId"),
            },
            Container = new ContainerProperties
            {
                ContainerBaseImage = r.Value("ContainerBaseImage"),
                ContainerFamily = r.Value("ContainerFamily"),
                ContainerRuntimeIdentifier = r.Value("ContainerRuntimeIdentifier"),
                ContainerRuntimeIdentifiers = r.Split("ContainerRuntimeIdentifiers"),
                ContainerRegistry = r.Value("ContainerRegistry"),
                ContainerRepository = r.Value("ContainerRepository"),
                ContainerImageTag = r.Value("ContainerImageTag"),
                ContainerImageTags = r.Split("ContainerImageTags"),
                ContainerWorkingDirectory = r.Value("ContainerWorkingDirectory"),
                ContainerUser = r.Value("ContainerUser"),
                ContainerPort = [.. r.List("ContainerPort").Select(i => new ContainerPortItem(i.Spec, i.Meta("Type"))), .. CommandLineItems.ParsePorts(r.Value("ContainerPorts"))],
                ContainerEnvironmentVariable = [.. Pairs(r.List("ContainerEnvironmentVariable")), .. CommandLineItems.ParsePairs(r.Value("ContainerEnv"), "ContainerEnv", projectPath)],
                ContainerLabel = [.. Pairs(r.List("ContainerLabel")), .. CommandLineItems.ParsePairs(r.Value("ContainerLabels"), "ContainerLabels", projectPath)],
                ContainerAppCommand = Specs(r.List("ContainerAppCommand")),
                ContainerAppCommandArgs = Specs(r.List("ContainerAppCommandArgs")),
                ContainerAppCommandInstruction = r.Value("ContainerAppCommandInstruction"),
                ContainerDefaultArgs = Specs(r.List("ContainerDefaultArgs")),
                ContainerEntrypoint = Specs(r.List("ContainerEntrypoint")),
                ContainerEntrypointArgs = Specs(r.List("ContainerEntrypointArgs")),
                ContainerGenerateLabels = r.Bool("ContainerGenerateLabels"),
                ContainerGenerateLabelsImageCreated = r.Bool("ContainerGenerateLabelsImageCreated"),
                ContainerGenerateLabelsImageBaseName = r.Bool("ContainerGenerateLabelsImageBaseName"),
                ContainerGenerateLabelsDotnetToolset = r.Bool("ContainerGenerateLabelsDotnetToolset"),
                ContainerDescription = r.Value("ContainerDescription"),
                ContainerAuthors = r.Value("ContainerAuthors"),
                ContainerInformationUrl = r.Value("ContainerInformationUrl"),
                ContainerDocumentationUrl = r.Value("ContainerDocumentationUrl"),
                ContainerVersion = r.Value("ContainerVersion"),
                ContainerLicenseExpression = r.Value("ContainerLicenseExpression"),
                ContainerTitle = r.Value("ContainerTitle"),
                ContainerVendor = r.Value("ContainerVendor"),
                ContainerBuildMode = PropertyValues.ParseBuildMode(r.Value("ContainerBuildMode"), projectPath),
                ContainerLayering = PropertyValues.ParseLayering(r.Value("ContainerLayering"), projectPath),
                ContainerIncludeSymbols = r.Bool("ContainerIncludeSymbols"),
                ContainerSbom = r.Bool("ContainerSbom"),
                ContainerSbomFormat = r.Value("ContainerSbomFormat"),
                ContainerProvenance = r.Bool("ContainerProvenance"),
                ContainerAttestationsRequired = r.Bool("ContainerAttestationsRequired"),
                ContainerSigningKey = r.Value("ContainerSigningKey") is { Length: > 0 } key ? Path.GetFullPath(key, projectDirectory) : null,
                ContainerSigningKeyPasswordVariable = r.Value("ContainerSigningKeyPasswordVariable"),
                ContainerBaseImageMirror = r.Value("ContainerBaseImageMirror"),
                ContainerBuildArg = Pairs(r.List("ContainerBuildArg")),
                ContainerSourceDateEpoch = r.Value("ContainerSourceDateEpoch"),
                ContainerRestoreCaBundleSecret = r.Bool("ContainerRestoreCaBundleSecret"),
                ContainerRestoreLocalSource = r.Value("ContainerRestoreLocalSource"),
                ContainerArchiveOutputPath = r.Value("ContainerArchiveOutputPath"),
                ContainerImageFormat = r.Value("ContainerImageFormat"),
                LocalRegistry = r.Value("LocalRegistry"),
                ContainerDockerfile = r.Value("ContainerDockerfile"),
                ContainerTarget = r.Value("ContainerTarget"),
                ContainerNoCache = r.Bool("ContainerNoCache"),
                ContainerBuildEngine = r.Value("ContainerBuildEngine"),
                ContainerBuildNetwork = r.Value("ContainerBuildNetwork"),
                ContainerWriteDockerfile = r.Bool("ContainerWriteDockerfile"),
                ContainerOffline = r.Bool("ContainerOffline"),
            },
        };
        var files = r.List("ResolvedFileToPublish").Select(i => new PublishedFile(
            i.Metadata.GetValueOrDefault("RelativePath", ""), FullPath(i), i.Meta("NuGetPackageId"), i.Meta("NuGetPackageVersion"),
            i.Meta("MSBuildSourceProjectFile"), i.Meta("ReferenceSourceTarget"), i.Meta("AssetType"),
            string.Equals(i.Meta("ContainerExecutable"), "true", StringComparison.OrdinalIgnoreCase))).ToList();
        var request = new ContainerPublishRequest
        {
            Project = model,
            Files = files,
            PublishDirectory = r.Value("PublishDir") is { } publishDir ? Path.GetFullPath(publishDir, projectDirectory) : null,
            ContainerDirectory = Path.GetFullPath(r.Required("ContainerDirectory"), projectDirectory),
            StorePath = r.Value("ContainerStore"),
            StoreOnly = r.Bool("StoreOnly"),
        };
        r.CheckAllRead(projectPath);
        return request;
    }

    public static MultiPlatformPublishRequest ToIndexRequest(TaskInputs inputs)
    {
        var r = new Reader(inputs);
        var projectPath = r.Required("ProjectPath");
        var projectDirectory = Path.GetDirectoryName(Path.GetFullPath(projectPath))!;
        var request = new MultiPlatformPublishRequest
        {
            ProjectPath = projectPath,
            ContainerDirectory = Path.GetFullPath(r.Required("ContainerDirectory"), projectDirectory),
            RuntimeIdentifiers = r.List("RuntimeIdentifiers").Select(i => i.Spec.Trim()).Where(s => s.Length > 0).ToList(),
            AssemblyName = r.Required("AssemblyName"),
            ContainerRepository = r.Value("ContainerRepository"),
            ContainerImageTag = r.Value("ContainerImageTag"),
            ContainerImageTags = r.Split("ContainerImageTags"),
            ContainerRegistry = r.Value("ContainerRegistry"),
            ContainerArchiveOutputPath = r.Value("ContainerArchiveOutputPath"),
            ContainerImageFormat = r.Value("ContainerImageFormat"),
            LocalRegistry = r.Value("LocalRegistry"),
            ContainerOffline = r.Bool("ContainerOffline"),
            StorePath = r.Value("ContainerStore"),
        };
        r.CheckAllRead(projectPath);
        return request;
    }

    // MSBuild computes FullPath for every item; the host gets it as metadata.
    private static string FullPath(TaskInputItem i) => i.Meta("FullPath") ?? Path.GetFullPath(i.Spec);

    private static IReadOnlyList<string> Specs(IReadOnlyList<TaskInputItem> items) => items.Select(i => i.Spec).ToList();

    private static IReadOnlyList<NameValueItem> Pairs(IReadOnlyList<TaskInputItem> items) =>
        items.Select(i => new NameValueItem(i.Spec, i.Metadata.GetValueOrDefault("Value", ""))).ToList();

    /// <summary>Reads inputs by name and remembers which were read, so that an unread one can be reported.</summary>
    private sealed class Reader(TaskInputs inputs)
    {
        private readonly HashSet<string> _read = new(StringComparer.Ordinal);

        public string? Value(string name)
        {
            Read(name);
            return inputs.Values.TryGetValue(name, out var v) && !string.IsNullOrWhiteSpace(v) ? v.Trim() : null;
        }

        /// <summary>The value, else the schema's default (the one place defaults are written).</summary>
        public string ValueOrDefault(string name) => Value(name) ?? Spec(name).Default
            ?? throw new InvalidOperationException($"the schema gives {name} no default");

        // Every name read is in PropertySchema: a name only the mapping knows would escape the settings-hash and
        // README checks, which are made from the schema.
        private void Read(string name)
        {
            _ = Spec(name);
            _read.Add(name);
        }

        private static PropertySpec Spec(string name) => PropertySchema.Find(name)
            ?? throw new InvalidOperationException($"the task input {name} is not in PropertySchema");

        public string Required(string name) => Value(name) ?? throw new ContainerizeException(GeneralErrors.BadArguments,
            $"the task input {name} is empty", hint: "the package's targets always pass it; check that the project imports Containerize.Sdk once");

        public IReadOnlyList<string> Split(string name) =>
            (Value(name) ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

        /// <summary>As MSBuild converts a boolean task parameter (true/on/yes, false/off/no, '!' negates), blank is the default.</summary>
        public bool Bool(string name)
        {
            var v = Value(name);
            if (v is null) return bool.Parse(Spec(name).Default ?? throw new InvalidOperationException($"the schema gives {name} no default"));
            var negate = v.StartsWith('!');
            var word = negate ? v[1..].Trim() : v;
            bool? parsed = word.ToLowerInvariant() switch
            {
                "true" or "on" or "yes" => true,
                "false" or "off" or "no" => false,
                _ => null,
            };
            if (parsed is { } b) return negate ? !b : b;
            throw new ContainerizeException(GenerationErrors.InvalidPropertyValue, $"{name} has the invalid value '{v}'",
                inputs.Values.GetValueOrDefault("ProjectPath"), hint: "use true or false");
        }

        public IReadOnlyList<TaskInputItem> List(string name)
        {
            Read(name);
            return inputs.Lists.TryGetValue(name, out var items) ? items : [];
        }

        public void CheckAllRead(string projectPath)
        {
            var unread = inputs.Values.Keys.Concat(inputs.Lists.Keys).Where(n => !_read.Contains(n)).Order(StringComparer.Ordinal).ToList();
            if (unread.Count == 0) return;
            throw new ContainerizeException(GenerationErrors.UnknownTaskInput,
                $"{inputs.Task} does not know the input{(unread.Count == 1 ? "" : "s")} {string.Join(", ", unread)}", projectPath,
                hint: "the package's targets and tasks come from different versions of Containerize.Sdk: restore again, and with a local package clear it from the NuGet cache");
        }
    }
}
