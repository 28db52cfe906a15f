using Containerize.Core.Diagnostics;
using Containerize.Core.Images.Oci;

namespace Containerize.Core.Images.Store;

/// <summary>The blobs an image is made of: an index's manifests, a manifest's config and layers.</summary>
public static class ImageGraph
{
    /// <summary>The direct children of a manifest or index; a layer or config has none.</summary>
    public static async Task<IReadOnlyList<Descriptor>> ChildrenAsync(IContentStore store, Descriptor descriptor, CancellationToken cancellationToken = default)
    {
        if (MediaTypes.IsIndex(descriptor.MediaType))
        {
            return (await store.ReadIndexAsync(descriptor, cancellationToken).ConfigureAwait(false)).Manifests;
        }

        if (MediaTypes.IsManifest(descriptor.MediaType))
        {
            var manifest = await store.ReadManifestAsync(descriptor, cancellationToken).ConfigureAwait(false);
            return [manifest.Config, .. manifest.Layers];
        }

        return [];
    }

    /// <summary>
    /// The single-platform manifest to use: the descriptor itself when it is a manifest, else the index entry that
    /// matches <paramref name="platform"/> (nested indexes are followed).
    /// </summary>
    public static async Task<Descriptor> SelectManifestAsync(IContentStore store, Descriptor descriptor, Platform platform, CancellationToken cancellationToken = default)
    {
        for (var depth = 0; depth < 8; depth++)
        {
            if (MediaTypes.IsManifest(descriptor.MediaType)) return descriptor;
            if (!MediaTypes.IsIndex(descriptor.MediaType))
            {
                throw new ContainerizeException(StoreErrors.UnsupportedMediaType, $"{descriptor.Digest} has media type '{descriptor.MediaType}', not an image manifest or index",
                    hint: "only OCI and Docker v2 schema 2 images are supported");
            }

            var index = await store.ReadIndexAsync(descriptor, cancellationToken).ConfigureAwait(false);
            var images = index.Manifests.Where(m => MediaTypes.IsManifest(m.MediaType) || MediaTypes.IsIndex(m.MediaType)).ToList();
            // An index with one manifest and no platform (what many layouts hold) means that manifest.
            var match = images.FirstOrDefault(m => m.Platform is { } p && platform.Matches(p))
                ?? (images is [{ Platform: null } only] ? only : null);
            if (match is null)
            {
                var available = string.Join(", ", index.Manifests.Select(m => m.Platform?.ToString() ?? "(no platform)"));
                throw new ContainerizeException(StoreErrors.PlatformNotFound, $"the image index {descriptor.Digest} has no manifest for {platform} (it has: {available})",
                    hint: "choose one of the listed platforms with --platform");
            }

            descriptor = match;
        }

        throw new ContainerizeException(StoreErrors.UnsupportedMediaType, "image indexes nested too deeply", hint: "the image is malformed");
    }

    /// <summary>
    /// Every blob reachable from the roots, each once; missing blobs are skipped when <paramref name="tolerateMissing"/>.
    /// A layer known only remotely (a lazily pulled base) is skipped with <paramref name="tolerateMissing"/> or
    /// <paramref name="skipRemote"/> (prune, check), and otherwise fetched, since the caller reads it (export).
    /// </summary>
    public static async Task<IReadOnlyList<Descriptor>> ClosureAsync(IContentStore store, IEnumerable<Descriptor> roots, bool tolerateMissing, CancellationToken cancellationToken = default,
        bool skipRemote = false)
    {
        var seen = new HashSet<Digest>();
        var result = new List<Descriptor>();
        var queue = new Queue<Descriptor>(roots);
        while (queue.Count > 0)
        {
            var d = queue.Dequeue();
            if (!seen.Add(d.Digest)) continue;
            if (!tolerateMissing && !skipRemote) await store.EnsurePresentAsync(d, cancellationToken: cancellationToken).ConfigureAwait(false);
            if (!await store.HasBlobAsync(d.Digest, cancellationToken).ConfigureAwait(false))
            {
                if (tolerateMissing || (skipRemote && await store.IsRemoteOnlyAsync(d.Digest, cancellationToken).ConfigureAwait(false))) continue;
                throw new ContainerizeException(StoreErrors.BlobNotFound, $"blob {d.Digest} ({d.MediaType}) is missing",
                    hint: "the image is incomplete; pull, import or rebuild it");
            }

            result.Add(d);
            foreach (var child in await ChildrenAsync(store, d, cancellationToken).ConfigureAwait(false)) queue.Enqueue(child);
        }

        return result;
    }
}
