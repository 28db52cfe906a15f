using Containerize.Core.Building.Plan;
using Containerize.Core.Diagnostics;
using Containerize.Core.Handoff;
using Containerize.Core.Images.Oci;
using Containerize.Core.Images.Store;
using Containerize.Core.Images.Transfer;
using Containerize.Core.Registry;

namespace Containerize.Core.Building.Output;

/// <summary>
/// Sends a finished build's image (already in the store, tagged) to its `--output`s with the existing exporters:
/// an OCI layout (one ref per -t tag), an OCI or docker archive (named by the first -t), the registry of every -t name
/// (one push per repository, its other tags added), or `docker load` / `podman load` (skipped when the daemon has
/// the image ID already). The engine's plain layers are compressed first when an output leaves the machine.
/// </summary>
public static class BuildOutputWriter
{
    public static async Task WriteAsync(OciLayoutStore store, ImageState image, IReadOnlyList<ImageReference> tags, IReadOnlyList<BuildOutput> outputs,
        Platform platform, IDiagnosticSink sink, CancellationToken cancellationToken)
    {
        if (image.Manifest is null) throw new InvalidOperationException("the image is not stored");
        if (outputs.Any(o => o.Kind is BuildOutputKind.OciLayout or BuildOutputKind.OciArchive or BuildOutputKind.Registry))
        {
            // As BuildKit's exporters do, an image that leaves the machine has compressed layers, and every output of one
            // build holds the same manifest: the store's tags move to it too (the image ID, the config, is unchanged).
            var distributed = await ImageCommitter.CompressForDistributionAsync(store, image, cancellationToken).ConfigureAwait(false);
            if (!ReferenceEquals(distributed, image))
            {
                foreach (var tag in tags) await store.TagAsync(tag, distributed.Manifest!, cancellationToken).ConfigureAwait(false);
                image = distributed;
            }
        }

        var manifest = image.Manifest!;
        var first = tags.FirstOrDefault();
        var exporter = new ImageExporter(store, store.IngestPath) { Platform = platform };
        foreach (var output in outputs)
        {
            switch (output.Kind)
            {
                case BuildOutputKind.OciLayout when output.Tag is null && tags.Count > 1:
                    // A layout holds every -t tag (its ref names are bare tags, as skopeo's oci:DIR:TAG reads them).
                    foreach (var tag in tags)
                    {
                        await exporter.ExportAsync(manifest, tag, output.Location! with { Tag = tag.Tag }, cancellationToken).ConfigureAwait(false);
                    }

                    break;
                case BuildOutputKind.OciLayout or BuildOutputKind.OciArchive or BuildOutputKind.DockerArchive:
                    await exporter.ExportAsync(manifest, first, output.Location!, cancellationToken).ConfigureAwait(false);
                    break;
                case BuildOutputKind.Registry:
                    await PushAsync(store, tags, sink, cancellationToken).ConfigureAwait(false);
                    break;
                case BuildOutputKind.Docker or BuildOutputKind.Podman:
                    var result = await DaemonLoader.LoadAsync(output.Kind == BuildOutputKind.Docker ? EngineKind.Docker : EngineKind.Podman,
                        (stream, ct) => exporter.WriteDockerArchiveAsync(manifest, first, stream, ct), image.ConfigDigest?.ToString(),
                        tags.Select(t => t.FamiliarString).ToList(), null, sink, cancellationToken).ConfigureAwait(false);
                    sink.Info(result.Skipped ? $"{output}: already held {image.ShortId}" : $"{output}: loaded {image.ShortId}");
                    continue;
            }

            sink.Info($"exported {image.ShortId} to {output}");
        }
    }

    /// <summary>Fails before the build runs: an output that cannot work whatever the build does.</summary>
    public static void Validate(IReadOnlyList<BuildOutput> outputs, IReadOnlyList<ImageReference> tags)
    {
        if (outputs.Any(o => o.Kind == BuildOutputKind.Registry) && tags.Count == 0)
        {
            throw new ContainerizeException(BuildErrors.BadOutput, "--output registry needs a name to push to",
                hint: "add -t REGISTRY/REPOSITORY:TAG (every -t name is pushed)");
        }
    }

    private static async Task PushAsync(OciLayoutStore store, IReadOnlyList<ImageReference> tags, IDiagnosticSink sink, CancellationToken cancellationToken)
    {
        using var client = new RegistryClient(new RegistryOptions { Sink = sink });
        var pusher = new ImagePusher(client, store);
        foreach (var repository in tags.GroupBy(t => t.Name, StringComparer.Ordinal))
        {
            var name = repository.First();
            var result = await pusher.PushAsync(name, name, repository.Skip(1).Select(t => t.Tag!).ToList(), cancellationToken).ConfigureAwait(false);
            sink.Info($"pushed {string.Join(", ", repository.Select(t => t.FamiliarString))} ({result.Digest}): " +
                $"{result.BlobsUploaded} blob(s) uploaded, {result.BlobsSkipped} already there");
        }
    }
}
