using Containerize.Core.Diagnostics;
using Containerize.Core.Images.Oci;
using Containerize.Core.Images.Store;

namespace Containerize.Core.Registry;

/// <summary>What a push did: the digest the tags point at, and how much went over the wire.</summary>
public sealed record PushResult(Digest Digest, long BytesUploaded, int BlobsUploaded, int BlobsSkipped);

/// <summary>
/// Sends an image from the store to a registry: blobs first (several at once, each skipped when the registry has it,
/// mounted when the image's base lives in another repository of the same registry, by the manifest's base.name
/// annotation or by <see cref="BlobSources"/>: where the store pulled the layer from or pushed it to before), then each manifest once, then
/// the root once per tag.
/// </summary>
public sealed class ImagePusher(RegistryClient client, IContentStore store)
{
    private IDiagnosticSink Sink => client.Options.Sink;

    public async Task<PushResult> PushAsync(ImageReference local, ImageReference remote, IReadOnlyList<string>? extraTags = null, CancellationToken cancellationToken = default)
    {
        var root = await ResolveRootAsync(store, local, cancellationToken).ConfigureAwait(false);
        return await PushAsync(root, local, remote, extraTags, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>What a local reference names in the store: by its digest when pinned, else by its tag; a coded error when absent.</summary>
    public static async Task<Descriptor> ResolveRootAsync(IContentStore store, ImageReference local, CancellationToken cancellationToken = default) =>
        local.Digest is { } pinned
            ? new Descriptor { MediaType = "", Digest = pinned, Size = await store.GetBlobSizeAsync(pinned, cancellationToken).ConfigureAwait(false) ?? throw Missing(local) }
            : await store.ResolveAsync(local.WithDefaultTag(), cancellationToken).ConfigureAwait(false) ?? throw Missing(local);

    /// <summary>Pushes a root already resolved in the store (a manifest or an index).</summary>
    /// <param name="local">The name the messages give the image: the local reference it was resolved from.</param>
    public async Task<PushResult> PushAsync(Descriptor root, ImageReference local, ImageReference remote, IReadOnlyList<string>? extraTags = null, CancellationToken cancellationToken = default)
    {
        // The engine's layers are plain tars in the store; a registry gets them gzip-compressed (made once).
        if (store is OciLayoutStore layout) root = await DistributionLayers.CompressAsync(layout, root, cancellationToken).ConfigureAwait(false);
        var rootBytes = await ReadAllAsync(root.Digest, cancellationToken).ConfigureAwait(false);
        var rootType = OciJson.PeekMediaType(rootBytes) ?? MediaTypes.OciManifest;

        var manifests = new List<(Descriptor Descriptor, byte[] Bytes)>();
        if (MediaTypes.IsIndex(rootType))
        {
            var index = OciJson.DeserializeIndex(rootBytes);
            foreach (var child in index.Manifests)
            {
                if (!await store.HasBlobAsync(child.Digest, cancellationToken).ConfigureAwait(false)) continue;

                manifests.Add((child, await ReadAllAsync(child.Digest, cancellationToken).ConfigureAwait(false)));
            }

            if (manifests.Count < index.Manifests.Count)
            {
                // A pulled index holds only the platform we used; the registry would reject the index without the rest.
                if (manifests.Count != 1) throw Missing(local, "the manifests of its platforms");
                Sink.Report(new Diagnostic(RegistryErrors.MissingLocalContent, Severity.Warning,
                    $"{local.FamiliarString} is an index whose other platforms are not in the store; pushing only {manifests[0].Descriptor.Platform?.ToString() ?? "its one manifest"}"));
                root = manifests[0].Descriptor;
                rootBytes = manifests[0].Bytes;
                rootType = root.MediaType;
                manifests.Clear();
            }
        }

        var images = manifests.Count > 0 ? manifests : [(root with { MediaType = rootType }, rootBytes)];
        var tags = new List<string> { remote.Tag ?? ImageReference.DefaultTag };
        if (extraTags is not null) tags.AddRange(extraTags.Where(t => !tags.Contains(t)));
        var rootDigest = Digest.Sha256(rootBytes);

        // A registry accepts a manifest only once it has every blob it names, so when every tag already points at
        // this digest there is nothing left to send: one HEAD per tag instead of one per blob.
        Diagnostics.PhaseTimer.Mark("push: manifests read");
        var current = await Task.WhenAll(tags.Select(t => client.HeadManifestAsync(remote.WithTag(t), RegistryMode.Push, cancellationToken))).ConfigureAwait(false);
        Diagnostics.PhaseTimer.Mark("push: HEAD of each tag");
        if (current.All(d => d?.Digest == rootDigest))
        {
            var blobCount = images.SelectMany(i => OciJson.DeserializeManifest(i.Bytes).Layers.Select(l => l.Digest).Append(OciJson.DeserializeManifest(i.Bytes).Config.Digest)).Distinct().Count();
            Sink.Detail($"{remote}: already at {rootDigest.ShortId} for every tag; nothing to push");
            return new PushResult(rootDigest, 0, 0, blobCount);
        }

        long bytes = 0;
        int uploaded = 0, skipped = 0;
        foreach (var (descriptor, content) in images)
        {
            var manifest = OciJson.DeserializeManifest(content);
            var mountFrom = MountSource(manifest, remote);
            using var gate = new SemaphoreSlim(Math.Max(1, client.Options.MaxParallelUploads));
            var blobs = manifest.Layers.Prepend(manifest.Config).DistinctBy(b => b.Digest).ToList();
            await Task.WhenAll(blobs.Select(async blob =>
            {
                await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
                try
                {
                    var layout = store as OciLayoutStore;
                    var from = mountFrom;
                    if (from is null && layout is not null && blob.Digest != manifest.Config.Digest)
                    {
                        from = (await BlobSources.RepositoriesAsync(layout, blob.Digest, remote.Registry, remote.Repository, cancellationToken).ConfigureAwait(false)).FirstOrDefault();
                    }

                    // A base layer left in its registry (a deferred pull) is mounted (same registry) or streamed from
                    // where the store recorded it, never downloaded into the store first.
                    BlobSource? elsewhere = null;
                    if (layout is not null && await layout.IsRemoteOnlyAsync(blob.Digest, cancellationToken).ConfigureAwait(false))
                    {
                        var sources = await BlobSources.AllAsync(layout, blob.Digest, cancellationToken).ConfigureAwait(false);
                        elsewhere = sources.FirstOrDefault(s => s.Registry != remote.Registry || s.Repository != remote.Repository);
                    }

                    var sent = await client.PushBlobAsync(remote.Registry, remote.Repository, blob, store, from, elsewhere, cancellationToken).ConfigureAwait(false);
                    if (layout is not null && blob.Digest != manifest.Config.Digest)
                    {
                        await BlobSources.AddAsync(layout, blob.Digest, remote.Registry, remote.Repository, cancellationToken).ConfigureAwait(false);
                    }

                    Interlocked.Add(ref bytes, sent);
                    if (sent > 0) Interlocked.Increment(ref uploaded);
                    else Interlocked.Increment(ref skipped);
                }
                finally
                {
                    gate.Release();
                }
            })).ConfigureAwait(false);

            if (manifests.Count > 0)
            {
                await client.PutManifestAsync(remote.WithDigest(descriptor.Digest), content, descriptor.MediaType, cancellationToken).ConfigureAwait(false);
            }
        }

        for (var i = 0; i < tags.Count; i++)
        {
            var tag = tags[i];
            if (current[i]?.Digest == rootDigest) continue;
            await client.PutManifestAsync(remote.WithTag(tag), rootBytes, rootType, cancellationToken).ConfigureAwait(false);
            Sink.Detail($"pushed {remote.WithTag(tag)} ({Digest.Sha256(rootBytes).ShortId})");
        }

        return new PushResult(rootDigest, bytes, uploaded, skipped);
    }

    /// <summary>The repository of the image's base, when it is on the same registry: its layers can be mounted from there.</summary>
    private static string? MountSource(ImageManifest manifest, ImageReference remote)
    {
        var baseName = manifest.Annotations?.GetValueOrDefault(AnnotationKeys.BaseName);
        if (baseName is null || !ImageReference.TryParse(baseName, out var parsed) || parsed is null) return null;
        return parsed.Registry == remote.Registry && parsed.Repository != remote.Repository ? parsed.Repository : null;
    }

    private static ContainerizeException Missing(ImageReference local, string what = "it") =>
        new(RegistryErrors.MissingLocalContent, $"{local.FamiliarString} is not in the local store ({what} missing)",
            hint: "build or pull the image first; 'containerize pull' fills the store");

    private async Task<byte[]> ReadAllAsync(Digest digest, CancellationToken cancellationToken)
    {
        await using var stream = await store.OpenBlobAsync(digest, cancellationToken).ConfigureAwait(false);
        using var buffer = new MemoryStream();
        await stream.CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
        return buffer.ToArray();
    }
}
