namespace Containerize.Core.Images.Layers;

/// <summary>CTZ3100-CTZ3199: writing, reading and applying layers. docs/errors.md lists each with its hint.</summary>
public static class LayerErrors
{
    /// <summary>An entry path that climbs above the layer's root (<c>../x</c>, <c>a/../../x</c>).</summary>
    public const string PathEscapesRoot = "CTZ3101";

    /// <summary>An entry whose path leads through more than 40 symlinks (a loop), resolved inside the root.</summary>
    public const string SymlinkLoop = "CTZ3102";

    /// <summary>A hardlink whose target is outside the root or does not exist.</summary>
    public const string BadHardlink = "CTZ3103";

    /// <summary>A layer that is not a readable tar (truncated, corrupt compressed data, bad header).</summary>
    public const string CorruptLayer = "CTZ3104";

    /// <summary>The uncompressed tar's sha256 is not the diff_id the caller expected.</summary>
    public const string DiffIdMismatch = "CTZ3105";

    /// <summary>The compressed blob's sha256 is not the digest the caller expected.</summary>
    public const string DigestMismatch = "CTZ3106";

    /// <summary>An entry the writer cannot encode: empty path, a file where a folder is needed, a missing link target.</summary>
    public const string InvalidEntry = "CTZ3107";

    /// <summary>A parent of an entry already exists in the tree and is not a folder.</summary>
    public const string ParentNotDirectory = "CTZ3108";

    /// <summary>A source file changed size or vanished while its layer was being written.</summary>
    public const string SourceChanged = "CTZ3109";

    /// <summary>A --chmod value that is not an octal mode.</summary>
    public const string InvalidMode = "CTZ3110";

    /// <summary>A layer timestamp before 1970-01-01 or too large for a tar header.</summary>
    public const string InvalidTimestamp = "CTZ3111";

    /// <summary>A source folder or file the writer cannot read (a socket, a path that does not exist).</summary>
    public const string UnreadableSource = "CTZ3112";

    /// <summary>A whiteout that names no sibling (<c>.wh.</c>, <c>.wh..</c>, <c>.wh...</c>): it would delete its own folder or a parent.</summary>
    public const string InvalidWhiteout = "CTZ3113";

    /// <summary>The file system refused to write an entry while applying a layer (no space, permissions).</summary>
    public const string ApplyFailed = "CTZ3114";

    /// <summary>A layer must be unpacked into a folder (COPY --from, RUN, a named USER or --chown lookup) on a machine that is not Linux.</summary>
    public const string ApplyNeedsLinux = "CTZ3115";
}
