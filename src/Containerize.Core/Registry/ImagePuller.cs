using Containerize.Core.Diagnostics;
using Containerize.Core.Images.Oci;
using Containerize.Core.Images.Store;

namespace Containerize.Core.Registry;

/// <summary>An image in the store after a pull: the root (index or manifest) and the chosen platform's manifest and config.</summary>
public sealed record PulledImage(
    ImageReference Reference,
    Descriptor Root,
    Descriptor ManifestDescriptor,
    ImageManifest Manifest,
    ImageConfiguration Config,
    bool FromCache,
    int BlobsDownloaded);

/// <summary>
/// Pulls an image into the store. A reference pinned by digest whose content is in the store never touches the
/// network; a tag is resolved again, and when the registry cannot be reached the stored copy is used with a
/// warning. Offline (the options' flag) never touches the network at all.
/// </summary>
public sealed class ImagePuller(RegistryClient client, IContentStore store)
{
    private const int ParallelDownloads = 4;

    private IDiagnosticSink Sink => client.Options.Sink;

    /// <summary>
    /// Store the manifest and config only, and record where each layer lives (<see cref="BlobSources"/>) instead of
    /// downloading it: what a build's base needs, since a push mounts or streams the layers and anything that reads
    /// them fetches them then (<see cref="RemoteBlobs"/>). `containerize pull` downloads everything.
    /// </summary>
    public bool DeferLayers { get; init; }

    public async Task<PulledImage> PullAsync(ImageReference reference, Platform? platform = null, CancellationToken cancellationToken = default)
    {
        reference = reference.WithDefaultTag();
        var wanted = platform ?? PlatformSelection.Host;

        if (reference.Digest is not null || client.Options.Offline)
        {
            var cached = await FromStoreAsync(reference, wanted, cancellationToken).ConfigureAwait(false);
            if (cached is not null)
            {
                Sink.Detail($"{reference}: in the store ({cached.ManifestDescriptor.Digest.ShortId}), not contacting the registry");
                return cached;
            }

            if (client.Options.Offline)
            {
                throw new ContainerizeException(RegistryErrors.NotCached, $"{reference} is not in the local store, and offline mode forbids pulling it",
                    hint: $"pull it once online ('containerize pull {reference.FamiliarString}'), then work offline");
            }
        }

        ManifestResponse root;
        try
        {
            root = await client.GetManifestAsync(reference, cancellationToken).ConfigureAwait(false);
        }
        catch (ContainerizeException e) when (e.Code == RegistryErrors.Unreachable)
        {
            var cached = await FromStoreAsync(reference, wanted, cancellationToken).ConfigureAwait(false);
            if (cached is null)
            {
                throw new ContainerizeException(RegistryErrors.NotCached, $"{reference.Registry} cannot be reached and {reference} is not in the local store: {e.Diagnostic.Message}",
                    hint: "check the network and the registry's address; once pulled, an image stays usable offline", inner: e);
            }

            Sink.Report(new Diagnostic(RegistryErrors.Unreachable, Severity.Warning,
                $"{reference.Registry} cannot be reached; using the stored {reference.FamiliarString} ({cached.Root.Digest.ShortId}), which may be out of date"));
            return cached;
        }

        var rootDescriptor = root.Descriptor;
        await store.PutBlobAsync(root.Content, root.MediaType, cancellationToken).ConfigureAwait(false);
        Descriptor manifestDescriptor;
        byte[] manifestBytes;
        if (MediaTypes.IsIndex(root.MediaType))
        {
            var index = OciJson.DeserializeIndex(root.Content, $"index of {reference}");
            manifestDescriptor = PlatformSelection.Select(index, wanted, reference.FamiliarString);
            if (await store.HasBlobAsync(manifestDescriptor.Digest, cancellationToken).ConfigureAwait(false))
            {
                manifestBytes = await ReadAllAsync(manifestDescriptor.Digest, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                var child = await client.GetManifestAsync(reference.WithDigest(manifestDescriptor.Digest), cancellationToken).ConfigureAwait(false);
                manifestBytes = child.Content;
                await store.PutBlobAsync(child.Content, manifestDescriptor.MediaType ?? child.MediaType, cancellationToken).ConfigureAwait(false);
            }
        }
        else
        {
            manifestDescriptor = rootDescriptor;
            manifestBytes = root.Content;
        }

        var manifest = OciJson.DeserializeManifest(manifestBytes, $"manifest of {reference}");
        var downloaded = 0;
        using (var gate = new SemaphoreSlim(ParallelDownloads))
        {
            var blobs = new[] { manifest.Config }.Concat(manifest.Layers).DistinctBy(b => b.Digest);
            await Task.WhenAll(blobs.Select(async blob =>
            {
                await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
                try
                {
                    var deferred = DeferLayers && blob.Digest != manifest.Config.Digest && store is OciLayoutStore;
                    if (deferred)
                    {
                        Sink.Detail($"layer {blob.Digest.ShortId} ({blob.Size} bytes) stays in {reference.Registry}/{reference.Repository} until something reads it");
                    }
                    else if (await client.PullBlobAsync(reference.Registry, reference.Repository, blob, store, cancellationToken).ConfigureAwait(false))
                    {
                        Interlocked.Increment(ref downloaded);
                        Sink.Detail($"pulled blob {blob.Digest.ShortId} ({blob.Size} bytes)");
                    }

                    // A later push to another repository of this registry mounts the layer from here.
                    if (store is OciLayoutStore layout && blob.Digest != manifest.Config.Digest)
                    {
                        await BlobSources.AddAsync(layout, blob.Digest, reference.Registry, reference.Repository, cancellationToken).ConfigureAwait(false);
                    }
                }
                finally
                {
                    gate.Release();
                }
            })).ConfigureAwait(false);
        }

        if (reference.Tag is not null) await store.TagAsync(reference, rootDescriptor, cancellationToken).ConfigureAwait(false);
        var config = OciJson.DeserializeConfig(await ReadAllAsync(manifest.Config.Digest, cancellationToken).ConfigureAwait(false), $"config of {reference}");
        return new PulledImage(reference, rootDescriptor, manifestDescriptor, manifest, config, FromCache: false, downloaded);
    }

    /// <summary>The image from the store alone, or null when any part of it is missing.</summary>
    private async Task<PulledImage?> FromStoreAsync(ImageReference reference, Platform wanted, CancellationToken cancellationToken)
    {
        Descriptor? root;
        if (reference.Digest is { } digest)
        {
            var size = await store.GetBlobSizeAsync(digest, cancellationToken).ConfigureAwait(false);
            if (size is null) return null;
            root = new Descriptor { MediaType = "", Digest = digest, Size = size.Value };
        }
        else
        {
            root = await store.ResolveAsync(reference, cancellationToken).ConfigureAwait(false);
            if (root is null) return null;
        }

        var bytes = await ReadAllAsync(root.Digest, cancellationToken).ConfigureAwait(false);
        var mediaType = OciJson.PeekMediaType(bytes);
        root = root with { MediaType = mediaType ?? MediaTypes.OciManifest };
        var manifestDescriptor = root;
        if (MediaTypes.IsIndex(mediaType))
        {
            manifestDescriptor = PlatformSelection.Select(OciJson.DeserializeIndex(bytes), wanted, reference.FamiliarString);
            if (!await store.HasBlobAsync(manifestDescriptor.Digest, cancellationToken).ConfigureAwait(false)) return null;
            bytes = await ReadAllAsync(manifestDescriptor.Digest, cancellationToken).ConfigureAwait(false);
        }

        var manifest = OciJson.DeserializeManifest(bytes);
        if (!await store.HasBlobAsync(manifest.Config.Digest, cancellationToken).ConfigureAwait(false)) return null;
        foreach (var blob in manifest.Layers)
        {
            // A deferred pull left the layers in the registry; they count when the store knows where (fetched when read).
            var present = DeferLayers ? await store.IsAvailableAsync(blob.Digest, cancellationToken).ConfigureAwait(false)
                : await store.HasBlobAsync(blob.Digest, cancellationToken).ConfigureAwait(false);
            if (!present) return null;
        }

        var config = OciJson.DeserializeConfig(await ReadAllAsync(manifest.Config.Digest, cancellationToken).ConfigureAwait(false));
        return new PulledImage(reference, root, manifestDescriptor, manifest, config, FromCache: true, 0);
    }

    private async Task<byte[]> ReadAllAsync(Digest digest, CancellationToken cancellationToken)
    {
        await using var stream = await store.OpenBlobAsync(digest, cancellationToken).ConfigureAwait(false);
        using var buffer = new MemoryStream();
        await stream.CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
        return buffer.ToArray();
    }
}
