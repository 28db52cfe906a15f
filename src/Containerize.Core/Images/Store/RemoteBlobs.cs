using Containerize.Core.Diagnostics;
using Containerize.Core.Images.Oci;

namespace Containerize.Core.Images.Store;

/// <summary>
/// The one gate in front of every reader of a layer's bytes. A base resolved for a build keeps its layers in the
/// registry (manifest and config are stored; <see cref="BlobSources"/> records where each layer lives), so a publish
/// whose steps never read the base's files downloads none of it; whatever does read them (a RUN rootfs, COPY --from
/// an image, a USER by name, WORKDIR and COPY destination lookups of a user's Dockerfile, an archive, an OCI layout,
/// a daemon load) asks here first, and the layer is fetched once, verified, into the store as a pull would.
/// </summary>
public static class RemoteBlobs
{
    /// <summary>
    /// Makes sure the store holds <paramref name="blob"/>: nothing to do when it does; fetched from a recorded source
    /// when it does not; a coded error naming <paramref name="image"/> when it cannot be (offline, no registry
    /// access in this command, no source known, every source failing).
    /// </summary>
    public static async Task EnsurePresentAsync(this IContentStore store, Descriptor blob, string? image = null, CancellationToken cancellationToken = default)
    {
        if (await RemoteOfAsync(store, blob, image, cancellationToken).ConfigureAwait(false) is not { } found) return;
        var (layout, remote, sources, what, where) = found;
        var fetch = layout.Fetches.GetOrAdd(blob.Digest, _ => new Lazy<Task>(() => remote.FetchAsync(layout, blob, sources, CancellationToken.None)));
        try
        {
            await fetch.Value.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (ContainerizeException e) when (e.Code != RemoteBlobErrors.Offline)
        {
            layout.Fetches.TryRemove(blob.Digest, out _);
            throw Unavailable(what, where, e);
        }
    }

    /// <summary>
    /// Opens a layer for one read: from the store when it holds it, else streamed from its registry and verified, without
    /// storing it (the SBOM's read of a base's package databases: the store stays as a push left it, so a fresh runner's
    /// store still holds no base layer, and an offline archive still needs them fetched).
    /// </summary>
    public static async Task<Stream> ReadLayerAsync(this IContentStore store, Descriptor blob, string? image = null, CancellationToken cancellationToken = default)
    {
        if (await RemoteOfAsync(store, blob, image, cancellationToken).ConfigureAwait(false) is not { } found)
        {
            return await store.OpenBlobAsync(blob.Digest, cancellationToken).ConfigureAwait(false);
        }

        var (_, remote, sources, what, where) = found;

        try
        {
            return await remote.OpenAsync(blob, sources, cancellationToken).ConfigureAwait(false);
        }
        catch (ContainerizeException e) when (e.Code != RemoteBlobErrors.Offline)
        {
            throw Unavailable(what, where, e);
        }
    }

    // A layer the store lacks and a registry has: where, and the fetcher that may get it; null when the store has it or
    // knows no source (the reader's own "missing blob" error applies then). Offline, or a command without registry
    // access, is a coded error here.
    private static async Task<(OciLayoutStore Layout, IRemoteBlobFetcher Remote, IReadOnlyList<BlobSource> Sources, string What, string Where)?> RemoteOfAsync(
        IContentStore store, Descriptor blob, string? image, CancellationToken cancellationToken)
    {
        if (await store.HasBlobAsync(blob.Digest, cancellationToken).ConfigureAwait(false)) return null;
        if (store is not OciLayoutStore layout) return null; // other stores have no remote layers
        var sources = await BlobSources.AllAsync(layout, blob.Digest, cancellationToken).ConfigureAwait(false);
        if (sources.Count == 0) return null;
        var what = image is null ? $"layer {blob.Digest.ShortId}" : $"layer {blob.Digest.ShortId} of {image}";
        var where = string.Join(", ", sources);
        if (layout.Remote is not { } remote)
        {
            throw new ContainerizeException(RemoteBlobErrors.NotFetchable, $"{what} is not in the store; it is in {where}, and this command does not contact registries",
                hint: $"fetch the image's layers first: 'containerize pull {image ?? sources[0].ToString()}'");
        }

        if (remote.Offline)
        {
            throw new ContainerizeException(RemoteBlobErrors.Offline, $"{what} is needed but only the registry has it ({where}), and offline mode forbids fetching it",
                hint: $"run once online (without ContainerOffline/--offline), or 'containerize pull {image ?? sources[0].ToString()}' before going offline");
        }

        return (layout, remote, sources, what, where);
    }

    private static ContainerizeException Unavailable(string what, string where, ContainerizeException e) =>
        new(RemoteBlobErrors.Unavailable, $"{what} could not be fetched from {where}: {e.Diagnostic.Message}",
            hint: "check the registry is reachable and still has the base image; 'containerize pull' of the base fetches it too", inner: e);

    /// <summary>
    /// Every layer of an image (each platform's of an index) present: fetched before a writer starts, several at once,
    /// so an archive, a layout or a load never stops half-written on a layer it cannot get.
    /// </summary>
    public static async Task EnsureImageAsync(this IContentStore store, Descriptor root, string? image = null, CancellationToken cancellationToken = default)
    {
        var layers = new List<Descriptor>();
        var queue = new Queue<Descriptor>([root]);
        while (queue.Count > 0)
        {
            var d = queue.Dequeue();
            if (!MediaTypes.IsIndex(d.MediaType) && !MediaTypes.IsManifest(d.MediaType)) continue;
            // A pulled index holds only the platforms used: the others are not this image's content here.
            if (!await store.HasBlobAsync(d.Digest, cancellationToken).ConfigureAwait(false)) continue;
            foreach (var child in await ImageGraph.ChildrenAsync(store, d, cancellationToken).ConfigureAwait(false))
            {
                if (MediaTypes.IsIndex(child.MediaType) || MediaTypes.IsManifest(child.MediaType)) queue.Enqueue(child);
                else layers.Add(child);
            }
        }

        using var gate = new SemaphoreSlim(4);
        await Task.WhenAll(layers.DistinctBy(l => l.Digest).Select(async layer =>
        {
            await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                await store.EnsurePresentAsync(layer, image, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                gate.Release();
            }
        })).ConfigureAwait(false);
    }

    /// <summary>Opens a layer for reading after <see cref="EnsurePresentAsync"/>: what every layer reader calls.</summary>
    public static async Task<Stream> OpenLayerAsync(this IContentStore store, Descriptor blob, string? image = null, CancellationToken cancellationToken = default)
    {
        await store.EnsurePresentAsync(blob, image, cancellationToken).ConfigureAwait(false);
        return await store.OpenBlobAsync(blob.Digest, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Present, or known remotely (fetchable on demand): what a build cache hit or an image listing needs.</summary>
    public static async Task<bool> IsAvailableAsync(this IContentStore store, Digest blob, CancellationToken cancellationToken = default) =>
        await store.HasBlobAsync(blob, cancellationToken).ConfigureAwait(false)
        || (store is OciLayoutStore layout && BlobSources.Known(layout, blob));

    /// <summary>Known only remotely: not in the store, but a recorded source has it.</summary>
    public static async Task<bool> IsRemoteOnlyAsync(this IContentStore store, Digest blob, CancellationToken cancellationToken = default) =>
        store is OciLayoutStore layout && !await store.HasBlobAsync(blob, cancellationToken).ConfigureAwait(false) && BlobSources.Known(layout, blob);
}
