using Containerize.Core.Images.Oci;
using Containerize.Core.Images.Store;
using Containerize.Core.Images.Transfer;
using Containerize.Core.Supply.Referrers;

namespace Containerize.Core.Destinations;

/// <summary>
/// An image's referrers in an OCI layout or archive: the artifact manifests and their blobs, and the referrers tag
/// schema's index under the bare tag <c>sha256-HEX</c> (a layout's ref names are bare tags, as skopeo and oras read
/// them). An index already in the layout is merged, so another tool's referrers stay.
/// </summary>
public static class ReferrersInLayout
{
    public static async Task WriteAsync(OciLayoutStore store, string layoutPath, OutgoingImage image, CancellationToken cancellationToken)
    {
        if (image.Referrers.Count == 0) return;
        var layout = await OciLayoutStore.OpenOrCreateAsync(layoutPath, cancellationToken).ConfigureAwait(false);
        foreach (var artifact in image.Referrers) await ImageCopier.CopyAsync(store, layout, artifact, cancellationToken).ConfigureAwait(false);
        var tag = ReferrersIndex.TagOf(image.Root.Digest);
        var existing = await ReadAsync(layout, tag, cancellationToken).ConfigureAwait(false);
        if (ReferrersIndex.Merge(existing, image.Referrers) is { } index)
        {
            var stored = await layout.PutBlobAsync(OciJson.Serialize(index), MediaTypes.OciIndex, cancellationToken).ConfigureAwait(false);
            await layout.TagAsync(tag, stored, null, cancellationToken).ConfigureAwait(false);
        }

        layout.RemoveEmptyIngest();
    }

    /// <summary>The referrers index an archive carries: stored in the store, to be written beside the image under <see cref="ReferrersIndex.TagOf"/>.</summary>
    public static async Task<(Descriptor Index, string Tag)?> IndexForArchiveAsync(OciLayoutStore store, OutgoingImage image, CancellationToken cancellationToken)
    {
        if (image.Referrers.Count == 0) return null;
        var index = ReferrersIndex.Merge(null, image.Referrers)!;
        var stored = await store.PutBlobAsync(OciJson.Serialize(index), MediaTypes.OciIndex, cancellationToken).ConfigureAwait(false);
        return (stored, ReferrersIndex.TagOf(image.Root.Digest));
    }

    private static async Task<ImageIndex?> ReadAsync(OciLayoutStore layout, string tag, CancellationToken cancellationToken)
    {
        var tagged = (await layout.ReadIndexAsync(cancellationToken).ConfigureAwait(false)).Manifests
            .FirstOrDefault(m => m.Annotation(AnnotationKeys.RefName) == tag);
        if (tagged is null) return null;
        await using var blob = await layout.OpenBlobAsync(tagged.Digest, cancellationToken).ConfigureAwait(false);
        using var buffer = new MemoryStream();
        await blob.CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
        return OciJson.DeserializeIndex(buffer.ToArray(), $"referrers index {tag} in {layout.Root}");
    }
}
