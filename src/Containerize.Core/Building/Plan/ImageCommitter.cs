using Containerize.Core.Building.Steps;
using Containerize.Core.Images.Oci;
using Containerize.Core.Images.Store;

namespace Containerize.Core.Building.Plan;

/// <summary>
/// Turns a step's outcome into a stored image: config (diff_ids, history with empty_layer for metadata steps) and
/// manifest. Every time is the epoch, so one Dockerfile and context give one digest wherever they are built.
/// </summary>
public static class ImageCommitter
{
    public static readonly DateTimeOffset Created = DateTimeOffset.UnixEpoch;

    public static async Task<ImageState> CommitAsync(IContentStore store, ImageState parent, StepOutcome outcome, CancellationToken cancellationToken)
    {
        var config = parent.Config with
        {
            Created = Created,
            Author = outcome.Author ?? parent.Config.Author,
            Config = outcome.Config,
            RootFs = new RootFs { DiffIds = outcome.Layer is null ? parent.Config.RootFs.DiffIds : [.. parent.Config.RootFs.DiffIds, outcome.Layer.DiffId] },
            // No text, no entry (BuildKit's ONBUILD): a layer always has one, so history stays aligned with rootfs.
            History = outcome.CreatedBy is null && outcome.Layer is null ? parent.Config.History : [.. parent.Config.History ?? [], new HistoryEntry
            {
                Created = Created,
                CreatedBy = outcome.CreatedBy,
                Comment = "buildkit.dockerfile.v0",
                EmptyLayer = outcome.Layer is null ? true : null,
            }],
        };
        var layers = outcome.Layer is null ? parent.Layers : [.. parent.Layers, outcome.Layer.Blob];
        return await StoreAsync(store, config, layers, cancellationToken).ConfigureAwait(false);
    }

    public static async Task<ImageState> StoreAsync(IContentStore store, ImageConfiguration config, IReadOnlyList<Descriptor> layers, CancellationToken cancellationToken)
    {
        var configBlob = await store.PutBlobAsync(OciJson.Serialize(config), MediaTypes.OciConfig, cancellationToken).ConfigureAwait(false);
        var manifest = new ImageManifest { Config = configBlob, Layers = layers };
        var stored = await store.PutBlobAsync(OciJson.Serialize(manifest), MediaTypes.OciManifest, cancellationToken).ConfigureAwait(false);
        return new ImageState(stored with { Platform = config.Platform }, configBlob.Digest, layers, config);
    }

    /// <summary>The image with its plain layers compressed (<see cref="DistributionLayers"/>); itself when none is plain.</summary>
    public static async Task<ImageState> CompressForDistributionAsync(OciLayoutStore store, ImageState image, CancellationToken cancellationToken)
    {
        var layers = await DistributionLayers.CompressAsync(store, image.Layers, cancellationToken).ConfigureAwait(false);
        return ReferenceEquals(layers, image.Layers) || image.Manifest is null ? image : await StoreAsync(store, image.Config, layers, cancellationToken).ConfigureAwait(false);
    }
}
