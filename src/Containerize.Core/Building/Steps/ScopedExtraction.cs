using Containerize.Core.Building.Plan;
using Containerize.Core.Images.Layers;
using Containerize.Core.Images.Store;

namespace Containerize.Core.Building.Steps;

/// <summary>
/// Applies an image's layers keeping only a <see cref="SourceScope"/>'s paths. A layer is a compressed stream, so
/// keeping part of it still means reading all of it; a layer whose <see cref="LayerPathIndex"/> shows it cannot reach
/// the scope is not read at all. The index is written the first time a layer is read here.
/// </summary>
internal static class ScopedExtraction
{
    /// <summary>False when the partial tree could differ from the full one: the caller discards the folder and extracts everything.</summary>
    public static async Task<bool> TryExtractAsync(OciLayoutStore store, ImageState image, SourceScope scope, string folder, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(folder);
        var filter = scope.NewFilter();
        var reach = new ScopeReach(scope.FirstComponents);
        var skipped = 0;
        foreach (var layer in image.Layers)
        {
            var index = await LayerPathIndex.TryReadAsync(store, layer.Digest, cancellationToken).ConfigureAwait(false);
            if (index is not null && reach.CanSkip(index))
            {
                filter.AddLinks(index);
                skipped++;
                continue;
            }

            var collector = index is null ? new LayerPathIndex.Collector() : null;
            var options = new LayerApplyOptions
            {
                Include = collector is null ? filter.Include : info =>
                {
                    collector.Add(info);
                    return filter.Include(info);
                },
            };
            await using (var blob = await store.OpenLayerAsync(layer, cancellationToken: cancellationToken).ConfigureAwait(false))
            {
                try
                {
                    // The digest names the layer in an error about one of its entries (and is checked on the way).
                    await LayerApplier.ApplyAsync(folder, blob, options, expectedDigest: layer.Digest, cancellationToken: cancellationToken).ConfigureAwait(false);
                }
                catch (Diagnostics.ContainerizeException) when (filter.Unsafe)
                {
                    // A file above a prefix can make a later entry fail here; the full extraction reports what is really wrong.
                    return false;
                }
            }

            if (collector is not null)
            {
                index = collector.ToIndex();
                await TryWriteAsync(index, store, layer.Digest, cancellationToken).ConfigureAwait(false);
            }

            reach.Add(index!);
            if (filter.Unsafe) return false;
        }

        Diagnostics.PhaseTimer.Mark($"COPY --from: scoped extraction ({skipped}/{image.Layers.Count} layers skipped)");
        return true;
    }

    private static async Task TryWriteAsync(LayerPathIndex index, OciLayoutStore store, Images.Oci.Digest digest, CancellationToken cancellationToken)
    {
        try
        {
            await index.WriteAsync(store, digest, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The index only saves time later; a read-only or full store must not fail the build.
        }
    }
}
