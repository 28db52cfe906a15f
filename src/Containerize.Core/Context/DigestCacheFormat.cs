using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Containerize.Core.Context;

/// <summary>
/// The on-disk form of a <see cref="DigestCache"/>: binary, so that a warm build loads 50 000 records without
/// parsing text. Layout (little-endian): magic "CTZDIGv2", record count (u32), then per record size (i64), mtime in
/// ns (i64), inode (u64), the 32 SHA-256 bytes, the UTF-8 path's length (u16) and the path; then the SHA-256 of
/// everything before it. Anything that does not check out (magic, bounds, trailer, a path that is not UTF-8) makes
/// the whole file invalid.
/// </summary>
internal static class DigestCacheFormat
{
    private static ReadOnlySpan<byte> Magic => "CTZDIGv2"u8;
    private const string Prefix = "sha256:";
    private const int FixedRecord = 8 + 8 + 8 + 32 + 2;
    private static readonly UTF8Encoding StrictUtf8 = new(false, true);

    public delegate TRecord Factory<out TRecord>(string path, string digest, long size, long mtime, ulong inode);

    public static byte[] Write(IEnumerable<(string Path, string Digest, long Size, long MTime, ulong Inode)> records)
    {
        var buffer = new MemoryStream();
        Span<byte> head = stackalloc byte[FixedRecord];
        buffer.Write(Magic);
        buffer.Write(stackalloc byte[4]); // the count, filled in below
        uint count = 0;
        foreach (var (path, digest, size, mtime, inode) in records)
        {
            var pathBytes = Encoding.UTF8.GetBytes(path);
            if (pathBytes.Length > ushort.MaxValue || !digest.StartsWith(Prefix, StringComparison.Ordinal)
                || Convert.FromHexString(digest.AsSpan(Prefix.Length), head.Slice(24, 32), out _, out var written) != System.Buffers.OperationStatus.Done
                || written != 32)
            {
                continue; // cannot be written exactly: better hashed again than stored wrong
            }

            BinaryPrimitives.WriteInt64LittleEndian(head, size);
            BinaryPrimitives.WriteInt64LittleEndian(head[8..], mtime);
            BinaryPrimitives.WriteUInt64LittleEndian(head[16..], inode);
            BinaryPrimitives.WriteUInt16LittleEndian(head[56..], (ushort)pathBytes.Length);
            buffer.Write(head);
            buffer.Write(pathBytes);
            count++;
        }

        var bytes = new byte[buffer.Length + 32];
        buffer.GetBuffer().AsSpan(0, (int)buffer.Length).CopyTo(bytes);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(Magic.Length), count);
        SHA256.HashData(bytes.AsSpan(0, bytes.Length - 32), bytes.AsSpan(bytes.Length - 32));
        return bytes;
    }

    /// <summary>Adds the file's records to <paramref name="into"/>; false (with <paramref name="into"/> partly filled) when the file is not valid.</summary>
    public static bool Read<TRecord>(ReadOnlySpan<byte> bytes, Dictionary<string, TRecord> into, Factory<TRecord> create)
    {
        if (bytes.Length < Magic.Length + 4 + 32 || !bytes.StartsWith(Magic)) return false;
        var body = bytes[..^32];
        Span<byte> check = stackalloc byte[32];
        SHA256.HashData(body, check);
        if (!check.SequenceEqual(bytes[^32..])) return false;

        var count = BinaryPrimitives.ReadUInt32LittleEndian(body[Magic.Length..]);
        var rest = body[(Magic.Length + 4)..];
        if (count > rest.Length / FixedRecord) return false;
        into.EnsureCapacity((int)count);
        Span<char> digestChars = stackalloc char[Prefix.Length + 64];
        Prefix.CopyTo(digestChars);
        for (var i = 0; i < count; i++)
        {
            if (rest.Length < FixedRecord) return false;
            var pathLength = BinaryPrimitives.ReadUInt16LittleEndian(rest[56..]);
            if (rest.Length < FixedRecord + pathLength) return false;
            string path;
            try
            {
                path = StrictUtf8.GetString(rest.Slice(FixedRecord, pathLength));
            }
            catch (DecoderFallbackException)
            {
                return false;
            }

            Convert.TryToHexStringLower(rest.Slice(24, 32), digestChars[Prefix.Length..], out _);
            var digest = new string(digestChars);
            into[path] = create(path, digest, BinaryPrimitives.ReadInt64LittleEndian(rest), BinaryPrimitives.ReadInt64LittleEndian(rest[8..]),
                BinaryPrimitives.ReadUInt64LittleEndian(rest[16..]));
            rest = rest[(FixedRecord + pathLength)..];
        }

        return rest.Length == 0;
    }
}
