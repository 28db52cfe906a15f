using Containerize.Core.Os;
using Containerize.Core.Images.Oci;

namespace Containerize.Core.Images.Store;

/// <summary>
/// Which registry repositories are known to hold a blob, because it was pulled from there or pushed there, as
/// Docker's distribution metadata remembers: a push to another repository of the same registry then mounts the blob
/// (one request, no bytes) instead of uploading it. A base pulled from <c>registry/dotnet/aspnet</c> and an app
/// pushed to <c>registry/team/app</c> share ~100 MB this way. Kept under <c>sources/ALG/HEX</c>, one
/// <c>registry/repository</c> per line, most recent first; it is a hint: a mount the registry refuses is an upload.
/// </summary>
public static class BlobSources
{
    private const string Folder = "sources";
    private const int Kept = 8;

    public static async Task AddAsync(OciLayoutStore store, Digest blob, string registry, string repository, CancellationToken cancellationToken)
    {
        var path = PathOf(store, blob);
        var entry = registry + "/" + repository;
        var known = await ReadAsync(path, cancellationToken).ConfigureAwait(false);
        if (known.Count > 0 && known[0] == entry) return;
        var lines = known.Where(k => k != entry).Prepend(entry).Take(Kept);
        await AtomicFile.WriteAsync(path, System.Text.Encoding.UTF8.GetBytes(string.Join('\n', lines) + "\n"), AtomicWriteOptions.Durable, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Repositories of <paramref name="registry"/> other than <paramref name="except"/> that hold the blob.</summary>
    public static async Task<IReadOnlyList<string>> RepositoriesAsync(OciLayoutStore store, Digest blob, string registry, string except, CancellationToken cancellationToken)
    {
        var prefix = registry + "/";
        return (await ReadAsync(PathOf(store, blob), cancellationToken).ConfigureAwait(false))
            .Where(l => l.StartsWith(prefix, StringComparison.Ordinal))
            .Select(l => l[prefix.Length..])
            .Where(r => r.Length > 0 && r != except)
            .ToList();
    }

    /// <summary>Every registry repository known to hold the blob, most recent first (an empty list when none is).</summary>
    public static async Task<IReadOnlyList<BlobSource>> AllAsync(OciLayoutStore store, Digest blob, CancellationToken cancellationToken) =>
        (await ReadAsync(PathOf(store, blob), cancellationToken).ConfigureAwait(false))
            .Select(l => l.Split('/', 2))
            .Where(p => p.Length == 2 && p[0].Length > 0 && p[1].Length > 0)
            .Select(p => new BlobSource(p[0], p[1]))
            .ToList();

    /// <summary>Whether any repository is known to hold the blob: a layer the store may fetch when it is needed.</summary>
    public static bool Known(OciLayoutStore store, Digest blob) => File.Exists(PathOf(store, blob));

    private static string PathOf(OciLayoutStore store, Digest blob) => Path.Combine(store.Root, Folder, blob.Algorithm, blob.Encoded);

    private static async Task<List<string>> ReadAsync(string path, CancellationToken cancellationToken)
    {
        try
        {
            return (await File.ReadAllTextAsync(path, cancellationToken).ConfigureAwait(false)).Split('\n', StringSplitOptions.RemoveEmptyEntries).ToList();
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return [];
        }
    }
}
