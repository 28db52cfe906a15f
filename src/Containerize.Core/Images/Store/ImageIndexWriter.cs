using Containerize.Core.Images.Oci;

namespace Containerize.Core.Images.Store;

/// <summary>
/// Writes an OCI image index over manifests already in the store. The entries keep the order given (the caller's
/// platform order), with no annotations and no time: the same manifests in the same order always give the same
/// index digest. The blob goes through <see cref="OciLayoutStore.PutBlobAsync(ReadOnlyMemory{byte}, string, CancellationToken)"/>,
/// which verifies the digest and renames a complete file into place.
/// </summary>
public static class ImageIndexWriter
{
    public static async Task<Descriptor> WriteAsync(OciLayoutStore store, IReadOnlyList<Descriptor> manifests, CancellationToken cancellationToken = default)
    {
        if (manifests.Count == 0) throw new ArgumentException("an index needs at least one manifest", nameof(manifests));
        var entries = new List<Descriptor>(manifests.Count);
        foreach (var m in manifests)
        {
            if (m.Platform is null) throw new ArgumentException($"the manifest {m.Digest} has no platform", nameof(manifests));
            if (!await store.HasBlobAsync(m.Digest, cancellationToken).ConfigureAwait(false)) throw store.BlobMissing(m.Digest);
            // Callers check the platforms with their own coded error; two entries for one platform are a bug here.
            if (entries.Any(e => e.Platform!.Matches(m.Platform))) throw new ArgumentException($"two manifests for {m.Platform}", nameof(manifests));

            // Only what the spec's entry needs: a manifest's own annotations (ref names) do not belong in the index.
            entries.Add(new Descriptor { MediaType = m.MediaType, Digest = m.Digest, Size = m.Size, Platform = m.Platform });
        }

        var bytes = OciJson.Serialize(new ImageIndex { MediaType = MediaTypes.OciIndex, Manifests = entries });
        return await store.PutBlobAsync(bytes, MediaTypes.OciIndex, cancellationToken).ConfigureAwait(false);
    }
}
