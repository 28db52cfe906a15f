using Containerize.Core.Context.Native;

namespace Containerize.Core.Context;

/// <summary>
/// One entry of a context snapshot, with what an image layer records of it. <see cref="Digest"/> (files only) is
/// filled lazily by <see cref="ContextSnapshot"/>, from the on-disk cache when the file is unchanged.
/// </summary>
public sealed record ContextEntry(
    string Path,
    string FullPath,
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
    /// <summary>Permission bits (with setuid, setgid, sticky), without the type.</summary>
    public uint Permissions => Mode & 0xFFF;

    public DateTimeOffset ModificationTime => DateTimeOffset.UnixEpoch.AddTicks(MTimeNanoseconds / 100);

    /// <summary>"sha256:&lt;hex&gt;" of a file's content, once computed.</summary>
    public string? Digest { get; internal set; }
}
