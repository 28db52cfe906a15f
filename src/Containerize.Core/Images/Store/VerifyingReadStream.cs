using System.Security.Cryptography;
using Containerize.Core.Diagnostics;
using Containerize.Core.Images.Oci;

namespace Containerize.Core.Images.Store;

/// <summary>
/// Reads a blob and hashes it on the way; on reaching the end it compares the digest (and the length, when known)
/// and throws a coded error on a mismatch, so a caller that copies the whole stream never trusts corrupt content.
/// </summary>
public sealed class VerifyingReadStream : Stream
{
    private readonly Stream _inner;
    private readonly Digest _expected;
    private readonly long? _expectedLength;
    private readonly string _what;
    private readonly IncrementalHash _hash;
    private long _read;
    private bool _verified;

    public VerifyingReadStream(Stream inner, Digest expected, long? expectedLength, string what)
    {
        _inner = inner;
        _expected = expected;
        _expectedLength = expectedLength;
        _what = what;
        _hash = IncrementalHash.CreateHash(HashAlgorithmFor(expected));
    }

    internal static HashAlgorithmName HashAlgorithmFor(Digest digest) =>
        digest.Algorithm == "sha512" ? HashAlgorithmName.SHA512 : HashAlgorithmName.SHA256;

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => _expectedLength ?? throw new NotSupportedException();
    public override long Position { get => _read; set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        var n = _inner.Read(buffer);
        return Account(buffer[..n], buffer.Length);
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var n = await _inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        return Account(buffer.Span[..n], buffer.Length);
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    private int Account(ReadOnlySpan<byte> data, int requested)
    {
        if (data.Length > 0)
        {
            _hash.AppendData(data);
            _read += data.Length;
            if (_expectedLength is { } max && _read > max) throw Mismatch($"is longer than its recorded size {max}");
        }
        else if (requested > 0 && !_verified)
        {
            Verify();
        }

        return data.Length;
    }

    private void Verify()
    {
        _verified = true;
        if (_expectedLength is { } len && _read != len) throw Mismatch($"has {_read} bytes, expected {len}");
        var actual = _expected.Algorithm == "sha512"
            ? $"sha512:{Convert.ToHexStringLower(_hash.GetHashAndReset())}"
            : Digest.FromSha256Hash(_hash.GetHashAndReset()).ToString();
        if (actual != _expected.ToString()) throw Mismatch($"has digest {actual}");
    }

    private ContainerizeException Mismatch(string detail) =>
        new(StoreErrors.CorruptBlob, $"{_what} {_expected} is corrupt: it {detail}",
            hint: "run 'containerize store check' and pull or rebuild the image; the store never serves content that fails its digest");

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _inner.Dispose();
            _hash.Dispose();
        }

        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        await _inner.DisposeAsync().ConfigureAwait(false);
        _hash.Dispose();
        await base.DisposeAsync().ConfigureAwait(false);
    }
}
