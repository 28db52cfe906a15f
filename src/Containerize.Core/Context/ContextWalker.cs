using Containerize.Core.Os;
using Containerize.Core.Diagnostics;

namespace Containerize.Core.Context;

/// <summary>An entry the walk keeps: its '/'-separated path relative to the root, and its type.</summary>
public readonly record struct WalkEntry(string Path, string Root, EntryType Type)
{
    public bool IsDirectory => Type == EntryType.Directory;

    /// <summary>The absolute path, built on demand (most entries never need it).</summary>
    public string FullPath => Root.Length == 1 ? "/" + Path : Root + "/" + Path;
}

/// <summary>What the visitor wants next, with <c>fs.SkipDir</c>'s meaning.</summary>
public enum WalkAction
{
    Continue,

    /// <summary>For a folder: do not go inside. For a file: skip the rest of its folder.</summary>
    SkipDir,
}

/// <summary>
/// Walks a context folder as BuildKit's sender does: depth first, each folder's entries in byte-wise name order,
/// symlinks reported as symlinks and never followed. A folder that is not kept is read only when some pattern
/// could keep something inside it, and is reported just before its first kept descendant. A permission error on
/// a folder that is not kept is ignored; on a kept one it is a CTZ2003 error.
/// </summary>
public sealed class ContextWalker(string root, ContextFilter filter)
{
    private readonly List<(string Name, EntryType Type)> _scratch = [];
    private readonly List<FileStatus> _statuses = [];
    private readonly HostFileSystem _fs = HostFileSystem.Current;
    private readonly HostRules _rules = HostRules.Current;
    private int _skipToDepth = -1;

    public string Root { get; } = Path.TrimEndingDirectorySeparator(Path.GetFullPath(root));

    /// <summary>Folders read so far (for tests and the benchmark: a pruned folder is never read).</summary>
    public int DirectoriesRead { get; private set; }

    /// <summary>Folders skipped without being read because nothing inside could be kept.</summary>
    public List<string> Pruned { get; } = [];

    /// <summary>Names that are not valid UTF-8, left out of the walk.</summary>
    public List<string> UnsupportedNames { get; } = [];

    /// <summary>
    /// Keeps each folder open while its entries are visited, so that a visitor can stat an entry relative to
    /// <see cref="VisitDirectoryFd"/> by <see cref="VisitName"/> rather than by its full path.
    /// </summary>
    internal bool KeepDirectoriesOpen { get; init; }

    /// <summary>
    /// With <see cref="KeepDirectoriesOpen"/>: receives each folder (a <c>DIR*</c>) once its entries are visited,
    /// and owns it from then on (must close it); null: the walker closes it.
    /// </summary>
    internal Action<nint>? FolderDone { get; init; }

    /// <summary>During a visit with <see cref="KeepDirectoriesOpen"/>: the fd of the folder holding the entry; otherwise -1.</summary>
    internal int VisitDirectoryFd { get; private set; } = -1;

    /// <summary>During a visit: the entry's name inside its folder.</summary>
    internal string VisitName { get; private set; } = "";

    /// <summary>
    /// During a visit on the portable path of a snapshot's walk (<see cref="KeepDirectoriesOpen"/>): the entry's status,
    /// read with the folder (null on the native path and in a listing).
    /// </summary>
    internal FileStatus? VisitStatus { get; private set; }

    public void Walk(Func<WalkEntry, WalkAction> visit, CancellationToken cancellationToken = default)
    {
        _skipToDepth = -1;
        var states = filter.Layers.Select(_ => new LayerState(null, null)).ToArray();
        var pending = new List<Pending>();
        if (!Directory.Exists(Root))
        {
            throw new ContainerizeException(ContextErrors.ContextNotFound, "the build context folder does not exist", Root, null,
                "pass the folder that holds the files the Dockerfile copies");
        }

        WalkDirectory("", Root, 0, states, true, pending, visit, cancellationToken);
    }

    /// <summary>All kept entries, folders included, in walk order.</summary>
    public List<WalkEntry> List(CancellationToken cancellationToken = default)
    {
        var result = new List<WalkEntry>();
        Walk(e =>
        {
            result.Add(e);
            return WalkAction.Continue;
        }, cancellationToken);
        return result;
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private void WalkDirectory(
        string relDir, string fullDir, int depth, LayerState[] parentStates, bool dirKept, List<Pending> pending,
        Func<WalkEntry, WalkAction> visit, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        _scratch.Clear();
        _statuses.Clear();
        DirectoriesRead++;
        var errno = _fs.ReadDirectory(fullDir, _scratch, _fs.IsNative || !KeepDirectoriesOpen ? null : _statuses, UnsupportedNames, KeepDirectoriesOpen, out var open);
        if (errno != 0)
        {
            if (!dirKept && errno is LibC.EACCES or LibC.EPERM) return;
            throw new ContainerizeException(ContextErrors.Unreadable, $"cannot read folder: {LibC.Describe(errno)}",
                relDir.Length == 0 ? fullDir : relDir, null, "make the folder readable, or exclude it in .dockerignore");
        }

        try
        {
            WalkEntries(relDir, fullDir, depth, parentStates, pending, visit, open == 0 ? -1 : DirectoryReader.DirectoryFd(open), cancellationToken);
        }
        finally
        {
            if (open != 0 && FolderDone is { } done) done(open);
            else if (open != 0) DirectoryReader.CloseDirectory(open);
        }
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private void WalkEntries(
        string relDir, string fullDir, int depth, LayerState[] parentStates, List<Pending> pending,
        Func<WalkEntry, WalkAction> visit, int dirFd, CancellationToken cancellationToken)
    {
        var entries = _scratch.ToArray();
        FileStatus[]? statuses = null;
        if (_statuses.Count == entries.Length && entries.Length > 0)
        {
            // The portable path read each entry's status with the folder: it travels with its name through the sort.
            statuses = _statuses.ToArray();
            Array.Sort(entries, statuses, NameOrder);
        }
        else
        {
            Array.Sort(entries, static (a, b) => GoPath.CompareOrdinalUtf8(a.Name, b.Name));
        }

        if (_rules.IsWindows) RejectCaseVariants(entries, relDir);
        var layers = filter.Layers;
        for (var index = 0; index < entries.Length; index++)
        {
            var (name, rawType) = entries[index];
            var rel = relDir.Length == 0 ? name : relDir + "/" + name;
            var type = rawType;
            if (type == EntryType.Unknown)
            {
                type = _fs.LStat(fullDir + "/" + name, out var st) == 0 ? st.Kind : EntryType.Unknown;
                if (type == EntryType.Unknown) continue; // vanished while walking
            }

            var isDir = type == EntryType.Directory;
            var skip = false;
            var prune = false;
            LayerState[]? childStates = isDir ? new LayerState[layers.Count] : null;
            for (var l = 0; l < layers.Count && !prune; l++)
            {
                var layer = layers[l];
                bool[]? inc = null, exc = null;
                if (layer.Includes is { } includes)
                {
                    inc = isDir ? new bool[includes.Patterns.Count] : Scratch(ref _incScratch, includes.Patterns.Count);
                    if (!includes.MatchUsingParentResults(rel, parentStates[l].Include, inc).Matched)
                    {
                        if (isDir && !FilterLayer.CouldReachInside(includes, rel, exclusions: false)) prune = true;
                        skip = true;
                    }
                }

                if (!prune && layer.Excludes is { } excludes)
                {
                    exc = isDir ? new bool[excludes.Patterns.Count] : Scratch(ref _excScratch, excludes.Patterns.Count);
                    if (excludes.MatchUsingParentResults(rel, parentStates[l].Exclude, exc).Matched)
                    {
                        if (isDir && (!excludes.HasExclusions || !FilterLayer.CouldReachInside(excludes, rel, exclusions: true))) prune = true;
                        skip = true;
                    }
                }

                if (childStates is not null) childStates[l] = new LayerState(inc, exc);
            }

            if (prune)
            {
                if (isDir) Pruned.Add(rel);
                continue;
            }

            var entry = new WalkEntry(rel, Root, type);
            if (!skip)
            {
                // Report the folders above that were not kept themselves, now that they have a kept descendant.
                for (var i = 0; i < pending.Count; i++)
                {
                    if (pending[i].Reported) continue;
                    pending[i] = pending[i] with { Reported = true };
                    VisitDirectoryFd = pending[i].DirFd;
                    VisitName = pending[i].Name;
                    VisitStatus = pending[i].Status;
                    if (visit(pending[i].Entry) == WalkAction.SkipDir)
                    {
                        _skipToDepth = pending[i].Depth;
                        return;
                    }
                }

                VisitDirectoryFd = dirFd;
                VisitName = name;
                VisitStatus = statuses?[index];
                var action = visit(entry);
                if (action == WalkAction.SkipDir)
                {
                    if (isDir) continue;
                    return;
                }
            }

            if (isDir)
            {
                pending.Add(new Pending(entry, depth + 1, Reported: !skip, dirFd, name, statuses?[index]));
                WalkDirectory(rel, fullDir + "/" + name, depth + 1, childStates!, !skip, pending, visit, cancellationToken);
                pending.RemoveAt(pending.Count - 1);
                if (_skipToDepth >= 0)
                {
                    // The visitor skipped a folder reported late: unwind to the frame that lists it.
                    if (_skipToDepth != depth + 1) return;
                    _skipToDepth = -1;
                }
            }
        }
    }

    private static readonly IComparer<(string Name, EntryType Type)> NameOrder =
        Comparer<(string Name, EntryType Type)>.Create(static (a, b) => GoPath.CompareOrdinalUtf8(a.Name, b.Name));

    /// <summary>
    /// Under Windows' rules two names of one folder that differ only in case are one file to every tool there, and
    /// would be two in the image: refused rather than guessed (a case-sensitive folder, e.g. made from WSL, is the
    /// only way to get them). macOS is left alone: a case-sensitive volume there holds such names on purpose.
    /// </summary>
    private void RejectCaseVariants((string Name, EntryType Type)[] entries, string relDir)
    {
        if (entries.Length < 2) return;
        var seen = new HashSet<string>(_rules.PathComparer);
        foreach (var (name, _) in entries)
        {
            if (seen.Add(name)) continue;
            var first = seen.TryGetValue(name, out var f) ? f : name;
            var rel = relDir.Length == 0 ? name : relDir + "/" + name;
            throw new ContainerizeException(ContextErrors.CaseVariantNames,
                $"'{first}' and '{name}' differ only in case, which this file system ({_rules.Os}) does not tell apart", rel, null,
                "rename or remove one of them");
        }
    }

    // Files never pass their per-pattern results on, so one array serves them all.
    private static bool[] Scratch(ref bool[]? array, int length) => array is { } a && a.Length == length ? a : array = new bool[length];

    private bool[]? _incScratch;
    private bool[]? _excScratch;

    private readonly record struct LayerState(bool[]? Include, bool[]? Exclude);

    // DirFd and Name: where the folder sits, for a visitor that stats it when it is reported late.
    private readonly record struct Pending(WalkEntry Entry, int Depth, bool Reported, int DirFd, string Name, FileStatus? Status);
}
