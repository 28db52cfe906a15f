using System.Buffers;
using System.Buffers.Binary;
using System.IO.Compression;
using System.IO.Hashing;

namespace Containerize.Core.Images.Layers;

/// <summary>
/// A write-only gzip stream that compresses fixed 1 MiB chunks of its input on several cores at once, as pigz does:
/// each chunk is deflated on its own and ends with a sync flush (an empty stored block), so the chunks concatenate
/// into one valid deflate stream, closed by an empty final block and the gzip trailer. The chunk size is fixed, not
/// derived from the core count or from how callers split their writes, so the bytes depend on the input and the level
/// alone: the same tar gives the same digest on any machine running the same zlib.
/// </summary>
/// <remarks>
/// Chunks do not share a dictionary (the BCL exposes no deflateSetDictionary), which costs well under 1% of size at
/// 1 MiB. Chunks are written out in order; at most a few are in flight, so memory is bounded whatever the layer's size.
/// </remarks>
internal sealed class ParallelGzipStream : Stream
{
    /// <summary>Part of the output format: changing it changes every layer digest.</summary>
    public const int ChunkSize = 1 << 20;

    // Closes the deflate stream: BFINAL=1, static Huffman block holding only end-of-block.
    private static readonly byte[] FinalBlock = [0x03, 0x00];

    private readonly Stream _target;
    private readonly int _level;
    private readonly int _window;
    private readonly CancellationToken _cancellationToken;
    private readonly Queue<Task<CompressedChunk>> _inFlight = new();
    private readonly Crc32 _crc = new();
    private byte[]? _chunk;
    private int _used;
    private long _length;
    private bool _headerWritten;
    private bool _finished;

    public ParallelGzipStream(Stream target, int level, int? maxParallelism = null, CancellationToken cancellationToken = default)
    {
        _target = target;
        _level = Math.Clamp(level, 0, 9);

        // By default one chunk more than the cores, so a core never waits for the in-order writer to take a finished
        // chunk; an explicit parallelism is the number of chunks deflated at once (1: a one-core gzip).
        _window = maxParallelism is { } max ? Math.Max(1, max) : Environment.ProcessorCount + 1;
        _cancellationToken = cancellationToken;
    }

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => !_finished;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => _length; set => throw new NotSupportedException(); }

    public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_finished, this);
        while (!buffer.IsEmpty)
        {
            _chunk ??= ArrayPool<byte>.Shared.Rent(ChunkSize);
            var n = Math.Min(buffer.Length, ChunkSize - _used);
            buffer.Span[..n].CopyTo(_chunk.AsSpan(_used));
            _used += n;
            buffer = buffer[n..];
            if (_used == ChunkSize) await DispatchAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Nothing to flush early: a chunk's bytes depend on the chunk being whole.</summary>
    public override void Flush()
    {
    }

    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    /// <summary>Compresses what is left and writes the end of the gzip member. Idempotent.</summary>
    public async ValueTask FinishAsync(CancellationToken cancellationToken = default)
    {
        if (_finished) return;
        _finished = true;
        if (_used > 0) await DispatchAsync(cancellationToken).ConfigureAwait(false);
        while (_inFlight.Count > 0) await WriteOldestAsync(cancellationToken).ConfigureAwait(false);
        await EnsureHeaderAsync(cancellationToken).ConfigureAwait(false);

        var trailer = new byte[FinalBlock.Length + 8];
        FinalBlock.CopyTo(trailer, 0);
        BinaryPrimitives.WriteUInt32LittleEndian(trailer.AsSpan(2), _crc.GetCurrentHashAsUInt32());
        BinaryPrimitives.WriteUInt32LittleEndian(trailer.AsSpan(6), unchecked((uint)_length));
        await _target.WriteAsync(trailer, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Releases the buffers. Without <see cref="FinishAsync"/> first, the stream is abandoned, not completed:
    /// a layer that failed half-way never gets a valid-looking end.</summary>
    public override async ValueTask DisposeAsync()
    {
        ReleaseAll();
        await base.DisposeAsync().ConfigureAwait(false);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) ReleaseAll();
        base.Dispose(disposing);
    }

    private async ValueTask DispatchAsync(CancellationToken cancellationToken)
    {
        if (_inFlight.Count >= _window) await WriteOldestAsync(cancellationToken).ConfigureAwait(false);
        var (chunk, used, level) = (_chunk!, _used, _level);
        _chunk = null;
        _used = 0;
        _inFlight.Enqueue(Task.Run(() => Compress(chunk, used, level), cancellationToken));
    }

    private async ValueTask WriteOldestAsync(CancellationToken cancellationToken)
    {
        var compressed = await _inFlight.Dequeue().ConfigureAwait(false);
        try
        {
            await EnsureHeaderAsync(cancellationToken).ConfigureAwait(false);

            // The CRC runs here, in order, over the input still held: one pass, vectorised, no combining of partial CRCs.
            _crc.Append(compressed.Input.AsSpan(0, compressed.InputCount));
            _length += compressed.InputCount;
            await _target.WriteAsync(compressed.Output.AsMemory(0, compressed.OutputCount), cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            compressed.Release();
        }
    }

    private async ValueTask EnsureHeaderAsync(CancellationToken cancellationToken)
    {
        if (_headerWritten) return;
        _headerWritten = true;

        // No name, no mtime; XFL as zlib sets it for the level; OS 3 (Unix), as GZipStream writes it on Linux.
        byte xfl = _level == 9 ? (byte)2 : _level == 1 ? (byte)4 : (byte)0;
        byte[] header = [0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, xfl, 0x03];
        await _target.WriteAsync(header, cancellationToken).ConfigureAwait(false);
    }

    private static CompressedChunk Compress(byte[] input, int count, int level)
    {
        // Deflate's worst case is a little over the input; a pooled buffer that size never needs to grow.
        var output = new PooledBufferStream(ArrayPool<byte>.Shared.Rent(count + (count >> 8) + 1024));
        try
        {
            int length;
            using (var deflate = new DeflateStream(output, new ZLibCompressionOptions { CompressionLevel = level }, leaveOpen: true))
            {
                deflate.Write(input, 0, count);

                // A sync flush ends the chunk on a byte boundary; what Dispose adds after it (a final block) is dropped.
                deflate.Flush();
                if (output.Overflowed) throw new InvalidOperationException("a deflate chunk outgrew its worst-case buffer");
                length = (int)output.Length;
            }

            return new CompressedChunk(input, count, output.Buffer, length);
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(output.Buffer);
            throw;
        }
    }

    private void ReleaseAll()
    {
        while (_inFlight.TryDequeue(out var pending))
        {
            try
            {
                pending.GetAwaiter().GetResult().Release();
            }
            catch (Exception)
            {
                // Already surfaced by the write that failed; only the buffers matter here.
            }
        }

        if (_chunk is not null) ArrayPool<byte>.Shared.Return(_chunk);
        _chunk = null;
        _finished = true;
    }

    private sealed record CompressedChunk(byte[] Input, int InputCount, byte[] Output, int OutputCount)
    {
        public void Release()
        {
            ArrayPool<byte>.Shared.Return(Input);
            ArrayPool<byte>.Shared.Return(Output);
        }
    }

    /// <summary>A write-only stream over one fixed buffer; writing past its end is an error, never a reallocation.</summary>
    private sealed class PooledBufferStream(byte[] buffer) : Stream
    {
        private int _count;

        public byte[] Buffer => buffer;

        public bool Overflowed { get; private set; }

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => _count;

        public override long Position { get => _count; set => throw new NotSupportedException(); }

        public override void Flush()
        {
        }

        public override void Write(byte[] data, int offset, int count) => Write(data.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> data)
        {
            if (data.Length > buffer.Length - _count)
            {
                // Only the dropped final block may overflow a worst-case-sized buffer; before that it is a bug, checked.
                Overflowed = true;
                data = data[..(buffer.Length - _count)];
            }

            data.CopyTo(buffer.AsSpan(_count));
            _count += data.Length;
        }

        public override int Read(byte[] data, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
