namespace Containerize.Core.Images.Transfer;

/// <summary>
/// A forward-only stream that reports its length, which TarWriter needs to write a header before the data.
/// It claims to be seekable only so that Length and Position are read; moving is refused except to where it is.
/// </summary>
internal sealed class KnownLengthStream(Stream inner, long length) : ReadOnlyStreamWrapper(inner)
{
    private long _position;

    public override bool CanSeek => true;
    public override long Length => length;

    public override long Position
    {
        get => _position;
        set => Seek(value, SeekOrigin.Begin);
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        var n = Inner.Read(buffer);
        _position += n;
        return n;
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var n = await Inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        _position += n;
        return n;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override long Seek(long offset, SeekOrigin origin)
    {
        var target = origin switch
        {
            SeekOrigin.Begin => offset,
            SeekOrigin.Current => _position + offset,
            _ => length + offset,
        };
        if (target != _position) throw new NotSupportedException("this stream reads forward only");
        return _position;
    }
}
