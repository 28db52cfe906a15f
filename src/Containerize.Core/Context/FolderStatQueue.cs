using System.Collections.Concurrent;
using System.Runtime.ExceptionServices;
using Containerize.Core.Os;

namespace Containerize.Core.Context;

/// <summary>
/// Stats a snapshot's entries on other threads while the walk goes on. The walker hands over each folder, still
/// open, once it has visited all of the folder's entries; a worker stats them relative to the folder's fd
/// (fstatat: one path component to resolve, not the full path) and closes it. At most <see cref="InFlight"/>
/// folders wait, so the open fds stay bounded whatever the size of the context. There is one worker per core: the
/// stats of a warm snapshot take longer than the walk, and once the walk is over every core can take folders.
/// </summary>
internal sealed class FolderStatQueue : IDisposable
{
    private const int InFlight = 64;
    private readonly Dictionary<int, Batch> _open = [];
    private readonly List<Batch> _done = [];
    private readonly BlockingCollection<Batch> _queue = new(InFlight);
    private readonly Batch _byFullPath = new(0);
    private readonly Task[] _workers;
    private readonly CancellationToken _cancellationToken;
    private ExceptionDispatchInfo? _error;
    private int _count;

    private readonly SnapshotRules _rules;
    private readonly List<(int Index, ContextEntry Entry)> _known = [];

    public FolderStatQueue(SnapshotRules rules, CancellationToken cancellationToken)
    {
        _rules = rules;
        _cancellationToken = cancellationToken;
        _workers = Enumerable.Range(0, Math.Max(1, Environment.ProcessorCount))
            .Select(_ => Task.Factory.StartNew(Work, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default)).ToArray();
    }

    /// <summary>
    /// The walk visited <paramref name="entry"/>, named <paramref name="name"/> in the open folder <paramref name="dirFd"/>
    /// (-1: none), with its status when the walk read it already (the portable path: nothing left to stat).
    /// </summary>
    public void Add(WalkEntry entry, int dirFd, string name, FileStatus? known)
    {
        if (known is { } status)
        {
            // Nothing left to stat: the entry is made now, and the native path's items stay as small as they were.
            _known.Add((_count++, _rules.ToEntry(entry, status)));
            return;
        }

        Batch? batch;
        if (dirFd < 0) batch = _byFullPath;
        else if (!_open.TryGetValue(dirFd, out batch)) _open[dirFd] = batch = new Batch(0);
        batch.Items.Add(new Item(_count++, entry, name));
    }

    /// <summary>The walker is done with the folder <paramref name="dir"/>: it is ours to stat in and to close.</summary>
    public void FolderDone(nint dir)
    {
        var fd = DirectoryReader.DirectoryFd(dir);
        if (!_open.Remove(fd, out var batch))
        {
            DirectoryReader.CloseDirectory(dir);
            return;
        }

        batch.Dir = dir;
        // No cancellation here: this runs in the walker's finally, and the worker always drains the queue.
        _queue.Add(batch);
    }

    /// <summary>Waits for the last folders and returns the entries in walk order (null: removed while walking).</summary>
    public async Task<ContextEntry?[]> CompleteAsync()
    {
        _queue.CompleteAdding();
        await Task.WhenAll(_workers).ConfigureAwait(false);
        _error?.Throw();
        _cancellationToken.ThrowIfCancellationRequested();
        var result = new ContextEntry?[_count];
        foreach (var (index, entry) in _known) result[index] = entry;
        StatAll(_byFullPath, -1, _rules);
        foreach (var batch in _done.Append(_byFullPath))
        {
            for (var i = 0; i < batch.Items.Count; i++) result[batch.Items[i].Index] = batch.Results![i];
        }

        // Folders still open here had entries visited after the walk stopped early; they are stat'ed by full path.
        foreach (var batch in _open.Values)
        {
            StatAll(batch, -1, _rules);
            for (var i = 0; i < batch.Items.Count; i++) result[batch.Items[i].Index] = batch.Results![i];
        }

        return result;
    }

    public void Dispose()
    {
        if (!_queue.IsAddingCompleted) _queue.CompleteAdding();
        Task.WaitAll(_workers, CancellationToken.None);
        _queue.Dispose();
    }

    private void Work()
    {
        foreach (var batch in _queue.GetConsumingEnumerable(CancellationToken.None))
        {
            try
            {
                if (_error is null && !_cancellationToken.IsCancellationRequested) StatAll(batch, DirectoryReader.DirectoryFd(batch.Dir), _rules);
            }
            catch (Exception e)
            {
                Interlocked.CompareExchange(ref _error, ExceptionDispatchInfo.Capture(e), null);
            }
            finally
            {
                DirectoryReader.CloseDirectory(batch.Dir);
                batch.Dir = 0;
            }

            lock (_done) _done.Add(batch);
        }
    }

    private static void StatAll(Batch batch, int dirFd, SnapshotRules rules)
    {
        var results = batch.Results = new ContextEntry?[batch.Items.Count];
        for (var i = 0; i < results.Length; i++)
        {
            var item = batch.Items[i];
            results[i] = ContextSnapshot.Stat(item.Entry, dirFd, item.Name, rules);
        }
    }

    private readonly record struct Item(int Index, WalkEntry Entry, string Name);

    private sealed class Batch(nint dir)
    {
        public nint Dir { get; set; } = dir;
        public List<Item> Items { get; } = [];
        public ContextEntry?[]? Results { get; set; }
    }
}
