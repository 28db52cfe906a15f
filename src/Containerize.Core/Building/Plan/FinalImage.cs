using Containerize.Core.Images.Store;

namespace Containerize.Core.Building.Plan;

/// <summary>
/// The image a build tags, made from its target stage's last state before any tag is written: a stage with no step
/// (FROM scratch alone) is stored as an image with no layers.
/// </summary>
public static class FinalImage
{
    public static async Task<ImageState> CreateAsync(OciLayoutStore store, ImageState target, CancellationToken cancellationToken) =>
        target.Manifest is not null ? target
            : await ImageCommitter.StoreAsync(store, target.Config with { Created = ImageCommitter.Created }, [], cancellationToken).ConfigureAwait(false);
}
