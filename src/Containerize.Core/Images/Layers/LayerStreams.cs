using System.IO.Compression;
using Containerize.Core.Images.Oci;

namespace Containerize.Core.Images.Layers;

/// <summary>Recognises a layer's compression by its magic bytes and opens the matching decompressor.</summary>
internal static class LayerStreams
{
    public static async Task<(Stream Tar, LayerCompression Compression)> OpenAsync(Stream raw, CancellationToken cancellationToken)
    {
        var magic = new byte[4];
        var got = 0;
        while (got < magic.Length)
        {
            var n = await raw.ReadAsync(magic.AsMemory(got), cancellationToken).ConfigureAwait(false);
            if (n == 0) break;
            got += n;
        }

        Stream replay = new PrefixedStream(magic.AsMemory(0, got), raw);
        var compression = Detect(magic.AsSpan(0, got));
        return compression switch
        {
            LayerCompression.Gzip => (new GZipStream(replay, CompressionMode.Decompress, leaveOpen: true), compression),
            LayerCompression.Zstd => (new ZstdSharp.DecompressionStream(replay, leaveOpen: true), compression),
            _ => (replay, compression),
        };
    }

    public static LayerCompression Detect(ReadOnlySpan<byte> magic) => magic switch
    {
        [0x1f, 0x8b, ..] => LayerCompression.Gzip,
        [0x28, 0xb5, 0x2f, 0xfd, ..] => LayerCompression.Zstd,
        _ => LayerCompression.None,
    };

    /// <summary>Gives back the bytes read to sniff the format, then the rest of the stream.</summary>
    private sealed class PrefixedStream(ReadOnlyMemory<byte> prefix, Stream rest) : Stream
    {
        private ReadOnlyMemory<byte> _prefix = prefix;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            if (_prefix.IsEmpty) return rest.Read(buffer);
            var n = Math.Min(buffer.Length, _prefix.Length);
            _prefix.Span[..n].CopyTo(buffer);
            _prefix = _prefix[n..];
            return n;
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (_prefix.IsEmpty) return rest.ReadAsync(buffer, cancellationToken);
            return ValueTask.FromResult(Read(buffer.Span));
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
