using Containerize.Core.Images.Oci;

namespace Containerize.Core.Images.Layers;

/// <summary>How a layer is encoded. The defaults make a layer's digest depend on its content alone.</summary>
public sealed record LayerWriterOptions
{
    public static readonly LayerWriterOptions Default = new();

    public const int DefaultGzipLevel = 3;

    public LayerCompression Compression { get; init; } = LayerCompression.Gzip;

    /// <summary>
    /// gzip 1-9 (default 3: with zlib-ng a fifth less CPU than 6 for about 2.5% more bytes on a .NET publish tree,
    /// and compression is most of a cold COPY), zstd 1-22 (default 3, as <c>zstd</c>). Ignored for none.
    /// </summary>
    public int? CompressionLevel { get; init; }

    /// <summary>How many cores one gzip layer's chunks are deflated on (default: all of them).</summary>
    public int? CompressionThreads { get; init; }

    /// <summary>The one modification time every entry gets: the Unix epoch unless a SOURCE_DATE_EPOCH is given.</summary>
    public DateTimeOffset Timestamp { get; init; } = DateTimeOffset.UnixEpoch;

    public int Uid { get; init; }

    public int Gid { get; init; }

    /// <summary>
    /// Rewrites the mode of each file, folder and device given by the caller (not implied parent folders, links or
    /// whiteouts), as COPY --chmod does. Receives the entry and its mode as found; see <see cref="LayerModeRules"/>.
    /// </summary>
    public Func<LayerEntry, UnixFileMode, UnixFileMode>? ModeRule { get; init; }

    /// <summary>Docker media types (rootfs.diff.tar.gzip) for a Docker v2 manifest.</summary>
    public bool DockerMediaTypes { get; init; }

    public int EffectiveLevel => CompressionLevel ?? (Compression == LayerCompression.Zstd ? 3 : DefaultGzipLevel);
}
