using System.Security.Cryptography;
using System.Text;
using Containerize.Core.Os;
using Containerize.Core.Diagnostics;

namespace Containerize.Core.Context;

/// <summary>
/// What the context holds at one moment: every kept entry with type, mode, owner, size, mtime and link target.
/// File digests are computed on demand and cached on disk; the build cache keys COPY/ADD steps on them.
/// </summary>
public sealed class ContextSnapshot
{
    // A file written within this window of being hashed could change again within the same mtime tick
    // without the cache noticing; such digests are used but not remembered.
    private static readonly long RacyWindowNanoseconds = 2_000_000_000;
    private readonly DigestCache _cache;
    private Dictionary<string, ContextEntry>? _byPath;

    private ContextSnapshot(BuildContext context, IReadOnlyList<ContextEntry> entries, DigestCache cache)
    {
        Context = context;
        Entries = entries;
        _cache = cache;
    }

    public BuildContext Context { get; }

    /// <summary>Kept entries in walk order (byte-wise sorted, depth first), folders included.</summary>
    public IReadOnlyList<ContextEntry> Entries { get; }

    public DigestCache Cache => _cache;

    /// <summary>Files hashed in this process (cache misses that were read).</summary>
    public int FilesHashed => _filesHashed;

    private int _filesHashed;

    // Built on the first lookup: listing a snapshot's digests never needs it.
    public ContextEntry? Find(string path) =>
        LazyInitializer.EnsureInitialized(ref _byPath, () => Entries.ToDictionary(e => e.Path, StringComparer.Ordinal)).GetValueOrDefault(path);

    /// <summary>
    /// Where a path leads in the context as sent: symlinks followed among the kept entries (an absolute target or a
    /// climbing one starts again at the root, <see cref="ScopedPath"/>), never on this machine. Null for a loop.
    /// </summary>
    public ScopedPath.Resolution? Resolve(string path) =>
        ScopedPath.Resolve(path, p => Find(p) is { Type: EntryType.Symlink } e ? e.LinkTarget ?? "" : null);

    public static Task<ContextSnapshot> CreateAsync(BuildContext context, DigestCache? cache, IDiagnosticSink? sink, CancellationToken cancellationToken) =>
        CreateAsync(context, cache, sink, null, cancellationToken);

    public static async Task<ContextSnapshot> CreateAsync(
        BuildContext context, DigestCache? cache, IDiagnosticSink? sink, ContextHygiene? hygiene, CancellationToken cancellationToken)
    {
        // lstat of every kept entry is the bulk of a warm snapshot. It runs on a second thread while the walk goes on,
        // folder by folder, relative to the folder's open fd (see FolderStatQueue).
        var walked = new List<WalkEntry>();
        ContextEntry?[] stated;
        var rules = new SnapshotRules(HostFileSystem.Current, HostRules.Current.HasUnixModes, context.FileModes);
        using (var stats = new FolderStatQueue(rules, cancellationToken))
        {
            var walker = context.CreateWalker(stats.FolderDone);
            context.Walk(walker, e =>
            {
                stats.Add(e, walker.VisitDirectoryFd, walker.VisitName, walker.VisitStatus);
                walked.Add(e);
                return WalkAction.Continue;
            }, sink, cancellationToken);
            PhaseTimer.Mark("snapshot: walk");
            stated = await stats.CompleteAsync().ConfigureAwait(false);
        }

        PhaseTimer.Mark("snapshot: lstat (rest)");
        var entries = new List<ContextEntry>(walked.Count);
        for (var i = 0; i < walked.Count; i++)
        {
            if (stated[i] is not { } entry) continue; // removed while walking
            hygiene?.Observe(walked[i] with { Type = entry.Type }, entry.Size);
            entries.Add(entry);
        }

        return new ContextSnapshot(context, entries, cache ?? DigestCache.InMemory());
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    internal static ContextEntry? Stat(WalkEntry e, int dirFd, string name, SnapshotRules rules)
    {
        var errno = dirFd >= 0 ? -LibC.StatAt(dirFd, name, out var st) : rules.FileSystem.LStat(e.FullPath, out st);
        if (errno == LibC.ENOENT) return null;
        if (errno != 0)
        {
            throw new ContainerizeException(ContextErrors.Unreadable, $"cannot stat: {LibC.Describe(errno)}", e.Path, null,
                "make it readable, or exclude it in .dockerignore");
        }

        return rules.ToEntry(e, st);
    }

    /// <summary>The file's "sha256:&lt;hex&gt;", from the cache when (path, size, mtime, inode) are unchanged.</summary>
    public async ValueTask<string> GetDigestAsync(ContextEntry entry, CancellationToken cancellationToken)
    {
        if (entry.Digest is { } known) return known;
        if (entry.Type != EntryType.File) throw new InvalidOperationException("only files have a content digest");
        if (_cache.TryGet(entry, out var cached))
        {
            entry.Digest = cached;
            return cached;
        }

        var digest = await Task.Run(() => HashFile(entry), cancellationToken).ConfigureAwait(false);
        Remember(entry, digest);
        return digest;
    }

    private void Remember(ContextEntry entry, string digest)
    {
        Interlocked.Increment(ref _filesHashed);
        entry.Digest = digest;
        var now = (DateTimeOffset.UtcNow - DateTimeOffset.UnixEpoch).Ticks * 100;
        if (now - entry.MTimeNanoseconds > RacyWindowNanoseconds) _cache.Put(entry, digest);
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private static string HashFile(ContextEntry entry)
    {
        var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(1 << 16);
        try
        {
            using var handle = File.OpenHandle(entry.FullPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            long offset = 0;
            int n;
            while ((n = RandomAccess.Read(handle, buffer, offset)) > 0)
            {
                hash.AppendData(buffer, 0, n);
                offset += n;
            }

            if (offset != entry.Size)
            {
                throw new ContainerizeException(ContextErrors.FileChanged, "the file changed while it was read", entry.Path, null,
                    "do not modify the context during a build");
            }

            Span<byte> digest = stackalloc byte[32];
            hash.GetHashAndReset(digest);
            return DigestCacheFormat.FormatSha256(digest);
        }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException)
        {
            throw new ContainerizeException(ContextErrors.Unreadable, $"cannot read the file: {e.Message}", entry.Path, null,
                "make it readable, or exclude it in .dockerignore", e);
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Hashes every file not yet known, in parallel (SHA-256 is the limit on a cold cache).</summary>
    public Task ComputeDigestsAsync(CancellationToken cancellationToken) => ComputeDigestsAsync(Entries, cancellationToken);

    public async Task ComputeDigestsAsync(IEnumerable<ContextEntry> entries, CancellationToken cancellationToken)
    {
        // Cache hits first, without the cost of a parallel loop; only the misses are read, in parallel.
        var files = new List<ContextEntry>();
        foreach (var e in entries)
        {
            if (e.Type != EntryType.File || e.Digest is not null) continue;
            if (_cache.TryGet(e, out var cached)) e.Digest = cached;
            else files.Add(e);
        }

        PhaseTimer.Mark("snapshot: digest cache lookups");
        if (files.Count == 0) return;

        // Blocking reads on a few threads: for many small files this costs far less than async I/O per file.
        try
        {
            await Task.Run(() => Parallel.ForEach(files, new ParallelOptions { CancellationToken = cancellationToken, MaxDegreeOfParallelism = Environment.ProcessorCount },
                e => Remember(e, HashFile(e))), cancellationToken).ConfigureAwait(false);
        }
        catch (AggregateException e) when (e.InnerExceptions.OfType<ContainerizeException>().FirstOrDefault() is { } coded)
        {
            // The first coded problem, as the user should see it, rather than the parallel loop's wrapper.
            throw new ContainerizeException(coded.Diagnostic, e);
        }
    }

    /// <summary>
    /// One digest for a path and everything under it (the whole context for "."): what a COPY of it depends on.
    /// Covers paths, types, permission bits, link targets and file digests; not mtimes or owners, which COPY
    /// resets or which do not change the result the cache cares about.
    /// </summary>
    public async Task<string> TreeDigestAsync(string path, CancellationToken cancellationToken)
    {
        var prefix = path is "." or "" ? "" : path + "/";
        var selected = Entries.Where(e => prefix.Length == 0 || e.Path == path || e.Path.StartsWith(prefix, StringComparison.Ordinal)).ToList();
        await ComputeDigestsAsync(selected, cancellationToken).ConfigureAwait(false);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var e in selected)
        {
            var line = $"{e.Path}\0{e.Type}\0{Convert.ToString(e.Permissions, 8)}\0{e.LinkTarget}\0{e.Digest}\n";
            hash.AppendData(Encoding.UTF8.GetBytes(line));
        }

        return "sha256:" + Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    public Task SaveCacheAsync(CancellationToken cancellationToken) => _cache.SaveAsync(cancellationToken);
}
