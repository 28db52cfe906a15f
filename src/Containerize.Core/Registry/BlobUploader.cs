using System.Net;
using System.Net.Http.Headers;
using Containerize.Core.Diagnostics;
using Containerize.Core.Images.Oci;
using Containerize.Core.Images.Store;

namespace Containerize.Core.Registry;

/// <summary>
/// One blob upload (distribution spec "pushing blobs"): HEAD, else a mount, else POST for a session, then either one PUT
/// with the whole blob or PATCH chunks with Content-Range followed by a closing PUT. When a PATCH breaks, the session's
/// offset is read back (GET of the upload URL, its Range header) and the upload carries on from there; a lost
/// session starts over.
/// </summary>
internal sealed class BlobUploader(RegistryClient client, string registry, string repository, Descriptor blob, IContentStore store, string? mountFrom)
{
    private RegistryOptions Options => client.Options;

    private long _sent;

    /// <summary>Where the bytes come from when the store does not hold the blob (a base layer left in its registry).</summary>
    public BlobSource? Remote { get; init; }

    private bool _local = true;

    public async Task<long> RunAsync(CancellationToken cancellationToken)
    {
        if (await client.BlobExistsAsync(registry, repository, blob.Digest, RegistryMode.Push, cancellationToken).ConfigureAwait(false))
        {
            client.Sink.Detail($"blob {blob.Digest.ShortId} already in {registry}/{repository}");
            return 0;
        }

        _local = await store.GetBlobSizeAsync(blob.Digest, cancellationToken).ConfigureAwait(false) is not null;
        if (!_local && Remote is null && mountFrom is null)
        {
            throw new ContainerizeException(RegistryErrors.MissingLocalContent, $"blob {blob.Digest} is not in the local store",
                hint: "pull or build the image again so that the store has all of its layers");
        }

        for (var session = 0; ; session++)
        {
            var location = await StartAsync(cancellationToken).ConfigureAwait(false);
            if (location is null) return _sent;
            if (!_local && Remote is null)
            {
                // The mount was refused (202 and a session instead of 201) and nothing else has the bytes.
                throw new ContainerizeException(RegistryErrors.MissingLocalContent, $"{registry}/{repository} refused to mount blob {blob.Digest} from {mountFrom}, and the local store does not hold it",
                    hint: $"fetch the image's layers first ('containerize pull' of its base), then push again");
            }

            try
            {
                if (blob.Size <= Options.ChunkSize) await PutWholeAsync(location, cancellationToken).ConfigureAwait(false);
                else await UploadChunkedAsync(location, cancellationToken).ConfigureAwait(false);
                return _sent;
            }
            catch (SessionLostException e) when (session < Options.MaxRetries)
            {
                await RetryingSender.DelayAsync(Options, session, null, $"upload of blob {blob.Digest.ShortId} to {registry}/{repository}", e.Message + "; starting a new session", cancellationToken).ConfigureAwait(false);
            }
            catch (SessionLostException e)
            {
                // Out of sessions: a coded error, not the internal exception (a stream from another registry that
                // keeps breaking or a corrupt source ends here too).
                throw new ContainerizeException(RegistryErrors.Unreachable, $"upload of blob {blob.Digest.ShortId} to {registry}/{repository} failed {session + 1} times: {e.Message}",
                    hint: "check the network and the registries; try again");
            }
        }
    }

    /// <summary>POST: a mount when a source repository is known (null when it worked), else a new session's URL.</summary>
    private async Task<Uri?> StartAsync(CancellationToken cancellationToken)
    {
        var path = $"/v2/{repository}/blobs/uploads/";
        IReadOnlyList<string> scopes = [];
        if (mountFrom is not null && mountFrom != repository)
        {
            path += $"?mount={Uri.EscapeDataString(blob.Digest.ToString())}&from={Uri.EscapeDataString(mountFrom)}";
            scopes = [$"repository:{mountFrom}:pull"];
        }

        var request = new RegistryClient.RegistryRequest(registry, repository, RegistryMode.Push, HttpMethod.Post, path, $"start upload of {blob.Digest.ShortId}") { ExtraScopes = scopes };
        using var response = await client.SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.Created && mountFrom is not null)
        {
            client.Sink.Detail($"blob {blob.Digest.ShortId} mounted from {mountFrom} into {registry}/{repository}");
            return null;
        }

        await RegistryClient.EnsureSuccessAsync(response, registry, repository, "blob upload", cancellationToken).ConfigureAwait(false);
        return LocationOf(response) ?? throw new ContainerizeException(RegistryErrors.ProtocolError,
            $"{registry}/{repository}: the registry started an upload without a Location header", hint: "the registry does not follow the distribution spec");
    }

    private async Task PutWholeAsync(Uri location, CancellationToken cancellationToken)
    {
        // The PUT is retried as a whole (a fresh stream each time); a session that breaks mid-PUT is lost, so restart.
        var request = new RegistryClient.RegistryRequest(registry, repository, RegistryMode.Push, HttpMethod.Put, WithDigest(location).ToString(), $"PUT blob {blob.Digest.ShortId}")
        {
            Content = () => new CountingContent(() => OpenSourceAsync(cancellationToken), 0, blob.Size, n => Interlocked.Add(ref _sent, n), verifyEnd: !_local),
            Retry = false,
        };
        HttpResponseMessage response;
        try
        {
            response = await client.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }
        catch (ContainerizeException e) when (e.Code == RegistryErrors.Unreachable)
        {
            throw new SessionLostException(e.Diagnostic.Message);
        }

        using (response)
        {
            if (RetryingSender.IsRetryableStatus(response.StatusCode)) throw new SessionLostException($"{(int)response.StatusCode} {response.ReasonPhrase}");
            await RegistryClient.EnsureSuccessAsync(response, registry, repository, $"blob {blob.Digest.ShortId} upload", cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task UploadChunkedAsync(Uri location, CancellationToken cancellationToken)
    {
        long offset = 0;
        var failures = 0;
        Stream? source = null;
        long sourcePosition = 0;
        try
        {
            while (offset < blob.Size)
            {
                if (source is null || sourcePosition != offset)
                {
                    if (source is not null) await source.DisposeAsync().ConfigureAwait(false);
                    source = await OpenSourceAsync(cancellationToken).ConfigureAwait(false);
                    await SkipAsync(source, offset, cancellationToken).ConfigureAwait(false);
                    sourcePosition = offset;
                }

                var length = Math.Min(Options.ChunkSize, blob.Size - offset);
                var chunkStart = offset;
                var shared = source;
                var request = new RegistryClient.RegistryRequest(registry, repository, RegistryMode.Push, HttpMethod.Patch, location.ToString(), $"PATCH blob {blob.Digest.ShortId} bytes {chunkStart}-{chunkStart + length - 1}")
                {
                    Content = () =>
                    {
                        var c = new CountingContent(() => Task.FromResult(shared), chunkStart, length, n =>
                        {
                            Interlocked.Add(ref _sent, n);
                            sourcePosition += n;
                        }, ownsStream: false, verifyEnd: !_local && chunkStart + length == blob.Size);
                        c.Headers.TryAddWithoutValidation("Content-Range", $"{chunkStart}-{chunkStart + length - 1}");
                        return c;
                    },
                    Retry = false,
                };

                string? failure = null;
                try
                {
                    using var response = await client.SendAsync(request, cancellationToken).ConfigureAwait(false);
                    if (response.StatusCode == HttpStatusCode.Accepted)
                    {
                        location = LocationOf(response) ?? location;
                        offset = RangeEnd(response) ?? chunkStart + length;
                        failures = 0;
                        continue;
                    }

                    if (response.StatusCode == HttpStatusCode.RequestedRangeNotSatisfiable || response.StatusCode == HttpStatusCode.NotFound)
                    {
                        throw new SessionLostException($"{(int)response.StatusCode} {response.ReasonPhrase} for bytes from {chunkStart}");
                    }

                    if (!RetryingSender.IsRetryableStatus(response.StatusCode))
                    {
                        await RegistryClient.EnsureSuccessAsync(response, registry, repository, $"blob {blob.Digest.ShortId} upload", cancellationToken).ConfigureAwait(false);
                        throw new ContainerizeException(RegistryErrors.ProtocolError, $"{registry}/{repository}: PATCH answered {(int)response.StatusCode}",
                            hint: "the registry does not follow the distribution spec");
                    }

                    failure = $"{(int)response.StatusCode} {response.ReasonPhrase}";
                }
                catch (ContainerizeException e) when (e.Code == RegistryErrors.Unreachable)
                {
                    failure = e.Diagnostic.Message;
                }

                if (++failures > Options.MaxRetries) throw new SessionLostException(failure);
                await RetryingSender.DelayAsync(Options, failures - 1, null, $"chunk of blob {blob.Digest.ShortId} to {registry}/{repository}", failure + "; resuming", cancellationToken).ConfigureAwait(false);
                (location, offset) = await StatusAsync(location, cancellationToken).ConfigureAwait(false);
                client.Sink.Detail($"upload of blob {blob.Digest.ShortId} resumes at byte {offset}");
            }
        }
        finally
        {
            if (source is not null) await source.DisposeAsync().ConfigureAwait(false);
        }

        var close = new RegistryClient.RegistryRequest(registry, repository, RegistryMode.Push, HttpMethod.Put, WithDigest(location).ToString(), $"close upload of {blob.Digest.ShortId}");
        using var done = await client.SendAsync(close, cancellationToken).ConfigureAwait(false);
        if (done.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.RequestedRangeNotSatisfiable) throw new SessionLostException("the session was gone at the end");
        if (done.StatusCode == HttpStatusCode.BadRequest)
        {
            await RegistryClient.EnsureSuccessAsync(done, registry, repository, $"blob {blob.Digest.ShortId} (the registry computed another digest; the local store may be corrupt)", cancellationToken).ConfigureAwait(false);
        }

        await RegistryClient.EnsureSuccessAsync(done, registry, repository, $"blob {blob.Digest.ShortId} upload", cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The blob's bytes: from the store, or streamed from another registry (a lazily pulled base layer). A stream from a
    /// registry checks the digest when its end is read, which <see cref="CountingContent"/> does after its last byte
    /// (a stored blob was checked when it was written, and the registry checks the digest again either way).
    /// </summary>
    private async Task<Stream> OpenSourceAsync(CancellationToken cancellationToken)
    {
        if (_local) return await store.OpenBlobAsync(blob.Digest, cancellationToken).ConfigureAwait(false);
        client.Sink.Detail($"blob {blob.Digest.ShortId} streamed from {Remote} to {registry}/{repository}");
        return await client.OpenBlobStreamAsync(Remote!.Registry, Remote.Repository, blob, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>GET of the upload URL: where the session is (its Range), to resume from there.</summary>
    private async Task<(Uri Location, long Offset)> StatusAsync(Uri location, CancellationToken cancellationToken)
    {
        var request = new RegistryClient.RegistryRequest(registry, repository, RegistryMode.Push, HttpMethod.Get, location.ToString(), $"upload status of {blob.Digest.ShortId}");
        using var response = await client.SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode != HttpStatusCode.NoContent && !response.IsSuccessStatusCode)
        {
            throw new SessionLostException($"upload status answered {(int)response.StatusCode}");
        }

        return (LocationOf(response) ?? location, RangeEnd(response) ?? 0);
    }

    /// <summary>
    /// The next offset from <c>Range: 0-N</c> (N inclusive). distribution answers 0-0 for both 0 and 1 byte; we take 0,
    /// and a server that has 1 byte answers our PATCH with 416, which starts a new session.
    /// </summary>
    private static long? RangeEnd(HttpResponseMessage response)
    {
        if (!response.Headers.TryGetValues("Range", out var values)) return null;
        var text = values.FirstOrDefault() ?? "";
        if (text.StartsWith("bytes=", StringComparison.Ordinal)) text = text[6..];
        var dash = text.IndexOf('-');
        if (dash < 0 || !long.TryParse(text[(dash + 1)..], out var end)) return null;
        return end == 0 ? 0 : end + 1;
    }

    private Uri? LocationOf(HttpResponseMessage response)
    {
        var location = response.Headers.Location;
        if (location is null) return null;
        return location.IsAbsoluteUri ? location : new Uri(response.RequestMessage!.RequestUri!, location);
    }

    private Uri WithDigest(Uri location)
    {
        var builder = new UriBuilder(location);
        var digest = "digest=" + Uri.EscapeDataString(blob.Digest.ToString());
        builder.Query = string.IsNullOrEmpty(builder.Query) || builder.Query == "?" ? digest : builder.Query.TrimStart('?') + "&" + digest;
        return builder.Uri;
    }

    private static async Task SkipAsync(Stream stream, long count, CancellationToken cancellationToken)
    {
        if (count == 0) return;
        if (stream.CanSeek)
        {
            stream.Seek(count, SeekOrigin.Current);
            return;
        }

        var buffer = new byte[81920];
        while (count > 0)
        {
            var n = await stream.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, count)), cancellationToken).ConfigureAwait(false);
            if (n == 0) throw new EndOfStreamException("the stored blob is shorter than its descriptor");
            count -= n;
        }
    }

    private sealed class SessionLostException(string message) : Exception(message);

    /// <summary>Sends <c>length</c> bytes of a stream with a Content-Length, counting what actually went out.</summary>
    private sealed class CountingContent : HttpContent
    {
        private readonly Func<Task<Stream>> _open;
        private readonly long _length;
        private readonly Action<long> _sent;
        private readonly bool _ownsStream;
        private readonly bool _verifyEnd;

        public CountingContent(Func<Task<Stream>> open, long start, long length, Action<long> sent, bool ownsStream = true, bool verifyEnd = false)
        {
            _verifyEnd = verifyEnd;
            _open = open;
            _length = length;
            _sent = sent;
            _ownsStream = ownsStream;
            _ = start;
            Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
            Headers.ContentLength = length;
        }

        protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) => SerializeToStreamAsync(stream, context, CancellationToken.None);

        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
        {
            var source = await _open().ConfigureAwait(false);
            try
            {
                var buffer = new byte[128 * 1024];
                var left = _length;
                while (left > 0)
                {
                    var n = await source.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, left)), cancellationToken).ConfigureAwait(false);
                    if (n == 0) throw new EndOfStreamException("the stored blob is shorter than its descriptor");
                    _sent(n);
                    await stream.WriteAsync(buffer.AsMemory(0, n), cancellationToken).ConfigureAwait(false);
                    left -= n;
                }

                // Reading the end makes a verifying stream compare the digest: a corrupt stream from another registry
                // fails this request here, before the registry's own check of ?digest=.
                if (_verifyEnd && await source.ReadAsync(buffer.AsMemory(0, 1), cancellationToken).ConfigureAwait(false) != 0)
                {
                    throw new EndOfStreamException("the blob is longer than its descriptor");
                }
            }
            finally
            {
                if (_ownsStream) await source.DisposeAsync().ConfigureAwait(false);
            }
        }

        protected override bool TryComputeLength(out long length)
        {
            length = _length;
            return true;
        }
    }
}
