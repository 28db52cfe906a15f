namespace Containerize.Core.Runtime.Diff;

public enum ChangeKind
{
    /// <summary>The path did not exist in the parent's rootfs.</summary>
    Added,

    /// <summary>The path existed and changed (content, metadata, or replaced).</summary>
    Modified,

    /// <summary>The path existed and was removed: a whiteout `.wh.NAME` in the layer.</summary>
    Deleted,
}

public enum FileKind
{
    File,
    Directory,
    Symlink,

    /// <summary>A second name of a file added in the same change list: LinkTarget is the first name.</summary>
    Hardlink,
    CharDevice,
    BlockDevice,
    Fifo,
}

/// <summary>
/// One entry of a step's filesystem difference: the input of a layer. Path is relative to the rootfs, with '/'
/// separators and no leading slash, as in a layer tar. SourcePath is where the content is on disk (the overlay's
/// upper folder or the copied rootfs) until the run result is disposed. An Opaque directory hides everything
/// the parent layers had beneath it: its layer gets `PATH/.wh..wh..opq` after the directory entry.
/// </summary>
public sealed record FileChange(
    string Path,
    ChangeKind Kind,
    FileKind Type,
    uint Mode,
    uint Uid,
    uint Gid,
    long Size,
    DateTimeOffset ModificationTime,
    string? LinkTarget = null,
    string? SourcePath = null,
    bool Opaque = false,
    uint DevMajor = 0,
    uint DevMinor = 0)
{
    public const string WhiteoutPrefix = ".wh.";
    public const string OpaqueWhiteout = ".wh..wh..opq";

    /// <summary>The layer tar name of a deleted path's whiteout: `dir/.wh.name`.</summary>
    public string WhiteoutPath
    {
        get
        {
            var slash = Path.LastIndexOf('/');
            return slash < 0 ? WhiteoutPrefix + Path : Path[..(slash + 1)] + WhiteoutPrefix + Path[(slash + 1)..];
        }
    }

    /// <summary>The layer tar name of an opaque directory's marker.</summary>
    public string OpaqueMarkerPath => Path + "/" + OpaqueWhiteout;

    public override string ToString()
    {
        var sign = Kind switch { ChangeKind.Added => 'A', ChangeKind.Modified => 'M', _ => 'D' };
        if (Kind == ChangeKind.Deleted) return $"{sign} {Path}";
        var mode = Convert.ToString(Mode, 8).PadLeft(4, '0');
        var extra = Type switch
        {
            FileKind.Symlink => " -> " + LinkTarget,
            FileKind.Hardlink => " => " + LinkTarget,
            FileKind.File => " " + Size,
            _ => "",
        };
        return $"{sign} {Path} {Type} {mode} {Uid}:{Gid}{extra}{(Opaque ? " opaque" : "")}";
    }
}

/// <summary>Orders changes as a layer needs them: a directory before its entries, siblings by ordinal name.</summary>
public sealed class LayerPathComparer : IComparer<string>
{
    public static readonly LayerPathComparer Instance = new();

    public int Compare(string? x, string? y)
    {
        if (ReferenceEquals(x, y)) return 0;
        if (x is null) return -1;
        if (y is null) return 1;
        var n = Math.Min(x.Length, y.Length);
        for (var i = 0; i < n; i++)
        {
            if (x[i] == y[i]) continue;
            // '/' sorts before every other character so that "a/b" comes right after "a", before "a-b".
            if (x[i] == '/') return -1;
            if (y[i] == '/') return 1;
            return x[i].CompareTo(y[i]);
        }

        return x.Length.CompareTo(y.Length);
    }
}
