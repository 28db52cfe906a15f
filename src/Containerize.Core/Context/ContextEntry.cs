using Containerize.Core.Os;

namespace Containerize.Core.Context;

/// <summary>
/// One entry of a context snapshot, with what an image layer records of it. <see cref="Digest"/> (files only) is
/// filled lazily by <see cref="ContextSnapshot"/>, from the on-disk cache when the file is unchanged.
/// </summary>
public sealed record ContextEntry(
    string Path,
    string Root,
    EntryType Type,
    uint Mode,
    uint Uid,
    uint Gid,
    long Size,
    long MTimeNanoseconds,
    string? LinkTarget,
    ulong Inode,
    ulong Device)
{
    /// <summary>The absolute path, built on demand: a snapshot of 50 000 entries mostly never needs it.</summary>
    public string FullPath => Root.Length == 1 ? "/" + Path : Root + "/" + Path;

    /// <summary>Permission bits (with setuid, setgid, sticky), without the type.</summary>
    public uint Permissions => Mode & 0xFFF;

    public DateTimeOffset ModificationTime => DateTimeOffset.UnixEpoch.AddTicks(MTimeNanoseconds / 100);

    /// <summary>"sha256:&lt;hex&gt;" of a file's content, once computed.</summary>
    public string? Digest { get; internal set; }
}
