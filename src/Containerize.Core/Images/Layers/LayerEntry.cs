namespace Containerize.Core.Images.Layers;

/// <summary>
/// One thing to put in a layer. <see cref="Path"/> is the path inside the image, '/'-separated and relative to the
/// root ("app/web.dll"; a leading '/' or './' is dropped). For a whiteout it is the path that is deleted, for an opaque
/// whiteout the folder that is emptied. Null mode, uid or gid take the writer's defaults (see
/// <see cref="LayerWriterOptions"/>). Content comes from <see cref="SourcePath"/> (a file on disk, read when the layer
/// is written) or from <see cref="Open"/> with its <see cref="Size"/>.
/// </summary>
public sealed record LayerEntry
{
    public required string Path { get; init; }

    public required LayerEntryKind Kind { get; init; }

    public UnixFileMode? Mode { get; init; }

    public int? Uid { get; init; }

    public int? Gid { get; init; }

    /// <summary>A symlink's target as written (any text), or a hardlink's target: another path in the layer.</summary>
    public string? LinkTarget { get; init; }

    public string? SourcePath { get; init; }

    public Func<Stream>? Open { get; init; }

    /// <summary>The content length when <see cref="Open"/> gives the content.</summary>
    public long Size { get; init; }

    public int DeviceMajor { get; init; }

    public int DeviceMinor { get; init; }

    public static LayerEntry FromFile(string path, string sourcePath, UnixFileMode? mode = null) =>
        new() { Path = path, Kind = LayerEntryKind.File, SourcePath = sourcePath, Mode = mode };

    public static LayerEntry FromBytes(string path, ReadOnlyMemory<byte> content, UnixFileMode? mode = null) =>
        new() { Path = path, Kind = LayerEntryKind.File, Open = () => new MemoryStream(content.ToArray(), writable: false), Size = content.Length, Mode = mode };

    public static LayerEntry FromStream(string path, Func<Stream> open, long size, UnixFileMode? mode = null) =>
        new() { Path = path, Kind = LayerEntryKind.File, Open = open, Size = size, Mode = mode };

    public static LayerEntry Directory(string path, UnixFileMode? mode = null) =>
        new() { Path = path, Kind = LayerEntryKind.Directory, Mode = mode };

    public static LayerEntry Symlink(string path, string target) =>
        new() { Path = path, Kind = LayerEntryKind.Symlink, LinkTarget = target };

    public static LayerEntry Hardlink(string path, string target) =>
        new() { Path = path, Kind = LayerEntryKind.Hardlink, LinkTarget = target };

    public static LayerEntry Whiteout(string path) => new() { Path = path, Kind = LayerEntryKind.Whiteout };

    public static LayerEntry OpaqueWhiteout(string folder) => new() { Path = folder, Kind = LayerEntryKind.OpaqueWhiteout };
}
