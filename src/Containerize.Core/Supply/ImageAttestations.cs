using Containerize.Core.Images.Oci;
using Containerize.Core.Images.Store;
using Containerize.Core.Supply.Referrers;

namespace Containerize.Core.Supply;

/// <summary>
/// The one way documents get attached to an image in the store: each stored as an artifact manifest whose subject is
/// the image, all listed under the store's referrers tag for the image's repository, so that every destination (push,
/// save, a publish's registry, layout or archive) carries them. The publish and <c>containerize build --sbom</c> both
/// attach through here.
/// </summary>
public static class ImageAttestations
{
    public static async Task<IReadOnlyList<Descriptor>> AttachAsync(IContentStore store, Descriptor subject, ImageReference? name, IReadOnlyList<Artifact> artifacts,
        DateTimeOffset? created, CancellationToken cancellationToken)
    {
        var stored = new List<Descriptor>();
        foreach (var a in artifacts) stored.Add(await Artifacts.StoreAsync(store, subject, a, created, cancellationToken).ConfigureAwait(false));
        if (name is not null && stored.Count > 0) await StoreReferrers.AttachAsync(store, name, subject, stored, cancellationToken).ConfigureAwait(false);
        return stored;
    }

    /// <summary>The store's referrers of <paramref name="subject"/> under <paramref name="name"/>'s repository (push and save carry them).</summary>
    public static async Task<IReadOnlyList<Descriptor>> OfAsync(IContentStore store, ImageReference name, Digest subject, CancellationToken cancellationToken) =>
        (await StoreReferrers.ReadAsync(store, name, subject, cancellationToken).ConfigureAwait(false))?.Manifests ?? [];
}
