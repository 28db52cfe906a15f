using System.Formats.Tar;
using System.IO.Compression;
using Containerize.Core.Diagnostics;
using Containerize.Core.Images.Oci;
using Containerize.Core.Images.Transfer;

namespace Containerize.Core.Building.Steps;

/// <summary>ADD's local archives: a tar, plain or gzip/zstd compressed, recognised by content as Docker does.</summary>
internal static class ArchiveExtractor
{
    public static async Task<bool> IsArchiveAsync(string path, CancellationToken cancellationToken)
    {
        await using var file = File.OpenRead(path);
        await using var stream = await OpenAsync(file, cancellationToken).ConfigureAwait(false);
        var header = new byte[512];
        try
        {
            var n = await stream.ReadAtLeastAsync(header, header.Length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
            // A tar header has "ustar" at offset 257 (POSIX and GNU both).
            return n == 512 && header.AsSpan(257, 5).SequenceEqual("ustar"u8);
        }
        catch (InvalidDataException)
        {
            return false;
        }
    }

    public static async Task ExtractAsync(string path, string folder, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(folder);
        await using var file = File.OpenRead(path);
        await using var stream = await OpenAsync(file, cancellationToken).ConfigureAwait(false);
        try
        {
            // The BCL refuses entries that would leave the folder.
            await TarFile.ExtractToDirectoryAsync(stream, folder, overwriteFiles: true, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is InvalidDataException or IOException or UnauthorizedAccessException)
        {
            throw new ContainerizeException(EngineErrors.Unsupported, $"ADD could not extract '{Path.GetFileName(path)}': {e.Message}",
                hint: "check the archive, or COPY it and extract it in a RUN");
        }
    }

    private static async Task<Stream> OpenAsync(FileStream file, CancellationToken cancellationToken)
    {
        var head = new byte[4];
        var n = await file.ReadAtLeastAsync(head, head.Length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
        file.Position = 0;
        return LayerDecompression.Sniff(head.AsSpan(0, n)) switch
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
