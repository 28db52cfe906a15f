using System.Text;

namespace Containerize.Core.Context;

/// <summary>
/// A loaded cache file, looked up in place: the file's bytes, where each record starts, and an open-addressing
/// index on a hash of the UTF-8 path. A warm build of 50 000 files would otherwise turn every record into a
/// path string, a digest string and an object before its first lookup; here only a hit makes its digest string.
/// </summary>
internal sealed class DigestCacheTable
{
    private readonly byte[] _bytes;
    private readonly int[] _offsets;
    private readonly int[] _buckets; // record index + 1; 0: empty
    private readonly bool[] _seen;

    private DigestCacheTable(byte[] bytes, int[] offsets)
    {
        _bytes = bytes;
        _offsets = offsets;
        _seen = new bool[offsets.Length];
        // At most half full, so that a probe sequence stays short.
        _buckets = new int[Math.Max(16, (int)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)offsets.Length * 2))];
        var mask = _buckets.Length - 1;
        for (var i = 0; i < offsets.Length; i++)
        {
            var slot = Hash(DigestCacheFormat.PathBytes(bytes, offsets[i])) & mask;
            while (_buckets[slot] != 0) slot = (slot + 1) & mask;
            _buckets[slot] = i + 1;
        }
    }

    public static DigestCacheTable Empty { get; } = new([], []);

    public int Count => _offsets.Length;

    /// <summary>Records marked seen (looked up with a match, and not replaced since).</summary>
    public int SeenCount { get; private set; }

    /// <summary>The table of a cache file's bytes, or <see cref="Empty"/> when they are not a valid cache.</summary>
    public static DigestCacheTable Parse(byte[] bytes) =>
        DigestCacheFormat.Index(bytes) is { } offsets ? new DigestCacheTable(bytes, offsets) : Empty;

    /// <summary>The record of a path, or -1.</summary>
    public int Find(string path)
    {
        if (_offsets.Length == 0) return -1;
        var max = Encoding.UTF8.GetMaxByteCount(path.Length);
        Span<byte> utf8 = max <= 1024 ? stackalloc byte[max] : new byte[max];
        utf8 = utf8[..Encoding.UTF8.GetBytes(path, utf8)];
        var mask = _buckets.Length - 1;
        for (var slot = Hash(utf8) & mask; _buckets[slot] != 0; slot = (slot + 1) & mask)
        {
            var record = _buckets[slot] - 1;
            if (DigestCacheFormat.PathBytes(_bytes, _offsets[record]).SequenceEqual(utf8)) return record;
        }

        return -1;
    }

    public bool Matches(int record, ContextEntry entry)
    {
        var at = _offsets[record];
        return DigestCacheFormat.Size(_bytes, at) == entry.Size && DigestCacheFormat.MTime(_bytes, at) == entry.MTimeNanoseconds
            && DigestCacheFormat.Inode(_bytes, at) == entry.Inode;
    }

    public string Digest(int record) => DigestCacheFormat.Digest(_bytes, _offsets[record]);

    public bool IsSeen(int record) => _seen[record];

    public void SetSeen(int record, bool seen)
    {
        if (_seen[record] == seen) return;
        _seen[record] = seen;
        SeenCount += seen ? 1 : -1;
    }

    /// <summary>The records marked seen, decoded (for writing the cache again).</summary>
    public IEnumerable<(string Path, string Digest, long Size, long MTime, ulong Inode)> SeenRecords()
    {
        for (var i = 0; i < _offsets.Length; i++)
        {
            if (!_seen[i]) continue;
            var at = _offsets[i];
            yield return (Encoding.UTF8.GetString(DigestCacheFormat.PathBytes(_bytes, at)), DigestCacheFormat.Digest(_bytes, at),
                DigestCacheFormat.Size(_bytes, at), DigestCacheFormat.MTime(_bytes, at), DigestCacheFormat.Inode(_bytes, at));
        }
    }

    // Within one process only (HashCode is seeded per process): the table is never stored.
    private static int Hash(ReadOnlySpan<byte> utf8)
    {
        var hash = new HashCode();
        hash.AddBytes(utf8);
        return hash.ToHashCode() & int.MaxValue;
    }
}
