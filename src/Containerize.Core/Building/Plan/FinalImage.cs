using Containerize.Core.Images.Oci;
using Containerize.Core.Images.Store;

namespace Containerize.Core.Building.Plan;

/// <summary>
/// The image a build tags, made from its target stage's last state before any tag is written: a stage with no step
/// (FROM scratch alone) stored as an image with no layers; dated with <see cref="BuildRequest.Created"/>; its base's
/// plain layers compressed when the image leaves (<see cref="BuildRequest.LayerCompression"/>). Steps are committed at
/// the epoch because their digests key the cache, so the date is written here, once, and only config and manifest
/// are stored again: no layer work.
/// </summary>
public static class FinalImage
{
    /// <param name="target">The target stage's last state.</param>
    /// <param name="inheritedHistory">How many history entries the target stage started with (its base image's or
    /// base stage's): those keep their times; the entries after them are the stage's own steps.</param>
    public static async Task<ImageState> CreateAsync(
        OciLayoutStore store, ImageState target, int inheritedHistory, DateTimeOffset? created, bool distribute, CancellationToken cancellationToken)
    {
        var layers = distribute ? await DistributionLayers.CompressAsync(store, target.Layers, cancellationToken).ConfigureAwait(false) : target.Layers;
        var config = target.Config;
        if (created is { } time)
        {
            var history = config.History ?? [];
            // A dated image always has a history list, empty when nothing made one (FROM scratch alone).
            config = config with { Created = time, History = history.Select((h, i) => i >= inheritedHistory ? h with { Created = time } : h).ToList() };
        }
        else if (target.Manifest is null)
        {
            config = config with { Created = ImageCommitter.Created };
        }

        if (target.Manifest is not null && ReferenceEquals(config, target.Config) && ReferenceEquals(layers, target.Layers)) return target;
        return await ImageCommitter.StoreAsync(store, config, layers, cancellationToken).ConfigureAwait(false);
    }
}
