using Containerize.Core.Images.Oci;
using Containerize.Core.Images.Store;
using Containerize.Core.Images.Transfer;
using Containerize.Core.Supply.Referrers;

namespace Containerize.Core.Destinations;

/// <summary>
/// An image's referrers in an OCI layout: the artifact manifests and their blobs, and the referrers tag schema's index
/// under the bare tag <c>sha256-HEX</c> (a layout's ref names are bare tags, as skopeo and oras read them). An index
/// already in the layout is merged, so another tool's referrers stay. An OCI archive does not get them: it is one image
/// for `docker load`, `podman load` and skopeo, which refuse an index.json of two entries without a name.
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

    private static async Task<ImageIndex?> ReadAsync(OciLayoutStore layout, string tag, CancellationToken cancellationToken)
    {
        var tagged = (await layout.ReadIndexAsync(cancellationToken).ConfigureAwait(false)).Manifests
            .FirstOrDefault(m => m.Annotation(AnnotationKeys.RefName) == tag);
        if (tagged is null) return null;
        return OciJson.DeserializeIndex(await layout.ReadBlobBytesAsync(tagged, cancellationToken).ConfigureAwait(false), $"referrers index {tag} in {layout.Root}");
    }
}
