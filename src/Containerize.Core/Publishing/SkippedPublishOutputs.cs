using Containerize.Core.Generation;

namespace Containerize.Core.Publishing;

/// <summary>
/// obj/container/outputs.txt: the outputs of the last image build as <c>key=value</c> lines, which the targets read
/// with property functions after every single-image publish, built (in MSBuild's process or in the native host) or
/// skipped as up to date. A skipped publish then loads no custom task, no Containerize.Core and no JSON parser; the
/// manifest and config JSON are read as they are from their own files.
/// </summary>
public static class SkippedPublishOutputs
{
    public const string FileName = "outputs.txt";

    public static async Task WriteAsync(string containerDirectory, ContainerImageResult r, CancellationToken cancellationToken)
    {
        var text = string.Join('\n',
            Line("reference", r.Reference),
            Line("names", string.Join(';', r.Names)),
            Line("manifestDigest", r.ManifestDigest),
            Line("manifestMediaType", r.ManifestMediaType),
            Line("imageId", r.ImageId),
            Line("archive", r.ArchivePath),
            Line("skippedSummary", r.Summary(skipped: true))) + "\n";
        var path = Path.Combine(containerDirectory, FileName);
        if (!await OutputFiles.WriteTextIfChangedAsync(path, text, cancellationToken))
        {
            // Same content: still move its time, it is one of the output stamps MSBuild compares the inputs with.
            File.SetLastWriteTimeUtc(path, DateTime.UtcNow);
        }
    }

    // One line per value: a line break inside one would end it early, so none is kept.
    private static string Line(string key, string? value) => $"{key}={(value ?? "").ReplaceLineEndings(" ")}";
}
