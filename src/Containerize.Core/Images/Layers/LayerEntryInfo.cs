namespace Containerize.Core.Images.Layers;

/// <summary>
/// An entry as read from a layer, without its content. Paths are normalised as <see cref="LayerEntry.Path"/>:
/// a whiteout's path is the deleted path, an opaque whiteout's the emptied folder ("" for the root).
/// </summary>
public sealed record LayerEntryInfo(
    string Path,
    LayerEntryKind Kind,
    UnixFileMode Mode,
    int Uid,
    int Gid,
    long Size,
    string? LinkTarget,
    DateTimeOffset ModificationTime);
