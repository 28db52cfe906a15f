using Containerize.Core.Diagnostics;
using Containerize.Core.Images.Oci;
using Containerize.Core.Images.Store;

namespace Containerize.Core.Registry;

/// <summary>
/// Fetches a layer the store knows only remotely (<see cref="RemoteBlobs"/>) from the repositories
/// <see cref="BlobSources"/> recorded, first to last, through a <see cref="RegistryClient"/>: the same resumable,
/// verified download as a pull. The client is made on the first fetch, so a build that reads no base layer opens no
/// connection for it.
/// </summary>
public sealed class RegistryBlobFetcher(RegistryOptions options) : IRemoteBlobFetcher, IDisposable
{
    private readonly Lazy<RegistryClient> _client = new(() => new RegistryClient(options), LazyThreadSafetyMode.ExecutionAndPublication);

    public bool Offline => options.Offline;

    /// <summary>Attaches a fetcher with these options to the store and returns it (the caller disposes it).</summary>
    public static RegistryBlobFetcher Attach(OciLayoutStore store, RegistryOptions options)
    {
        var fetcher = new RegistryBlobFetcher(options);
        store.Remote = fetcher;
        return fetcher;
    }

    public async Task FetchAsync(OciLayoutStore store, Descriptor blob, IReadOnlyList<BlobSource> sources, CancellationToken cancellationToken)
    {
        ContainerizeException? last = null;
        foreach (var source in sources)
        {
            try
            {
                PhaseTimer.Mark($"fetch {blob.Digest.ShortId}: start");
                if (await _client.Value.PullBlobAsync(source.Registry, source.Repository, blob, store, cancellationToken).ConfigureAwait(false))
                {
                    options.Sink.Detail($"fetched layer {blob.Digest.ShortId} ({blob.Size} bytes) from {source}: it is read by this command");
                }

                return;
            }
            catch (ContainerizeException e)
            {
                // A repository that was deleted or retagged since: the next recorded one may still have it.
                options.Sink.Detail($"layer {blob.Digest.ShortId} not fetched from {source}: {e.Diagnostic.Message}");
                last = e;
            }
        }

        throw last ?? new ContainerizeException(RegistryErrors.NotFound, $"no repository is known to hold layer {blob.Digest}", hint: "pull the base image again");
    }

    public async Task<Stream> OpenAsync(Descriptor blob, IReadOnlyList<BlobSource> sources, CancellationToken cancellationToken)
    {
        ContainerizeException? last = null;
        foreach (var source in sources)
        {
            try
            {
                var stream = await _client.Value.OpenBlobStreamAsync(source.Registry, source.Repository, blob, cancellationToken).ConfigureAwait(false);
                options.Sink.Detail($"reading layer {blob.Digest.ShortId} ({blob.Size} bytes) from {source} without storing it");
                return new VerifyingReadStream(stream, blob.Digest, blob.Size, $"layer {blob.Digest.ShortId} from {source}");
            }
            catch (ContainerizeException e)
            {
                options.Sink.Detail($"layer {blob.Digest.ShortId} not opened from {source}: {e.Diagnostic.Message}");
                last = e;
            }
        }

        throw last ?? new ContainerizeException(RegistryErrors.NotFound, $"no repository is known to hold layer {blob.Digest}", hint: "pull the base image again");
    }

    public void Dispose()
    {
        if (_client.IsValueCreated) _client.Value.Dispose();
    }
}
