using System.Runtime.InteropServices;
using System.Security.Cryptography;
using Containerize.Core.Diagnostics;
using Containerize.Core.Images.Oci;
using Containerize.Core.Os;
using Microsoft.Win32.SafeHandles;

namespace Containerize.Core.Images.Layers;

/// <summary>One layer to write with <see cref="LayerWriter.WriteManyAsync"/>.</summary>
public sealed record LayerWriteRequest(IEnumerable<LayerEntry> Entries, Stream Output, LayerWriterOptions? Options = null);

/// <summary>
/// Writes reproducible layers: a sorted tar (see <see cref="TarHeaderEncoder"/>), every entry with one timestamp and
/// the configured owner, compressed deterministically, hashed twice (diff_id over the tar, digest over the compressed
/// bytes) in the same single pass. Reading and hashing the tar overlaps with compressing (<see cref="CompressionPump"/>).
/// The writer only sees a Stream: the store hands it a temp file.
/// </summary>
public static class LayerWriter
{
    private const int StagingSize = 1 << 20;
    private const int StagingBuffers = 3;

    public static async Task<LayerResult> WriteAsync(IEnumerable<LayerEntry> entries, Stream output, LayerWriterOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= LayerWriterOptions.Default;
        var mtime = TimestampOf(options.Timestamp);
        var plan = LayerPlan.Build(entries);

        var digestHash = new HashingStream(output, leaveOpen: true);
        var compressor = options.Compression switch
        {
            LayerCompression.Gzip => (Stream)new ParallelGzipStream(digestHash, options.EffectiveLevel, options.CompressionThreads, cancellationToken),
            LayerCompression.Zstd => new ZstdSharp.CompressionStream(digestHash, Math.Clamp(options.EffectiveLevel, 1, 22), leaveOpen: true),
            _ => null,
        };
        using var tarHash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var pump = new CompressionPump(compressor ?? digestHash, StagingSize, StagingBuffers, cancellationToken);
        try
        {
            var staging = new Staging(pump, tarHash, await pump.RentAsync().ConfigureAwait(false));
            var header = new List<byte>(1024);
            foreach (var planned in plan)
            {
                cancellationToken.ThrowIfCancellationRequested();
                await WriteEntryAsync(planned, options, mtime, header, staging, cancellationToken).ConfigureAwait(false);
            }

            // The end of the archive: two zero blocks, as Go writes it (no padding to a 10 KiB record).
            await staging.AppendZerosAsync(2 * TarHeaderEncoder.BlockSize, cancellationToken).ConfigureAwait(false);
            await staging.FlushAsync(cancellationToken).ConfigureAwait(false);
            await pump.CompleteAsync().ConfigureAwait(false);
            if (compressor is ParallelGzipStream gzip) await gzip.FinishAsync(cancellationToken).ConfigureAwait(false);
            if (compressor is not null) await compressor.DisposeAsync().ConfigureAwait(false);
            await output.FlushAsync(cancellationToken).ConfigureAwait(false);

            var diffId = Digest.FromSha256Hash(tarHash.GetHashAndReset());
            var digest = compressor is null ? diffId : digestHash.Digest();
            var blob = new Descriptor { MediaType = MediaTypes.LayerFor(options.Compression, options.DockerMediaTypes), Digest = digest, Size = digestHash.Count };
            return new LayerResult(blob, diffId, staging.Count);
        }
        finally
        {
            await pump.DisposeAsync().ConfigureAwait(false);
            if (compressor is not null) await compressor.DisposeAsync().ConfigureAwait(false);
            await digestHash.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Writes independent layers concurrently, at most <paramref name="maxParallelism"/> at a time (the processor
    /// count by default). Requests start in their order, so put the largest first for the workers to finish together.
    /// Results come back in the order of the requests.
    /// </summary>
    public static async Task<IReadOnlyList<LayerResult>> WriteManyAsync(IReadOnlyList<LayerWriteRequest> requests, int? maxParallelism = null, CancellationToken cancellationToken = default)
    {
        var results = new LayerResult[requests.Count];
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, maxParallelism ?? Environment.ProcessorCount), CancellationToken = cancellationToken };
        await Parallel.ForEachAsync(Enumerable.Range(0, requests.Count), parallel, async (i, token) =>
        {
            var r = requests[i];
            results[i] = await WriteAsync(r.Entries, r.Output, r.Options, token).ConfigureAwait(false);
        }).ConfigureAwait(false);
        return results;
    }

    private static long TimestampOf(DateTimeOffset timestamp)
    {
        var seconds = timestamp.ToUnixTimeSeconds();
        if (seconds < 0 || seconds > 0x1_FFFF_FFFF)
        {
            throw new ContainerizeException(LayerErrors.InvalidTimestamp, $"layer timestamp {timestamp:O} is outside what a tar header holds",
                hint: "use a time between 1970-01-01 and 2242 (SOURCE_DATE_EPOCH is in seconds)");
        }

        return seconds;
    }

    private static async Task WriteEntryAsync(PlannedEntry planned, LayerWriterOptions options, long mtime, List<byte> header, Staging staging, CancellationToken cancellationToken)
    {
        var entry = planned.Entry;
        var uid = entry?.Uid ?? options.Uid;
        var gid = entry?.Gid ?? options.Gid;
        SafeFileHandle? handle = null;
        try
        {
            long size = 0;
            UnixFileMode mode;
            string? link = null;
            byte type;
            switch (planned.Kind)
            {
                case LayerEntryKind.File:
                    if (entry!.SourcePath is { } source)
                    {
                        handle = OpenSource(source);
                        size = RandomAccess.GetLength(handle);
                        // Where the file system has no modes (Windows), the mode rule: 0755 for *.sh, 0644 otherwise
                        // (callers that know the executables pass their modes in the entry).
                        mode = entry.Mode ?? HostFileSystem.ModeOf(handle) ?? (UnixFileMode)ModeRule.For(entry.Path, EntryType.File, null);
                    }
                    else
                    {
                        size = entry.Size;
                        mode = entry.Mode ?? (UnixFileMode)0b110_100_100;
                    }

                    type = TarHeaderEncoder.TypeRegular;
                    break;
                case LayerEntryKind.Directory:
                    mode = entry?.Mode ?? (UnixFileMode)0b111_101_101;
                    type = TarHeaderEncoder.TypeDirectory;
                    break;
                case LayerEntryKind.Symlink:
                    mode = (UnixFileMode)0b111_111_111;
                    link = entry!.LinkTarget;
                    type = TarHeaderEncoder.TypeSymlink;
                    break;
                case LayerEntryKind.Hardlink:
                    mode = entry!.Mode ?? (UnixFileMode)0b110_100_100;
                    link = LayerPaths.Normalize(entry.LinkTarget!, "hardlink target");
                    type = TarHeaderEncoder.TypeHardlink;
                    break;
                case LayerEntryKind.Whiteout or LayerEntryKind.OpaqueWhiteout:
                    // Readers ignore a whiteout's mode; a caller may set one to match another writer byte for byte.
                    mode = entry?.Mode ?? 0;
                    type = TarHeaderEncoder.TypeRegular;
                    break;
                case LayerEntryKind.CharDevice:
                    mode = entry!.Mode ?? (UnixFileMode)0b110_110_110;
                    type = TarHeaderEncoder.TypeChar;
                    break;
                case LayerEntryKind.BlockDevice:
                    mode = entry!.Mode ?? (UnixFileMode)0b110_110_110;
                    type = TarHeaderEncoder.TypeBlock;
                    break;
                default:
                    mode = entry!.Mode ?? (UnixFileMode)0b110_100_100;
                    type = TarHeaderEncoder.TypeFifo;
                    break;
            }

            if (entry is not null && options.ModeRule is { } rule && planned.Kind is not (LayerEntryKind.Symlink or LayerEntryKind.Hardlink or LayerEntryKind.Whiteout or LayerEntryKind.OpaqueWhiteout))
            {
                mode = rule(entry, mode);
            }

            header.Clear();
            TarHeaderEncoder.Encode(new TarHeader(planned.TarName, type, (int)mode & 0xFFF, uid, gid, size, link, mtime, entry?.DeviceMajor ?? 0, entry?.DeviceMinor ?? 0), header);
            await staging.AppendAsync(CollectionsMarshal.AsSpan(header).ToArray(), cancellationToken).ConfigureAwait(false);
            if (size == 0) return;

            if (handle is not null)
            {
                await staging.AppendFileAsync(handle, size, entry!.SourcePath!, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                await using var content = entry!.Open!();
                await staging.AppendStreamAsync(content, size, entry.Path, cancellationToken).ConfigureAwait(false);
            }

            await staging.AppendZerosAsync(TarHeaderEncoder.PaddingOf(size), cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            handle?.Dispose();
        }
    }

    private static SafeFileHandle OpenSource(string path)
    {
        try
        {
            return File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.SequentialScan);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or UnauthorizedAccessException)
        {
            throw new ContainerizeException(LayerErrors.UnreadableSource, $"cannot read '{path}' for the layer: {e.Message}", hint: "check that the file exists and is readable", inner: e);
        }
    }

    /// <summary>
    /// Gathers headers and file data into one large buffer so the compressor sees big writes; file data is read
    /// straight into it, so each byte is copied once before compression.
    /// </summary>
    private sealed class Staging(CompressionPump pump, IncrementalHash tarHash, byte[] first)
    {
        private byte[] buffer = first;
        private int _used;

        /// <summary>The tar's length so far.</summary>
        public long Count { get; private set; }

        public async ValueTask AppendAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
        {
            while (data.Length > 0)
            {
                if (_used == buffer.Length) await FlushAsync(cancellationToken).ConfigureAwait(false);
                var n = Math.Min(data.Length, buffer.Length - _used);
                data.Span[..n].CopyTo(buffer.AsSpan(_used));
                _used += n;
                data = data[n..];
            }
        }

        public async ValueTask AppendZerosAsync(int count, CancellationToken cancellationToken)
        {
            while (count > 0)
            {
                if (_used == buffer.Length) await FlushAsync(cancellationToken).ConfigureAwait(false);
                var n = Math.Min(count, buffer.Length - _used);
                buffer.AsSpan(_used, n).Clear();
                _used += n;
                count -= n;
            }
        }

        public async ValueTask AppendFileAsync(SafeFileHandle handle, long size, string path, CancellationToken cancellationToken)
        {
            long offset = 0;
            while (offset < size)
            {
                if (_used == buffer.Length) await FlushAsync(cancellationToken).ConfigureAwait(false);
                var want = (int)Math.Min(size - offset, buffer.Length - _used);

                // Synchronous reads: the pass is bound by compression, and a thread-pool hop per chunk only costs.
                var n = RandomAccess.Read(handle, buffer.AsSpan(_used, want), offset);
                if (n == 0) throw Changed(path, size, offset);
                _used += n;
                offset += n;
            }
        }

        public async ValueTask AppendStreamAsync(Stream content, long size, string path, CancellationToken cancellationToken)
        {
            long done = 0;
            while (done < size)
            {
                if (_used == buffer.Length) await FlushAsync(cancellationToken).ConfigureAwait(false);
                var want = (int)Math.Min(size - done, buffer.Length - _used);
                var n = await content.ReadAsync(buffer.AsMemory(_used, want), cancellationToken).ConfigureAwait(false);
                if (n == 0) throw Changed(path, size, done);
                _used += n;
                done += n;
            }
        }

        /// <summary>Hashes the tar bytes here (the diff_id) and hands the buffer to the compressing side.</summary>
        public async ValueTask FlushAsync(CancellationToken cancellationToken)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (_used == 0) return;
            tarHash.AppendData(buffer, 0, _used);
            Count += _used;
            await pump.SubmitAsync(buffer, _used).ConfigureAwait(false);
            buffer = await pump.RentAsync().ConfigureAwait(false);
            _used = 0;
        }

        private static ContainerizeException Changed(string path, long size, long got) =>
            new(LayerErrors.SourceChanged, $"'{path}' ended after {got} of its {size} bytes while the layer was being written",
                hint: "something changed the file during the build; run the build again");
    }
}
