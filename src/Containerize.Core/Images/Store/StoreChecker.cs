using Containerize.Core.Images.Oci;

namespace Containerize.Core.Images.Store;

public sealed record StoreProblem(string Subject, string Problem);

public sealed record StoreCheckResult(int BlobsChecked, long BytesChecked, IReadOnlyList<StoreProblem> Problems)
{
    public bool Ok => Problems.Count == 0;
}

/// <summary>
/// Verifies a store: every blob hashes to its name, and every tag's manifests, configs and layers are present (a base
/// layer the store knows only remotely counts as present: it is fetched when something reads it; see RemoteBlobs).
/// It reads every byte, so it is the slow, thorough check; normal reads verify only what they touch.
/// </summary>
public sealed class StoreChecker(OciLayoutStore store)
{
    public async Task<StoreCheckResult> CheckAsync(bool deleteCorrupt = false, CancellationToken cancellationToken = default)
    {
        var problems = new List<StoreProblem>();
        var count = 0;
        long bytes = 0;
        foreach (var (digest, size, _) in store.EnumerateBlobs())
        {
            count++;
            bytes += size;
            try
            {
                await using var s = await store.OpenBlobAsync(digest, cancellationToken).ConfigureAwait(false);
                await s.CopyToAsync(Stream.Null, cancellationToken).ConfigureAwait(false);
            }
            catch (Diagnostics.ContainerizeException e)
            {
                problems.Add(new StoreProblem(digest.ToString(), e.Diagnostic.Message));
                if (deleteCorrupt) store.DeleteBlob(digest);
            }
        }

        foreach (var tag in await store.ListTagsAsync(cancellationToken).ConfigureAwait(false))
        {
            try
            {
                foreach (var d in await ImageGraph.ClosureAsync(store, [tag.Manifest], tolerateMissing: false, cancellationToken, skipRemote: true).ConfigureAwait(false))
                {
                    var size = await store.GetBlobSizeAsync(d.Digest, cancellationToken).ConfigureAwait(false);
                    if (size != d.Size) problems.Add(new StoreProblem(tag.RefName, $"blob {d.Digest} has {size} bytes, its descriptor says {d.Size}"));
                }
            }
            catch (Diagnostics.ContainerizeException e)
            {
                problems.Add(new StoreProblem(tag.RefName, e.Diagnostic.Message));
            }
        }

        return new StoreCheckResult(count, bytes, problems);
    }
}
