using Containerize.Core.Os;
using Containerize.Core.Images.Oci;

namespace Containerize.Core.Images.Store;

/// <summary>
/// Roots that keep blobs alive besides the store's tags: the build cache registers its entries here, with when
/// each was last used, so that prune can drop the stalest first when the store is over its size bound.
/// </summary>
public interface IPruneRootSource
{
    Task<IReadOnlyList<PruneRoot>> GetRootsAsync(CancellationToken cancellationToken);

    /// <summary>Forgets a root that prune is about to collect (the cache deletes its entry).</summary>
    Task ReleaseAsync(PruneRoot root, CancellationToken cancellationToken);
}

public sealed record PruneRoot(Descriptor Descriptor, DateTimeOffset LastUsed);

/// <param name="DanglingRemoved">Dangling (untagged) images whose index.json entries prune removed, as <c>docker image prune</c>.</param>
public sealed record PruneResult(int BlobsDeleted, long BytesFreed, int IngestFilesDeleted, int RootsReleased, long BytesKept, int DanglingRemoved = 0);

/// <summary>
/// Deletes what nothing references: first the dangling images (index.json entries without a name, which a retag
/// leaves: <c>docker image prune</c>), then blobs outside the closure of the tags and the registered roots, and stale
/// ingest files left by killed writers. Tagged images are never deleted; with a size bound, registered roots
/// (cache entries) are released oldest first until the store fits.
/// </summary>
public sealed class StorePruner(OciLayoutStore store)
{
    private readonly List<IPruneRootSource> _sources = [];

    /// <summary>Blobs and ingest files younger than this may belong to a build still running, which has not tagged yet.</summary>
    public TimeSpan GracePeriod { get; init; } = TimeSpan.FromMinutes(10);

    public void AddRootSource(IPruneRootSource source) => _sources.Add(source);

    public async Task<PruneResult> PruneAsync(long? maxSize = null, bool dryRun = false, CancellationToken cancellationToken = default)
    {
        var now = DateTime.UtcNow;
        var dangling = 0;
        if (dryRun)
        {
            dangling = (await store.ReadIndexAsync(cancellationToken).ConfigureAwait(false)).Manifests.Count(DanglingImages.IsDangling);
        }
        else
        {
            await store.UpdateIndexAsync(entries => (dangling = entries.RemoveAll(DanglingImages.IsDangling)) > 0, cancellationToken).ConfigureAwait(false);
        }

        var tagRoots = (await store.ReadIndexAsync(cancellationToken).ConfigureAwait(false)).Manifests.Where(d => !dryRun || !DanglingImages.IsDangling(d)).ToList();
        var extra = new List<(IPruneRootSource Source, PruneRoot Root)>();
        foreach (var s in _sources)
        {
            foreach (var r in await s.GetRootsAsync(cancellationToken).ConfigureAwait(false)) extra.Add((s, r));
        }

        var live = await LiveSetAsync(tagRoots.Concat(extra.Select(e => e.Root.Descriptor)), cancellationToken).ConfigureAwait(false);
        var deleted = 0;
        long freed = 0;
        var released = 0;

        bool Young(string path) => now - File.GetLastWriteTimeUtc(path) < GracePeriod;

        long Collect(HashSet<Digest> keep)
        {
            long kept = 0;
            foreach (var (digest, size, path) in store.EnumerateBlobs().ToList())
            {
                if (keep.Contains(digest) || Young(path))
                {
                    kept += size;
                    continue;
                }

                if (!dryRun) store.DeleteBlob(digest);
                deleted++;
                freed += size;
            }

            return kept;
        }

        var total = Collect(live);
        if (maxSize is { } bound && total > bound)
        {
            // Release cache roots, stalest first, recomputing what stays live after each.
            foreach (var (source, root) in extra.OrderBy(e => e.Root.LastUsed))
            {
                if (total <= bound) break;
                if (!dryRun) await source.ReleaseAsync(root, cancellationToken).ConfigureAwait(false);
                released++;
                extra.RemoveAll(e => ReferenceEquals(e.Root, root));
                live = await LiveSetAsync(tagRoots.Concat(extra.Select(e => e.Root.Descriptor)), cancellationToken).ConfigureAwait(false);
                total = Collect(live);
            }
        }

        var ingestDeleted = 0;
        if (Directory.Exists(store.IngestPath))
        {
            foreach (var file in Directory.EnumerateFiles(store.IngestPath).ToList())
            {
                if (Young(file)) continue;
                if (!dryRun) AtomicFile.TryDelete(file);
                ingestDeleted++;
            }
        }

        return new PruneResult(deleted, freed, ingestDeleted, released, total, dangling);
    }

    private async Task<HashSet<Digest>> LiveSetAsync(IEnumerable<Descriptor> roots, CancellationToken cancellationToken) =>
        (await ImageGraph.ClosureAsync(store, roots, tolerateMissing: true, cancellationToken).ConfigureAwait(false)).Select(d => d.Digest).ToHashSet();
}
