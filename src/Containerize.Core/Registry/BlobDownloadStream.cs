using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using Containerize.Core.Diagnostics;
using Containerize.Core.Images.Oci;

namespace Containerize.Core.Registry;

/// <summary>
/// The body of a blob GET as one stream that survives broken connections: when a read fails or the body ends
/// early, it asks again with <c>Range: bytes=N-</c> and carries on. It hashes what passes through and, at the end,
/// throws CTZ4005 unless size and digest match the descriptor, so the store discards the content.
/// </summary>
internal sealed class BlobDownloadStream(RegistryClient client, string registry, string repository, Descriptor blob) : Stream
{
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(blob.Digest.Algorithm == "sha512" ? HashAlgorithmName.SHA512 : HashAlgorithmName.SHA256);
    private HttpResponseMessage? _response;
    private Stream? _body;
    private long _position;
    private int _resumes;
    private bool _verified;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => blob.Size;

    public override long Position { get => _position; set => throw new NotSupportedException(); }

    public async Task StartAsync(CancellationToken cancellationToken) => await OpenAsync(cancellationToken).ConfigureAwait(false);

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (buffer.Length == 0) return 0;
        while (true)
        {
            if (_body is null) await OpenAsync(cancellationToken).ConfigureAwait(false);
            int read;
            using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
            {
                timeout.CancelAfter(client.Options.ReadTimeout);
                try
                {
                    read = await _body!.ReadAsync(buffer, timeout.Token).ConfigureAwait(false);
                }
                catch (Exception e) when (RetryingSender.IsTransient(e, cancellationToken))
                {
                    var reason = e is OperationCanceledException ? $"no data for {client.Options.ReadTimeout.TotalSeconds:0.#} s" : RetryingSender.Describe(e);
                    await ResumeAfterAsync(reason, cancellationToken).ConfigureAwait(false);
                    continue;
                }
            }

            if (read == 0)
            {
                if (_position < blob.Size)
                {
                    await ResumeAfterAsync($"the body ended after {_position} of {blob.Size} bytes", cancellationToken).ConfigureAwait(false);
                    continue;
                }

                Verify();
                return 0;
            }

            if (_position + read > blob.Size) throw Mismatch($"the registry sent more than the {blob.Size} bytes the descriptor gives");
            _hash.AppendData(buffer.Span[..read]);
            _position += read;
            return read;
        }
    }

    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override async ValueTask DisposeAsync()
    {
        CloseBody();
        _hash.Dispose();
        await base.DisposeAsync().ConfigureAwait(false);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            CloseBody();
            _hash.Dispose();
        }

        base.Dispose(disposing);
    }

    private void Verify()
    {
        if (_verified) return;
        var digest = Digest.Parse($"{blob.Digest.Algorithm}:{Convert.ToHexStringLower(_hash.GetHashAndReset())}");
        if (digest != blob.Digest) throw Mismatch($"its content has digest {digest}");
        _verified = true;
    }

    private ContainerizeException Mismatch(string what) =>
        new(RegistryErrors.DigestMismatch, $"blob {blob.Digest} of {registry}/{repository}: {what}; it was not stored",
            hint: "the registry or a proxy in between corrupted the content; try again, and report it to the registry's owner if it persists");

    private async Task ResumeAfterAsync(string reason, CancellationToken cancellationToken)
    {
        CloseBody();
        if (_resumes >= client.Options.MaxRetries)
        {
            throw new ContainerizeException(RegistryErrors.Unreachable,
                $"blob {blob.Digest.ShortId} of {registry}/{repository}: {reason}, {_resumes} times",
                hint: "the connection to the registry keeps breaking; check the network and try again");
        }

        await RetryingSender.DelayAsync(client.Options, _resumes, null, $"blob {blob.Digest.ShortId} from {registry}/{repository} at byte {_position}", reason, cancellationToken).ConfigureAwait(false);
        _resumes++;
    }

    private async Task OpenAsync(CancellationToken cancellationToken)
    {
        var from = _position;
        var request = new RegistryClient.RegistryRequest(registry, repository, RegistryMode.Pull, HttpMethod.Get, $"/v2/{repository}/blobs/{blob.Digest}", $"GET blob {blob.Digest.ShortId}")
        {
            Configure = r =>
            {
                if (from > 0) r.Headers.Range = new RangeHeaderValue(from, null);
            },
        };
        var response = await client.SendAsync(request, cancellationToken).ConfigureAwait(false);
        try
        {
            await RegistryClient.EnsureSuccessAsync(response, registry, repository, $"blob {blob.Digest}", cancellationToken).ConfigureAwait(false);
            var body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            if (from > 0 && response.StatusCode != HttpStatusCode.PartialContent)
            {
                // No Range support: skip what we already have.
                var skip = new byte[81920];
                var left = from;
                while (left > 0)
                {
                    var n = await body.ReadAsync(skip.AsMemory(0, (int)Math.Min(skip.Length, left)), cancellationToken).ConfigureAwait(false);
                    if (n == 0) break;
                    left -= n;
                }
            }

            _response = response;
            _body = body;
        }
        catch
        {
            response.Dispose();
            throw;
        }
    }

    private void CloseBody()
    {
        _body?.Dispose();
        _response?.Dispose();
        _body = null;
        _response = null;
    }
}
