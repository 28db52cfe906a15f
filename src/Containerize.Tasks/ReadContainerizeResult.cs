using Containerize.Core.Diagnostics;
using Containerize.Core.Publishing;
using Microsoft.Build.Framework;

namespace Containerize.Tasks;

/// <summary>
/// The SDK's outputs after every publish, built or skipped as up to date, one RID or several: read from the one result
/// file, obj/container/image.json, by Core's <see cref="ImageMetadataFile"/> (the only reader of it).
/// </summary>
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

    // The SDK's single-image outputs (its CreateNewImage task's), which tools such as azd read with -getProperty.
    [Output] public string? GeneratedContainerManifest { get; private set; }
    [Output] public string? GeneratedContainerConfiguration { get; private set; }
    [Output] public string? GeneratedContainerDigest { get; private set; }
    [Output] public string? GeneratedContainerMediaType { get; private set; }

    protected override async System.Threading.Tasks.Task ExecuteAsync(IDiagnosticSink sink, CancellationToken cancellationToken)
    {
        var path = Path.GetFullPath(MetadataPath);
        var result = await ImageMetadataFile.ReadAsync(path, cancellationToken);
        (GeneratedContainer, GeneratedContainerName, GeneratedArchiveOutputPath, GeneratedContainerMetadata) = ContainerOutputs.From(result, path);
        GeneratedImageIndex = ContainerOutputs.ImageIndex(result, path);
        if (result.Platforms.Count == 0)
        {
            GeneratedContainerManifest = GeneratedContainer[0].GetMetadata("Manifest");
            GeneratedContainerConfiguration = GeneratedContainer[0].GetMetadata("Configuration");
            GeneratedContainerDigest = result.ManifestDigest;
            GeneratedContainerMediaType = result.ManifestMediaType;
        }

        if (Built) return;
        sink.Info("Container image up to date, image build skipped (nothing changed): " + result.Summary(skipped: true));
    }
}
