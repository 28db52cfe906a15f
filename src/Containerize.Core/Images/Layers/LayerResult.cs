using Containerize.Core.Images.Oci;

namespace Containerize.Core.Images.Layers;

/// <summary>
/// A written layer: the blob's descriptor (digest of the compressed bytes, their size, the media type) and the
/// diff_id (digest of the uncompressed tar) that goes into the image config's rootfs.
/// </summary>
public sealed record LayerResult(Descriptor Blob, Digest DiffId, long UncompressedSize);

/// <summary>What a reader or applier saw: the entries' count and the digests it computed while reading.</summary>
public sealed record LayerReadResult(LayerCompression Compression, Digest Digest, long CompressedSize, Digest DiffId, long UncompressedSize, int EntryCount);
