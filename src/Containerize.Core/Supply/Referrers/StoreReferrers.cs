using Containerize.Core.Images.Oci;
using Containerize.Core.Images.Store;

namespace Containerize.Core.Supply.Referrers;

/// <summary>
/// Referrers in the local store or an OCI layout: the tag schema's index under <c>REPOSITORY:sha256-HEX</c>, so the
/// store's own tags keep the artifacts (the pruner keeps what a tag reaches) and every destination finds them.
/// </summary>
public static class StoreReferrers
{
    public static async Task AttachAsync(IContentStore store, ImageReference repository, Descriptor subject, IReadOnlyList<Descriptor> artifacts, CancellationToken cancellationToken)
    {
        var name = repository.WithTag(ReferrersIndex.TagOf(subject.Digest));
        var existing = await ReadAsync(store, repository, subject.Digest, cancellationToken).ConfigureAwait(false);
        if (ReferrersIndex.Merge(existing, artifacts) is not { } index) return;
        var stored = await store.PutBlobAsync(OciJson.Serialize(index), MediaTypes.OciIndex, cancellationToken).ConfigureAwait(false);
        await store.TagAsync(name, stored, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The referrers index of <paramref name="subject"/> in <paramref name="repository"/>, or null.</summary>
    public static async Task<ImageIndex?> ReadAsync(IContentStore store, ImageReference repository, Digest subject, CancellationToken cancellationToken)
    {
        var tagged = await store.ResolveAsync(repository.WithTag(ReferrersIndex.TagOf(subject)), cancellationToken).ConfigureAwait(false);
        if (tagged is null) return null;
        return OciJson.DeserializeIndex(await store.ReadBlobBytesAsync(tagged, cancellationToken).ConfigureAwait(false), $"referrers index {repository.WithTag(ReferrersIndex.TagOf(subject))}");
    }
}
