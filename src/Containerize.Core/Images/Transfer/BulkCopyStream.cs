namespace Containerize.Core.Images.Transfer;

/// <summary>
/// A stored blob as an archive entry's data. TarWriter copies the data with CopyToAsync: from a file into a file, the
/// kernel copies it (<see cref="FileRangeCopy"/>); otherwise in 1 MiB chunks instead of the default 80 KiB, because on
/// Linux every asynchronous file read or write is a thread-pool hop.
/// </summary>
internal sealed class BulkCopyStream(Stream inner) : Stream
{
    private const int CopyBufferSize = 1 << 20;

    public override bool CanRead => inner.CanRead;
    public override bool CanSeek => inner.CanSeek;
    public override bool CanWrite => false;
    public override long Length => inner.Length;

    public override long Position
    {
        get => inner.Position;
        set => inner.Position = value;
    }

    public override async Task CopyToAsync(Stream destination, int bufferSize, CancellationToken cancellationToken)
    {
        if (inner is FileStream source && destination is FileStream file &&
            await FileRangeCopy.TryCopyAsync(source, file, cancellationToken).ConfigureAwait(false))
        {
            return;
        }

        await inner.CopyToAsync(destination, Math.Max(bufferSize, CopyBufferSize), cancellationToken).ConfigureAwait(false);
    }

    public override void CopyTo(Stream destination, int bufferSize) => inner.CopyTo(destination, Math.Max(bufferSize, CopyBufferSize));

    public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);
    public override int Read(Span<byte> buffer) => inner.Read(buffer);

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        inner.ReadAsync(buffer, cancellationToken);

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        inner.ReadAsync(buffer, offset, count, cancellationToken);

    public override long Seek(long offset, SeekOrigin origin) => inner.Seek(offset, origin);

    public override void Flush()
    {
    }

    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing) inner.Dispose();
        base.Dispose(disposing);
    }

    public override ValueTask DisposeAsync() => inner.DisposeAsync();
}
