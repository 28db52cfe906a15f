using Containerize.Core.Diagnostics;
using Containerize.Core.Generation;
using Microsoft.Build.Framework;

namespace Containerize.Tasks;

/// <summary>
/// The outer publish of several container RIDs, after the inner publishes: maps the properties onto Core's
/// <see cref="MultiPlatformPublisher"/>, which writes, tags and sends the image index (the SDK's CreateImageIndex).
/// </summary>
public sealed class ContainerizeIndex : ContainerizeTask
{
    [Required] public string ProjectPath { get; set; } = "";
    [Required] public string ContainerDirectory { get; set; } = "";
    [Required] public string AssemblyName { get; set; } = "";
    [Required] public ITaskItem[] RuntimeIdentifiers { get; set; } = [];
    public string? ContainerStore { get; set; }
    public string? ContainerRegistry { get; set; }
    public string? ContainerRepository { get; set; }
    public string? ContainerImageTag { get; set; }
    public string? ContainerImageTags { get; set; }
    public string? ContainerArchiveOutputPath { get; set; }
    public string? ContainerImageFormat { get; set; }
    public string? LocalRegistry { get; set; }
    public bool ContainerOffline { get; set; }

    /// <summary>True once the index was written: tells the result target that the publish did not skip.</summary>
    [Output] public bool Built { get; private set; }

    protected override async System.Threading.Tasks.Task ExecuteAsync(IDiagnosticSink sink, CancellationToken cancellationToken)
    {
        var projectDirectory = Path.GetDirectoryName(Path.GetFullPath(ProjectPath))!;
        await new MultiPlatformPublisher(sink).PublishAsync(new MultiPlatformPublishRequest
        {
            ProjectPath = ProjectPath,
            ContainerDirectory = Path.GetFullPath(ContainerDirectory, projectDirectory),
            RuntimeIdentifiers = RuntimeIdentifiers.Select(i => i.ItemSpec.Trim()).Where(r => r.Length > 0).ToList(),
            AssemblyName = AssemblyName,
            ContainerRepository = Empty(ContainerRepository),
            ContainerImageTag = Empty(ContainerImageTag),
            ContainerImageTags = (ContainerImageTags ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
            ContainerRegistry = Empty(ContainerRegistry),
            ContainerArchiveOutputPath = Empty(ContainerArchiveOutputPath),
            ContainerImageFormat = Empty(ContainerImageFormat),
            LocalRegistry = Empty(LocalRegistry),
            ContainerOffline = ContainerOffline,
            StorePath = Empty(ContainerStore),
        }, cancellationToken);
        Built = true;
    }

    private static string? Empty(string? s) => string.IsNullOrWhiteSpace(s) ? null : s.Trim();
}
