using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Containerize.Core.Context;

/// <summary>
/// File digests remembered between builds, keyed by (path, size, mtime, inode): a second build hashes only what
/// changed. One small text file per context folder under the user cache; written whole to a temporary file and
/// renamed, so a crash never leaves a half-written cache (a damaged one is ignored and rebuilt).
/// </summary>
public sealed class DigestCache
{
    private const string Header = "containerize-context-digests v1";
    private readonly Task<Dictionary<string, Record>> _loading;
    private Dictionary<string, Record>? _loaded;
    private readonly Dictionary<string, Record> _seen = new(StringComparer.Ordinal);
    private readonly object _lock = new();
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
        var file = Path.Combine(cacheRoot ?? UserCache.Root, "context-digests", key + ".tsv");
        return new DigestCache(file, Task.Run(() => Load(file)));
    }

    internal bool TryGet(ContextEntry entry, out string digest)
    {
        lock (_lock)
        {
            if (Known.TryGetValue(entry.Path, out var r) && r.Size == entry.Size && r.MTime == entry.MTimeNanoseconds && r.Inode == entry.Inode)
            {
                _seen[entry.Path] = r;
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
            var r = new Record(digest, entry.Size, entry.MTimeNanoseconds, entry.Inode);
            Known[entry.Path] = r;
            _seen[entry.Path] = r;
            _dirty = true;
        }
    }

    /// <summary>Writes the entries seen in this run (so that deleted files drop out), when anything changed.</summary>
    public async Task SaveAsync(CancellationToken cancellationToken)
    {
        if (File is null) return;
        Dictionary<string, Record> snapshot;
        lock (_lock)
        {
            if (!_dirty && _seen.Count == Known.Count) return;
            snapshot = new Dictionary<string, Record>(_seen, StringComparer.Ordinal);
            _dirty = false;
        }

        var builder = new StringBuilder(Header).Append('\n');
        foreach (var (path, r) in snapshot)
        {
            builder.Append(r.Digest).Append('\t').Append(r.Size.ToString(CultureInfo.InvariantCulture)).Append('\t')
                .Append(r.MTime.ToString(CultureInfo.InvariantCulture)).Append('\t').Append(r.Inode.ToString(CultureInfo.InvariantCulture))
                .Append('\t').Append(path).Append('\n');
        }

        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(File)!);
            var temp = File + "." + Environment.ProcessId + ".tmp";
            await System.IO.File.WriteAllTextAsync(temp, builder.ToString(), cancellationToken).ConfigureAwait(false);
            System.IO.File.Move(temp, File, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A cache that cannot be written only costs time on the next build.
        }
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private static Dictionary<string, Record> Load(string file)
    {
        var result = new Dictionary<string, Record>(StringComparer.Ordinal);
        string text;
        try
        {
            text = System.IO.File.ReadAllText(file);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return result;
        }

        var rest = text.AsSpan();
        var first = rest.IndexOf('\n');
        if (first < 0 || !rest[..first].SequenceEqual(Header)) return result;
        rest = rest[(first + 1)..];
        Span<Range> parts = stackalloc Range[6];
        while (rest.Length > 0)
        {
            var end = rest.IndexOf('\n');
            var line = end < 0 ? rest : rest[..end];
            rest = end < 0 ? default : rest[(end + 1)..];
            if (line.Split(parts, '\t') < 5) continue;
            var path = line[parts[4].Start..];
            if (!long.TryParse(line[parts[1]], NumberStyles.None, CultureInfo.InvariantCulture, out var size)
                || !long.TryParse(line[parts[2]], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var mtime)
                || !ulong.TryParse(line[parts[3]], NumberStyles.None, CultureInfo.InvariantCulture, out var inode)
                || !line[parts[0]].StartsWith("sha256:", StringComparison.Ordinal))
            {
                continue;
            }

            result[path.ToString()] = new Record(line[parts[0]].ToString(), size, mtime, inode);
        }

        return result;
    }

    private readonly record struct Record(string Digest, long Size, long MTime, ulong Inode);
}
