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
    private readonly Task<Dictionary<string, Record>> _loading;
    private Dictionary<string, Record>? _loaded;
    private readonly object _lock = new();
    private int _seen;
    private bool _dirty;

    private DigestCache(string? file, Task<Dictionary<string, Record>> loading)
    {
        File = file;
        _loading = loading;
    }

    // Loaded in the background while the context is walked; the first lookup waits for it.
    private Dictionary<string, Record> Known => _loaded ??= _loading.GetAwaiter().GetResult();

    /// <summary>Where the cache is stored; null for a cache kept only in memory.</summary>
    public string? File { get; }

    public int Hits { get; private set; }

    public int Misses { get; private set; }

    public static DigestCache InMemory() => new(null, Task.FromResult(new Dictionary<string, Record>(StringComparer.Ordinal)));

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
            if (Known.TryGetValue(entry.Path, out var r) && r.Size == entry.Size && r.MTime == entry.MTimeNanoseconds && r.Inode == entry.Inode)
            {
                if (!r.Seen)
                {
                    r.Seen = true;
                    _seen++;
                }

                Hits++;
                digest = r.Digest;
                return true;
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
            if (known.TryGetValue(entry.Path, out var old) && old.Seen) _seen--;
            known[entry.Path] = new Record(digest, entry.Size, entry.MTimeNanoseconds, entry.Inode) { Seen = true };
            _seen++;
            _dirty = true;
        }
    }

    /// <summary>Writes the entries seen in this run (so that deleted files drop out), when anything changed.</summary>
    public async Task SaveAsync(CancellationToken cancellationToken)
    {
        if (File is null) return;
        byte[] bytes;
        lock (_lock)
        {
            if (!_dirty && _seen == Known.Count) return;
            // Sorted, so that the same files give the same cache file whatever order the parallel hashing took.
            bytes = DigestCacheFormat.Write(Known.Where(kv => kv.Value.Seen).OrderBy(kv => kv.Key, StringComparer.Ordinal)
                .Select(kv => (kv.Key, kv.Value.Digest, kv.Value.Size, kv.Value.MTime, kv.Value.Inode)));
            _dirty = false;
        }

        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(File)!);
            var temp = File + "." + Environment.ProcessId + ".tmp";
            await System.IO.File.WriteAllBytesAsync(temp, bytes, cancellationToken).ConfigureAwait(false);
            System.IO.File.Move(temp, File, overwrite: true);
            // The text cache of earlier versions would otherwise stay behind for ever.
            System.IO.File.Delete(Path.ChangeExtension(File, ".tsv"));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A cache that cannot be written only costs time on the next build.
        }
    }

    private static Dictionary<string, Record> Load(string file)
    {
        var result = new Dictionary<string, Record>(StringComparer.Ordinal);
        byte[] bytes;
        try
        {
            bytes = System.IO.File.ReadAllBytes(file);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return result;
        }

        return DigestCacheFormat.Read(bytes, result, static (path, digest, size, mtime, inode) => new Record(digest, size, mtime, inode))
            ? result
            : new Dictionary<string, Record>(StringComparer.Ordinal);
    }

    // A class, so that a lookup marks the record seen in place rather than copying it into a second table.
    private sealed class Record(string digest, long size, long mTime, ulong inode)
    {
        public string Digest { get; } = digest;
        public long Size { get; } = size;
        public long MTime { get; } = mTime;
        public ulong Inode { get; } = inode;
        public bool Seen { get; set; }
    }
}
