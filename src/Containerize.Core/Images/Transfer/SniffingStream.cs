namespace Containerize.Core.Images.Transfer;

/// <summary>Passes a stream through and keeps its first bytes, to tell a gzip or zstd layer from a plain tar.</summary>
internal sealed class SniffingStream(Stream inner) : Stream
{
    private readonly byte[] _head = new byte[4];
    private int _headLength;

    public ReadOnlySpan<byte> Head => _head.AsSpan(0, _headLength);

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Keep(buffer.AsSpan(offset, inner.Read(buffer, offset, count)));

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var n = await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        return Keep(buffer.Span[..n]);
    }

    private int Keep(ReadOnlySpan<byte> data)
    {
        var take = Math.Min(_head.Length - _headLength, data.Length);
        data[..take].CopyTo(_head.AsSpan(_headLength));
        _headLength += take;
        return data.Length;
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
