namespace Containerize.Core.Images.Layers;

/// <summary>What a tar entry of a layer is. Whiteouts are regular files on the wire, named <c>.wh.*</c>.</summary>
public enum LayerEntryKind
{
    File,
    Directory,
    Symlink,
    Hardlink,

    /// <summary>Deletes the path (and everything under it) from the layers below: <c>dir/.wh.name</c>.</summary>
    Whiteout,

    /// <summary>Hides everything the layers below have in a folder: <c>dir/.wh..wh..opq</c>.</summary>
    OpaqueWhiteout,
    CharDevice,
    BlockDevice,
    Fifo,
}
