using System.IO.Compression;
using Containerize.Core.Diagnostics;
using Containerize.Core.Images.Layers;
using Containerize.Core.Images.Oci;
using Containerize.Core.Images.Transfer;
using SharpCompress.Compressors.BZip2;
using SharpCompress.Compressors.Xz;

namespace Containerize.Core.Building.Steps;

/// <summary>
/// ADD's local archives: a tar, plain or gzip/bzip2/xz/zstd compressed, recognised by content as Docker does, and
/// extracted with the owners, modes and links the tar records (BuildKit keeps them, even under --chown).
/// </summary>
internal static class ArchiveExtractor
{
    public static async Task<bool> IsArchiveAsync(string path, CancellationToken cancellationToken)
    {
        await using var file = File.OpenRead(path);
        try
        {
            await using var stream = await OpenAsync(file, cancellationToken).ConfigureAwait(false);
            var header = new byte[512];
            var n = await stream.ReadAtLeastAsync(header, header.Length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
            // A tar header has "ustar" at offset 257 (POSIX and GNU both).
            return n == 512 && header.AsSpan(257, 5).SequenceEqual("ustar"u8);
        }
        catch (Exception e) when (e is InvalidDataException or IOException or FormatException or InvalidOperationException)
        {
            return false;
        }
    }

    /// <summary>The archive's entries placed under <paramref name="destPath"/>; file contents are spooled into <paramref name="scratch"/>.</summary>
    public static async Task<IReadOnlyList<LayerEntry>> EntriesAsync(string path, string destPath, string scratch, CancellationToken cancellationToken)
    {
        await using var file = File.OpenRead(path);
        IReadOnlyList<LayerEntry> entries;
        try
        {
            await using var stream = await OpenAsync(file, cancellationToken).ConfigureAwait(false);
            entries = await RootfsImporter.ReadTarAsync(stream, scratch, path, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is ContainerizeException or InvalidDataException or IOException or FormatException)
        {
            throw new ContainerizeException(BuildErrors.Unsupported, $"ADD could not extract '{Path.GetFileName(path)}': {e.Message}",
                hint: "check the archive, or COPY it and extract it in a RUN");
        }

        string Under(string p) => destPath.Length == 0 ? p : destPath + "/" + p;
        return entries.Select(e => e with
        {
            Path = Under(e.Path),
            LinkTarget = e.Kind == LayerEntryKind.Hardlink && e.LinkTarget is { } t ? Under(t) : e.LinkTarget,
        }).ToList();
    }

    private static async Task<Stream> OpenAsync(FileStream file, CancellationToken cancellationToken)
    {
        var head = new byte[6];
        var n = await file.ReadAtLeastAsync(head, head.Length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
        file.Position = 0;
        var magic = head.AsSpan(0, n);
        // moby's DetectCompression: bzip2 "BZh", xz FD 37 7A 58 5A 00, gzip, zstd; anything else is read as a plain tar.
        if (magic.StartsWith("BZh"u8)) return BZip2Stream.Create(file, SharpCompress.Compressors.CompressionMode.Decompress, false, true, false);
        if (magic.StartsWith((ReadOnlySpan<byte>)[0xFD, 0x37, 0x7A, 0x58, 0x5A, 0x00])) return new XZStream(file); // it needs a seekable stream; disposing the file twice is harmless
        return LayerDecompression.Sniff(magic) switch
        {
            LayerCompression.Gzip => new GZipStream(file, CompressionMode.Decompress, leaveOpen: true),
            LayerCompression.Zstd => new ZstdSharp.DecompressionStream(file, leaveOpen: true),
            _ => new KeepOpen(file),
        };
    }

    /// <summary>The plain tar case: the caller disposes the file itself.</summary>
    private sealed class KeepOpen(Stream inner) : Stream
    {
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => inner.ReadAsync(buffer, cancellationToken);
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
