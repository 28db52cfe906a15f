namespace Containerize.Core.Images.Transfer;

/// <summary>
/// A stored blob as an archive entry's data. TarWriter copies the data with CopyToAsync: from a file into a file, the
/// kernel copies it (<see cref="FileRangeCopy"/>); otherwise in 1 MiB chunks instead of the default 80 KiB, because on
/// Linux every asynchronous file read or write is a thread-pool hop.
/// </summary>
internal sealed class BulkCopyStream(Stream inner) : ReadOnlyStreamWrapper(inner)
{
    private const int CopyBufferSize = 1 << 20;

    public override bool CanSeek => Inner.CanSeek;
    public override long Length => Inner.Length;

    public override long Position
    {
        get => Inner.Position;
        set => Inner.Position = value;
    }

    public override async Task CopyToAsync(Stream destination, int bufferSize, CancellationToken cancellationToken)
    {
        if (Inner is FileStream source && destination is FileStream file &&
            await FileRangeCopy.TryCopyAsync(source, file, cancellationToken).ConfigureAwait(false))
        {
            return;
        }

        await Inner.CopyToAsync(destination, Math.Max(bufferSize, CopyBufferSize), cancellationToken).ConfigureAwait(false);
    }

    public override void CopyTo(Stream destination, int bufferSize) => Inner.CopyTo(destination, Math.Max(bufferSize, CopyBufferSize));

    public override int Read(byte[] buffer, int offset, int count) => Inner.Read(buffer, offset, count);
    public override int Read(Span<byte> buffer) => Inner.Read(buffer);

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        Inner.ReadAsync(buffer, cancellationToken);

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        Inner.ReadAsync(buffer, offset, count, cancellationToken);

    public override long Seek(long offset, SeekOrigin origin) => Inner.Seek(offset, origin);
}
