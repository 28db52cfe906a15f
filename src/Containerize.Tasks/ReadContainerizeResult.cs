using Containerize.Core.Diagnostics;
using Containerize.Core.Publishing;
using Microsoft.Build.Framework;

namespace Containerize.Tasks;

/// <summary>When the image build was skipped as up to date: the outputs of the last build, from obj/container/image.json.</summary>
public sealed class ReadContainerizeResult : ContainerizeTask
{
    [Required] public string MetadataPath { get; set; } = "";

    /// <summary>Whether the image build ran in this publish (its own summary line is then already in the log).</summary>
    public bool Built { get; set; }

    [Output] public ITaskItem[] GeneratedContainer { get; private set; } = [];
    [Output] public ITaskItem[] GeneratedContainerName { get; private set; } = [];
    [Output] public string? GeneratedArchiveOutputPath { get; private set; }
    [Output] public string? GeneratedContainerMetadata { get; private set; }
    [Output] public string? GeneratedImageIndex { get; private set; }

    protected override async System.Threading.Tasks.Task ExecuteAsync(IDiagnosticSink sink, CancellationToken cancellationToken)
    {
        var path = Path.GetFullPath(MetadataPath);
        var result = await ImageMetadataFile.ReadAsync(path, cancellationToken);
        (GeneratedContainer, GeneratedContainerName, GeneratedArchiveOutputPath, GeneratedContainerMetadata) = ContainerOutputs.From(result, path);
        GeneratedImageIndex = ContainerOutputs.ImageIndex(result, path);
        if (Built) return;
        sink.Info("Container image up to date, image build skipped (nothing changed): " + result.Summary(skipped: true));
    }
}
