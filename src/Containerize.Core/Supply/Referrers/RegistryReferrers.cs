using Containerize.Core.Images.Oci;
using Containerize.Core.Images.Store;
using Containerize.Core.Registry;

namespace Containerize.Core.Supply.Referrers;

/// <summary>What attaching did at one registry repository: bytes and manifests sent, and whether the tag schema was used.</summary>
public sealed record AttachResult(long BytesUploaded, int ManifestsPushed, bool UsedTagSchema);

/// <summary>
/// Artifacts to and from a registry. Each artifact manifest is pushed by digest after its blobs (skipped when the
/// registry has it: a publish with nothing changed sends nothing); a registry with the referrers API indexes them by
/// their subject itself, one without it (distribution 2.8) gets the referrers tag schema's index, read, merged and
/// written only when it changed.
/// </summary>
/// <param name="store">Where pushed artifacts are read from; listing needs none.</param>
public sealed class RegistryReferrers(RegistryClient client, IContentStore? store = null)
{
    public async Task<AttachResult> PushAsync(ImageReference repository, Descriptor subject, IReadOnlyList<Descriptor> artifacts, CancellationToken cancellationToken)
    {
        long bytes = 0;
        var pushed = 0;
        foreach (var artifact in artifacts)
        {
            var target = repository.ByDigest(artifact.Digest);
            if (await client.HeadManifestAsync(target, RegistryMode.Push, cancellationToken).ConfigureAwait(false) is not null) continue;
            var manifestBytes = await (store ?? throw new InvalidOperationException("pushing needs the store")).ReadBlobBytesAsync(artifact, cancellationToken).ConfigureAwait(false);
            var manifest = OciJson.DeserializeManifest(manifestBytes);
            foreach (var blob in manifest.Layers.Prepend(manifest.Config).DistinctBy(b => b.Digest))
            {
                bytes += await client.PushBlobAsync(repository.Registry, repository.Repository, blob, store!, cancellationToken: cancellationToken).ConfigureAwait(false);
            }

            await client.PutManifestAsync(target, manifestBytes, MediaTypes.OciManifest, cancellationToken).ConfigureAwait(false);
            bytes += manifestBytes.Length;
            pushed++;
        }

        if (await client.GetReferrersAsync(repository, subject.Digest, RegistryMode.Push, cancellationToken).ConfigureAwait(false) is { } listed
            && artifacts.All(a => listed.Manifests.Any(m => m.Digest == a.Digest)))
        {
            // The registry indexed the subjects itself (OCI 1.1): no tag to maintain.
            return new AttachResult(bytes, pushed, UsedTagSchema: false);
        }

        var tag = repository.WithTag(ReferrersIndex.TagOf(subject.Digest));
        var existing = await ReadIndexAsync(tag, cancellationToken).ConfigureAwait(false);
        if (ReferrersIndex.Merge(existing, artifacts) is { } index)
        {
            var content = OciJson.Serialize(index);
            await client.PutManifestAsync(tag, content, MediaTypes.OciIndex, cancellationToken).ConfigureAwait(false);
            bytes += content.Length;
        }

        return new AttachResult(bytes, pushed, UsedTagSchema: true);
    }

    /// <summary>The referrers of <paramref name="subject"/>: from the referrers API, else from the tag schema's index.</summary>
    public async Task<ImageIndex?> ListAsync(ImageReference repository, Digest subject, CancellationToken cancellationToken)
    {
        var api = await client.GetReferrersAsync(repository, subject, RegistryMode.Pull, cancellationToken).ConfigureAwait(false);
        if (api is { Manifests.Count: > 0 }) return api;
        return await ReadIndexAsync(repository.WithTag(ReferrersIndex.TagOf(subject)), cancellationToken).ConfigureAwait(false) ?? api;
    }

    private async Task<ImageIndex?> ReadIndexAsync(ImageReference tag, CancellationToken cancellationToken)
    {
        if (await client.HeadManifestAsync(tag, RegistryMode.Pull, cancellationToken).ConfigureAwait(false) is null) return null;
        var response = await client.GetManifestAsync(tag, cancellationToken).ConfigureAwait(false);
        if (!MediaTypes.IsIndex(response.MediaType))
        {
            throw new Diagnostics.ContainerizeException(SupplyErrors.MalformedReferrer, $"{tag} is a {response.MediaType}, not the referrers index the tag schema puts there",
                hint: "another tool wrote this tag; delete it from the registry, then publish again");
        }

        return OciJson.DeserializeIndex(response.Content, $"referrers index {tag}");
    }
}
