using Containerize.Core.Building.Plan;
using Containerize.Core.Images.Layers;
using Containerize.Core.Images.Store;

namespace Containerize.Core.Building.Steps;

/// <summary>
/// Applies an image's layers keeping only a <see cref="SourceScope"/>'s paths. The layers are still read end to end
/// (they are compressed streams), but nothing outside the scope is written, nor deleted afterwards.
/// </summary>
internal static class ScopedExtraction
{
    /// <summary>False when the partial tree could differ from the full one: the caller discards the folder and extracts everything.</summary>
    public static async Task<bool> TryExtractAsync(OciLayoutStore store, ImageState image, SourceScope scope, string folder, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(folder);
        var filter = scope.NewFilter();
        var options = new LayerApplyOptions { Include = filter.Include };
        foreach (var layer in image.Layers)
        {
            await using var blob = await store.OpenBlobAsync(layer.Digest, cancellationToken).ConfigureAwait(false);
            try
            {
                await LayerApplier.ApplyAsync(folder, blob, options, cancellationToken: cancellationToken).ConfigureAwait(false);
            }
            catch (Diagnostics.ContainerizeException) when (filter.Unsafe)
            {
                // A file above a prefix can make a later entry fail here; the full extraction reports what is really wrong.
                return false;
            }
            if (filter.Unsafe) return false;
        }

        Diagnostics.PhaseTimer.Mark("COPY --from: scoped extraction");
        return true;
    }
}
