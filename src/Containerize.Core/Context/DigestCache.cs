using Containerize.Core.Os;
using System.Security.Cryptography;
using System.Text;

namespace Containerize.Core.Context;

/// <summary>
/// File digests remembered between builds, keyed by (path, size, mtime, inode): a second build hashes only what
/// changed. One small binary file per context folder under the user cache (<see cref="DigestCacheFormat"/>);
/// written whole to a temporary file and renamed, so a crash never leaves a half-written cache, and checked by a
/// SHA-256 trailer on load, so a damaged one is ignored and rebuilt, never trusted.
/// </summary>
public sealed class DigestCache
{
    private readonly Task<DigestCacheTable> _loading;
    private DigestCacheTable? _loaded;
    private readonly object _lock = new();

    // Digests put in this run: they replace the loaded record of the same path.
    private readonly Dictionary<string, Record> _put = new(StringComparer.Ordinal);
    private int _replaced;
    private bool _dirty;

    private DigestCache(string? file, Task<DigestCacheTable> loading)
    {
        File = file;
        _loading = loading;
    }

    // Loaded in the background while the context is walked; the first lookup waits for it.
    private DigestCacheTable Known => _loaded ??= _loading.GetAwaiter().GetResult();

    /// <summary>Where the cache is stored; null for a cache kept only in memory.</summary>
    public string? File { get; }

    public int Hits { get; private set; }

    public int Misses { get; private set; }

    /// <summary>Times the cache file was written by <see cref="SaveAsync"/> (0 when nothing changed).</summary>
    public int Writes { get; private set; }

    public static DigestCache InMemory() => new(null, Task.FromResult(DigestCacheTable.Empty));

    /// <summary>The cache of one context folder, under <paramref name="cacheRoot"/> (default: <see cref="UserCache.Root"/>).</summary>
    public static DigestCache ForContext(string contextRoot, string? cacheRoot = null)
    {
        var key = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(contextRoot)))[..32];
        var file = Path.Combine(cacheRoot ?? UserCache.Root, "context-digests", key + ".bin");
        return new DigestCache(file, Task.Run(() => Load(file)));
    }

    internal bool TryGet(ContextEntry entry, out string digest)
    {
        lock (_lock)
        {
            if (_put.TryGetValue(entry.Path, out var put))
            {
                if (put.Size == entry.Size && put.MTime == entry.MTimeNanoseconds && put.Inode == entry.Inode)
                {
                    Hits++;
                    digest = put.Digest;
                    return true;
                }
            }
            else
            {
                var known = Known;
                var record = known.Find(entry.Path);
                if (record >= 0 && known.Matches(record, entry))
                {
                    known.SetSeen(record, true);
                    Hits++;
                    digest = known.Digest(record);
                    return true;
                }
            }

            Misses++;
            digest = "";
            return false;
        }
    }

    internal void Put(ContextEntry entry, string digest)
    {
        lock (_lock)
        {
            var known = Known;
            if (!_put.ContainsKey(entry.Path) && known.Find(entry.Path) is var record and >= 0)
            {
                known.SetSeen(record, false);
                _replaced++;
            }

            _put[entry.Path] = new Record(digest, entry.Size, entry.MTimeNanoseconds, entry.Inode);
            _dirty = true;
        }
    }

    /// <summary>
    /// Writes the entries seen in this run (so that deleted files drop out), when anything changed: a warm build
    /// with nothing changed leaves the file alone.
    /// </summary>
    public async Task SaveAsync(CancellationToken cancellationToken)
    {
        if (File is null) return;
        byte[] bytes;
        lock (_lock)
        {
            var known = Known;
            if (!_dirty && known.SeenCount + _replaced == known.Count) return;
            // Sorted, so that the same files give the same cache file whatever order the parallel hashing took.
            bytes = DigestCacheFormat.Write(known.SeenRecords()
                .Concat(_put.Select(kv => (kv.Key, kv.Value.Digest, kv.Value.Size, kv.Value.MTime, kv.Value.Inode)))
                .OrderBy(r => r.Item1, StringComparer.Ordinal));
            _dirty = false;
        }

        try
        {
            await AtomicFile.WriteAsync(File, bytes, AtomicWriteOptions.Cache, cancellationToken).ConfigureAwait(false);
            Writes++;
            // The text cache of earlier versions would otherwise stay behind for ever.
            System.IO.File.Delete(Path.ChangeExtension(File, ".tsv"));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A cache that cannot be written only costs time on the next build.
        }
    }

    private static DigestCacheTable Load(string file)
    {
        try
        {
            return DigestCacheTable.Parse(System.IO.File.ReadAllBytes(file));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return DigestCacheTable.Empty;
        }
    }

    private readonly record struct Record(string Digest, long Size, long MTime, ulong Inode);
}
