using Containerize.Core.Diagnostics;
using Containerize.Core.Images.Layers;
using Containerize.Core.Images.Oci;
using Containerize.Core.Images.Store;

namespace Containerize.Core.Building.Steps;

/// <summary>
/// Writes a step's entries as one reproducible layer straight into the store: by default a plain tar, whose digest is
/// its diff ID, compressed only when the image leaves for a registry (<see cref="DistributionLayers"/>); gzip when the
/// build is a publish (<see cref="Plan.BuildRequest.LayerCompression"/>).
/// </summary>
internal static class LayerStore
{
    public static async Task<StepLayer> WriteAsync(OciLayoutStore store, IEnumerable<LayerEntry> entries, LayerWriterOptions options, LayerCompression compression,
        CancellationToken cancellationToken)
    {
        LayerResult? result = null;
        options = options with { Compression = compression };
        var blob = await store.PutBlobFromWriterAsync(MediaTypes.LayerFor(compression, docker: false), async (stream, ct) =>
        {
            result = await LayerWriter.WriteAsync(entries, stream, options, ct).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
        if (result!.Blob.Digest != blob.Digest)
        {
            throw new ContainerizeException(GeneralErrors.Unexpected, $"the layer writer reported {result.Blob.Digest} but the store got {blob.Digest}",
                hint: "an internal error; report it");
        }

        return new StepLayer(blob, result.DiffId);
    }
}
