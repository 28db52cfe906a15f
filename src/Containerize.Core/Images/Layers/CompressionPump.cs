using System.Buffers;
using System.Threading.Channels;

namespace Containerize.Core.Images.Layers;

/// <summary>
/// Hands filled buffers to a task that writes them into the compressor, so that reading files and hashing the tar
/// run on one core while compressing and hashing the blob run on another, as pigz overlaps its reading and
/// compressing. A few fixed buffers circulate, so memory stays the same whatever the layer's size.
/// </summary>
internal sealed class CompressionPump : IAsyncDisposable
{
    private readonly Channel<(byte[] Buffer, int Count)> _full;
    private readonly Channel<byte[]> _free = Channel.CreateUnbounded<byte[]>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = false });
    private readonly List<byte[]> _buffers = [];
    private readonly CancellationTokenSource _cancel;
    private readonly CancellationToken _callerToken;
    private readonly Task _consumer;

    public CompressionPump(Stream target, int bufferSize, int bufferCount, CancellationToken cancellationToken)
    {
        _callerToken = cancellationToken;
        _cancel = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        _full = Channel.CreateBounded<(byte[], int)>(new BoundedChannelOptions(bufferCount) { SingleReader = true, SingleWriter = true });
        for (var i = 0; i < bufferCount; i++)
        {
            var buffer = ArrayPool<byte>.Shared.Rent(bufferSize);
            _buffers.Add(buffer);
            _free.Writer.TryWrite(buffer);
        }

        _consumer = Task.Run(() => ConsumeAsync(target));
    }

    public async ValueTask<byte[]> RentAsync()
    {
        try
        {
            return await _free.Reader.ReadAsync(_cancel.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!_callerToken.IsCancellationRequested)
        {
            await _consumer.ConfigureAwait(false); // rethrows what stopped the writing side
            throw;
        }
    }

    public async ValueTask SubmitAsync(byte[] buffer, int count)
    {
        try
        {
            await _full.Writer.WriteAsync((buffer, count), _cancel.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!_callerToken.IsCancellationRequested)
        {
            await _consumer.ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Waits until everything submitted is written to the target.</summary>
    public Task CompleteAsync()
    {
        _full.Writer.TryComplete();
        return _consumer;
    }

    public async ValueTask DisposeAsync()
    {
        _full.Writer.TryComplete();
        await _cancel.CancelAsync().ConfigureAwait(false);
        try
        {
            await _consumer.ConfigureAwait(false);
        }
        catch (Exception)
        {
            // Already reported to the producer, or the write was abandoned.
        }

        foreach (var buffer in _buffers) ArrayPool<byte>.Shared.Return(buffer);
        _cancel.Dispose();
    }

    private async Task ConsumeAsync(Stream target)
    {
        try
        {
            await foreach (var (buffer, count) in _full.Reader.ReadAllAsync(_cancel.Token).ConfigureAwait(false))
            {
                await target.WriteAsync(buffer.AsMemory(0, count), _cancel.Token).ConfigureAwait(false);
                _free.Writer.TryWrite(buffer);
            }
        }
        catch
        {
            await _cancel.CancelAsync().ConfigureAwait(false);
            throw;
        }
    }
}
