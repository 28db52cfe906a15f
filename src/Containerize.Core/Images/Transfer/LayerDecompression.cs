using System.IO.Compression;
using Containerize.Core.Images.Oci;

namespace Containerize.Core.Images.Transfer;

/// <summary>Opens a layer blob as its uncompressed tar, whatever its media type says.</summary>
internal static class LayerDecompression
{
    public static Stream Decompress(Stream compressed, string mediaType) => MediaTypes.CompressionOf(mediaType) switch
    {
        LayerCompression.Gzip => new GZipStream(compressed, CompressionMode.Decompress),
        LayerCompression.Zstd => new ZstdSharp.DecompressionStream(compressed),
        _ => compressed,
    };

    /// <summary>The compression a blob's first bytes show: gzip and zstd have magic numbers, a tar has neither.</summary>
    public static LayerCompression Sniff(ReadOnlySpan<byte> head) =>
        head is [0x1f, 0x8b, ..] ? LayerCompression.Gzip
        : head is [0x28, 0xb5, 0x2f, 0xfd, ..] ? LayerCompression.Zstd
        : LayerCompression.None;
}
