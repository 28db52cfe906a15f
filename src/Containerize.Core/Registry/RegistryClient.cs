using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Security;
using System.Text.Json;
using Containerize.Core.Diagnostics;
using Containerize.Core.Images.Oci;
using Containerize.Core.Images.Store;

namespace Containerize.Core.Registry;

/// <summary>A manifest or index as a registry served it: the exact bytes, their media type and digest.</summary>
public sealed record ManifestResponse(byte[] Content, string MediaType, Digest Digest)
{
    public Descriptor Descriptor => new() { MediaType = MediaType, Digest = Digest, Size = Content.Length };
}

/// <summary>
/// The OCI distribution API over HttpClient: ping, manifests (GET, HEAD, PUT), blobs (GET into the store, HEAD,
/// uploads monolithic or chunked and resumable, cross-repository mounts). One instance serves many registries and
/// keeps, per host, the scheme that works and the authentication state; it is safe to use from several tasks at once.
/// </summary>
public sealed class RegistryClient : IDisposable
{
    /// <summary>Every manifest type we read, so that a registry never down-converts to schema 1.</summary>
    public static readonly string[] ManifestAccept = [MediaTypes.OciIndex, MediaTypes.DockerManifestList, MediaTypes.OciManifest, MediaTypes.DockerManifest];

    private readonly HttpClient _http;
    private readonly RegistryTls _tls;
    private readonly ICredentialProvider _credentials;
    private readonly ConcurrentDictionary<string, HostState> _hosts = new(StringComparer.OrdinalIgnoreCase);

    public RegistryClient(RegistryOptions? options = null)
    {
        Options = options ?? new RegistryOptions();
        _credentials = Options.Credentials ?? new DockerCredentialProvider(Options.Environment, Options.Sink);
        // An explicit CA file is read now, so a bad one is an error before any request; SSL_CERT_FILE only when needed.
        var fromEnvironment = Options.CaFile is null && Options.GetEnvironment("SSL_CERT_FILE") is { Length: > 0 } f && File.Exists(f) ? f : null;
        _tls = new RegistryTls(Options.CaFile ?? fromEnvironment,
            host => _hosts.Values.Any(h => h.Insecure && RegistryHost.HostWithoutPort(h.Registry).Equals(host, StringComparison.OrdinalIgnoreCase)),
            lazy: fromEnvironment is not null);
        var handler = new SocketsHttpHandler
        {
            ConnectTimeout = Options.ConnectTimeout,
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(30),
            MaxConnectionsPerServer = 32,
            AutomaticDecompression = DecompressionMethods.None,
            AllowAutoRedirect = true,
            UseCookies = false,
        };
        handler.SslOptions.RemoteCertificateValidationCallback = (sender, cert, chain, errors) =>
            _tls.Validate((sender as SslStream)?.TargetHostName ?? "", cert, chain, errors);
        _http = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
        _http.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue("containerize", typeof(RegistryClient).Assembly.GetName().Version?.ToString(3) ?? "0"));
    }

    public RegistryOptions Options { get; }

    internal IDiagnosticSink Sink => Options.Sink;

    public void Dispose() => _http.Dispose();

    /// <summary>
    /// Opens the connection to a registry ahead of need (the scheme probe, the token of <paramref name="mode"/> and a
    /// HEAD of the manifest), so that it overlaps with a build. Never throws: the real request reports any failure.
    /// </summary>
    public async Task WarmUpAsync(ImageReference reference, RegistryMode mode, CancellationToken cancellationToken = default)
    {
        try
        {
            await HeadManifestAsync(reference, mode, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is ContainerizeException or HttpRequestException or IOException or OperationCanceledException)
        {
            // The push that follows asks again and reports it with its code.
        }
    }

    /// <summary>GET /v2/: whether the registry answers the distribution API (401 counts: it does).</summary>
    public async Task PingAsync(string registry, CancellationToken cancellationToken = default)
    {
        using var response = await SendAsync(new(registry, "", RegistryMode.Pull, HttpMethod.Get, "/v2/", "ping"), cancellationToken).ConfigureAwait(false);
        await EnsureSuccessAsync(response, registry, "", "the registry API", cancellationToken).ConfigureAwait(false);
    }

    public async Task<ManifestResponse> GetManifestAsync(ImageReference reference, CancellationToken cancellationToken = default)
    {
        var request = new RegistryRequest(reference.Registry, reference.Repository, RegistryMode.Pull, HttpMethod.Get,
            $"/v2/{reference.Repository}/manifests/{reference.ManifestReference}", $"GET manifest {reference}")
        { Configure = AcceptManifests };
        using var response = await SendAsync(request, cancellationToken).ConfigureAwait(false);
        await EnsureSuccessAsync(response, reference.Registry, reference.Repository, $"manifest {reference.ManifestReference}", cancellationToken).ConfigureAwait(false);
        var content = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        var mediaType = response.Content.Headers.ContentType?.MediaType;
        if (mediaType is null or "application/json" or "text/plain") mediaType = OciJson.PeekMediaType(content);
        if (!MediaTypes.IsIndex(mediaType) && !MediaTypes.IsManifest(mediaType))
        {
            throw new ContainerizeException(RegistryErrors.UnsupportedManifest,
                $"{reference} is a '{mediaType}', not an OCI or Docker v2 image manifest or index",
                hint: "only schema 2 images and OCI images are supported; push the image again with a current client");
        }

        var digest = reference.Digest is { } pinned ? pinned : Digest.Sha256(content);
        if (reference.Digest is { } expected && Digest.Sha256(content) != expected && expected.Algorithm == "sha256")
        {
            throw new ContainerizeException(RegistryErrors.DigestMismatch, $"the manifest of {reference} does not have the digest asked for (got {Digest.Sha256(content)})",
                hint: "the registry or a proxy altered the manifest; try again, and report it if it persists");
        }

        if (response.Headers.TryGetValues("Docker-Content-Digest", out var values) && Digest.TryParse(values.FirstOrDefault(), out var served) &&
            served.Algorithm == "sha256" && served != digest)
        {
            throw new ContainerizeException(RegistryErrors.DigestMismatch, $"the manifest of {reference} does not match the digest the registry announced ({served})",
                hint: "the response was altered in transit; try again");
        }

        return new ManifestResponse(content, mediaType!, digest);
    }

    /// <summary>HEAD of a manifest: its descriptor, or null when the registry has no such tag or digest.</summary>
    public Task<Descriptor?> HeadManifestAsync(ImageReference reference, CancellationToken cancellationToken = default) =>
        HeadManifestAsync(reference, RegistryMode.Pull, cancellationToken);

    /// <summary>HEAD of a manifest with the token of <paramref name="mode"/>: a pusher asks with its push token.</summary>
    public async Task<Descriptor?> HeadManifestAsync(ImageReference reference, RegistryMode mode, CancellationToken cancellationToken = default)
    {
        var request = new RegistryRequest(reference.Registry, reference.Repository, mode, HttpMethod.Head,
            $"/v2/{reference.Repository}/manifests/{reference.ManifestReference}", $"HEAD manifest {reference}")
        { Configure = AcceptManifests };
        using var response = await SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.NotFound) return null;
        await EnsureSuccessAsync(response, reference.Registry, reference.Repository, $"manifest {reference.ManifestReference}", cancellationToken).ConfigureAwait(false);
        if (!response.Headers.TryGetValues("Docker-Content-Digest", out var values) || !Digest.TryParse(values.FirstOrDefault(), out var digest)) return null;
        return new Descriptor
        {
            MediaType = response.Content.Headers.ContentType?.MediaType ?? MediaTypes.OciManifest,
            Digest = digest,
            Size = response.Content.Headers.ContentLength ?? 0,
        };
    }

    /// <summary>PUT of a manifest or index under a tag or its digest; returns the digest the registry stored.</summary>
    public async Task<Digest> PutManifestAsync(ImageReference target, ReadOnlyMemory<byte> content, string mediaType, CancellationToken cancellationToken = default)
    {
        var request = new RegistryRequest(target.Registry, target.Repository, RegistryMode.Push, HttpMethod.Put,
            $"/v2/{target.Repository}/manifests/{target.ManifestReference}", $"PUT manifest {target}")
        {
            Content = () =>
            {
                var c = new ReadOnlyMemoryContent(content);
                c.Headers.ContentType = new MediaTypeHeaderValue(mediaType);
                return c;
            },
        };
        using var response = await SendAsync(request, cancellationToken).ConfigureAwait(false);
        await EnsureSuccessAsync(response, target.Registry, target.Repository, $"manifest {target.ManifestReference}", cancellationToken).ConfigureAwait(false);
        var digest = Digest.Sha256(content.Span);
        if (response.Headers.TryGetValues("Docker-Content-Digest", out var values) && Digest.TryParse(values.FirstOrDefault(), out var stored) && stored != digest)
        {
            throw new ContainerizeException(RegistryErrors.DigestMismatch, $"{target.Registry} stored the manifest of {target} as {stored}, not {digest}",
                hint: "the registry rewrote the manifest; it may not support this media type");
        }

        return digest;
    }

    /// <summary>
    /// The OCI 1.1 referrers API (GET /v2/NAME/referrers/DIGEST): the index of the manifests whose subject is
    /// <paramref name="subject"/>, or null when the registry does not have the API (a 404, as distribution 2.8 answers),
    /// so the caller uses the referrers tag schema instead. The response is the registry's text: bounded and checked.
    /// </summary>
    public async Task<ImageIndex?> GetReferrersAsync(ImageReference repository, Digest subject, RegistryMode mode = RegistryMode.Pull, CancellationToken cancellationToken = default)
    {
        var request = new RegistryRequest(repository.Registry, repository.Repository, mode, HttpMethod.Get,
            $"/v2/{repository.Repository}/referrers/{subject}", $"GET referrers of {subject.ShortId}")
        { Configure = m => m.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(MediaTypes.OciIndex)) };
        using var response = await SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.NotFound) return null;
        await EnsureSuccessAsync(response, repository.Registry, repository.Repository, $"referrers of {subject}", cancellationToken).ConfigureAwait(false);
        var type = response.Content.Headers.ContentType?.MediaType;
        if (type is not null && type != MediaTypes.OciIndex && type != "application/json") return null;
        if (response.Content.Headers.ContentLength is > MaxReferrersIndex) return null;
        var content = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        if (content.Length > MaxReferrersIndex) return null;
        try
        {
            return OciJson.DeserializeIndex(content, $"referrers of {subject}");
        }
        catch (ContainerizeException)
        {
            // A registry that answers the path with something else (an HTML page, a v2 error body) has no referrers API.
            return null;
        }
    }

    private const long MaxReferrersIndex = 4L << 20;

    /// <summary>HEAD of a blob: whether the repository has it.</summary>
    public async Task<bool> BlobExistsAsync(string registry, string repository, Digest digest, RegistryMode mode = RegistryMode.Pull, CancellationToken cancellationToken = default)
    {
        using var response = await SendAsync(new(registry, repository, mode, HttpMethod.Head, $"/v2/{repository}/blobs/{digest}", $"HEAD blob {digest.ShortId}"), cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.NotFound) return false;
        await EnsureSuccessAsync(response, registry, repository, $"blob {digest}", cancellationToken).ConfigureAwait(false);
        return true;
    }

    /// <summary>
    /// Streams a blob into the store, resuming a broken transfer with a Range request and verifying size and digest
    /// as it goes: content that does not match is never stored. Returns false when the store already had it.
    /// </summary>
    public async Task<bool> PullBlobAsync(string registry, string repository, Descriptor blob, IContentStore store, CancellationToken cancellationToken = default)
    {
        if (await store.HasBlobAsync(blob.Digest, cancellationToken).ConfigureAwait(false)) return false;
        for (var attempt = 0; ; attempt++)
        {
            await using var download = new BlobDownloadStream(this, registry, repository, blob);
            try
            {
                await download.StartAsync(cancellationToken).ConfigureAwait(false);
                await store.PutBlobAsync(download, blob.MediaType, blob.Digest, blob.Size, cancellationToken).ConfigureAwait(false);
                return true;
            }
            catch (ContainerizeException e) when (e.Code == RegistryErrors.DigestMismatch && attempt < 2)
            {
                // A corrupting proxy or a flaky disk on the registry's side: fetch the whole blob once more.
                Sink.Detail($"retry {attempt + 1}/2: blob {blob.Digest.ShortId} from {registry}/{repository}: {e.Diagnostic.Message}");
            }
        }
    }

    /// <summary>
    /// A blob of a registry as a stream that resumes after a broken body and throws CTZ4005 at its end when the bytes
    /// are not the descriptor's: what a push streams from one registry to another without storing it.
    /// </summary>
    public async Task<Stream> OpenBlobStreamAsync(string registry, string repository, Descriptor blob, CancellationToken cancellationToken = default)
    {
        var download = new BlobDownloadStream(this, registry, repository, blob);
        try
        {
            await download.StartAsync(cancellationToken).ConfigureAwait(false);
            return download;
        }
        catch
        {
            await download.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// Uploads a blob from the store unless the repository has it: a mount from <paramref name="mountFrom"/> (another
    /// repository of the same registry) when given, else a monolithic PUT or, above the chunk size, resumable PATCH
    /// chunks. Returns the number of blob bytes sent.
    /// </summary>
    public Task<long> PushBlobAsync(string registry, string repository, Descriptor blob, IContentStore store, string? mountFrom = null, CancellationToken cancellationToken = default) =>
        new BlobUploader(this, registry, repository, blob, store, mountFrom).RunAsync(cancellationToken);

    /// <summary>
    /// As <see cref="PushBlobAsync(string, string, Descriptor, IContentStore, string?, CancellationToken)"/>, for a blob
    /// the store may not hold: then it is mounted from <paramref name="mountFrom"/> when given, and otherwise (or when
    /// the registry refuses the mount) streamed from <paramref name="remote"/>, another registry's repository that has
    /// it, straight into the upload: no copy in the store, the digest checked as the bytes pass.
    /// </summary>
    public Task<long> PushBlobAsync(string registry, string repository, Descriptor blob, IContentStore store, string? mountFrom, BlobSource? remote, CancellationToken cancellationToken = default) =>
        new BlobUploader(this, registry, repository, blob, store, mountFrom) { Remote = remote }.RunAsync(cancellationToken);

    internal sealed record RegistryRequest(string Registry, string Repository, RegistryMode Mode, HttpMethod Method, string PathOrUrl, string What)
    {
        public Func<HttpContent?>? Content { get; init; }

        public Action<HttpRequestMessage>? Configure { get; init; }

        public bool Retry { get; init; } = true;

        public IReadOnlyList<string> ExtraScopes { get; init; } = [];
    }

    /// <summary>Sends with retries, the host's scheme and its authentication; answers 401 only when nothing else can be tried.</summary>
    internal async Task<HttpResponseMessage> SendAsync(RegistryRequest spec, CancellationToken cancellationToken)
    {
        if (Options.Offline)
        {
            throw new ContainerizeException(RegistryErrors.NotCached, $"offline: not contacting {spec.Registry} for {spec.What}",
                hint: "run without --offline to reach the registry");
        }

        var host = await GetHostAsync(spec.Registry, cancellationToken).ConfigureAwait(false);
        var key = spec.Repository + "|" + spec.Mode + "|" + string.Join(' ', spec.ExtraScopes);
        var attempt = new RegistryAuthenticator.Attempt();
        while (true)
        {
            HttpRequestMessage Build()
            {
                var request = new HttpRequestMessage(spec.Method, host.Resolve(spec.PathOrUrl)) { Content = spec.Content?.Invoke() };
                spec.Configure?.Invoke(request);
                host.Auth.Apply(request, key);
                return request;
            }

            var response = await RetryingSender.SendAsync(_http, Build, Options, $"{spec.What} at {spec.Registry}", spec.Retry, cancellationToken).ConfigureAwait(false);
            if (response.StatusCode != HttpStatusCode.Unauthorized) return response;
            var challenge = AuthChallenge.Parse(response.Headers.WwwAuthenticate.FirstOrDefault()?.ToString());
            if (await host.Auth.HandleChallengeAsync(challenge, key, spec.Repository, spec.Mode, spec.ExtraScopes, attempt, cancellationToken).ConfigureAwait(false))
            {
                response.Dispose();
                continue;
            }

            response.Dispose();
            throw Unauthorized(spec.Registry, spec.Repository, spec.Mode, attempt.HadCredential);
        }
    }

    internal static ContainerizeException Unauthorized(string registry, string repository, RegistryMode mode, bool hadCredential) =>
        new(RegistryErrors.Unauthorized,
            hadCredential
                ? $"{registry} rejected the credentials for {(mode == RegistryMode.Push ? "pushing to" : "pulling")} {repository}"
                : $"{registry} needs credentials for {(mode == RegistryMode.Push ? "pushing to" : "pulling")} {repository}, and none were found",
            hint: hadCredential
                ? $"log in again with 'docker login {registry}', or check DOTNET_CONTAINER_{mode.ToString().ToUpperInvariant()}_REGISTRY_UNAME/PWORD"
                : $"log in with 'docker login {registry}', or set DOTNET_CONTAINER_{mode.ToString().ToUpperInvariant()}_REGISTRY_UNAME and _PWORD");

    /// <summary>Turns a failed response into a coded error naming the registry and repository, with what to do.</summary>
    internal static async Task EnsureSuccessAsync(HttpResponseMessage response, string registry, string repository, string what, CancellationToken cancellationToken)
    {
        if (response.IsSuccessStatusCode) return;
        var detail = await ReadErrorsAsync(response, cancellationToken).ConfigureAwait(false);
        var where = repository.Length > 0 ? $"{registry}/{repository}" : registry;
        throw response.StatusCode switch
        {
            HttpStatusCode.Forbidden => new ContainerizeException(RegistryErrors.Denied, $"{where}: access to {what} denied{detail}",
                hint: "the account you are logged in with may not push to or pull from this repository; check its permissions or log in as another user"),
            HttpStatusCode.NotFound => new ContainerizeException(RegistryErrors.NotFound, $"{where}: {what} not found{detail}",
                hint: "check the registry, repository and tag (or digest); a private repository may also answer 404 when you are not logged in"),
            HttpStatusCode.Unauthorized => Unauthorized(registry, repository, RegistryMode.Pull, false),
            _ => new ContainerizeException(RegistryErrors.UnexpectedStatus, $"{where}: {what}: the registry answered {(int)response.StatusCode} {response.ReasonPhrase}{detail}",
                hint: RetryingSender.IsRetryableStatus(response.StatusCode) ? "the registry keeps failing; try again later" : "the registry refused the request; see its message"),
        };
    }

    private static async Task<string> ReadErrorsAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            var body = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
            if (body.Length == 0) return "";
            using var doc = JsonDocument.Parse(body);
            if (!doc.RootElement.TryGetProperty("errors", out var errors) || errors.ValueKind != JsonValueKind.Array) return "";
            var parts = errors.EnumerateArray()
                .Select(e => $"{(e.TryGetProperty("code", out var c) ? c.GetString() : "")}: {(e.TryGetProperty("message", out var m) ? m.GetString() : "")}")
                .Take(3);
            return " (" + string.Join("; ", parts) + ")";
        }
        catch (Exception e) when (e is JsonException or IOException or HttpRequestException or InvalidOperationException)
        {
            return "";
        }
    }

    private static void AcceptManifests(HttpRequestMessage request)
    {
        foreach (var type in ManifestAccept) request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(type));
    }

    private async Task<HostState> GetHostAsync(string registry, CancellationToken cancellationToken)
    {
        var apiHost = registry == ImageReference.DefaultRegistry ? "registry-1.docker.io" : registry;
        var state = _hosts.GetOrAdd(registry, r => new HostState(r, apiHost, RegistryHost.IsDeclaredInsecure(r, Options),
            new RegistryAuthenticator(r, Options, _credentials, _http)));
        await state.EnsureSchemeAsync(_http, Options, cancellationToken).ConfigureAwait(false);
        return state;
    }

    /// <summary>What we know of one registry host: which scheme answers, and its authentication.</summary>
    private sealed class HostState(string registry, string apiHost, bool insecure, RegistryAuthenticator auth)
    {
        private readonly SemaphoreSlim _gate = new(1, 1);
        private Uri? _base;

        public string Registry { get; } = registry;

        public bool Insecure { get; } = insecure;

        public RegistryAuthenticator Auth { get; } = auth;

        public Uri Resolve(string pathOrUrl) => new(_base!, pathOrUrl);

        /// <summary>
        /// HTTPS, except for loopback and declared-insecure registries, which may answer plain HTTP as with Docker and
        /// the .NET SDK. Decided once per host by probing /v2/. Loopback is probed over HTTP first: a TLS handshake
        /// sent to a plain HTTP server is not answered until a timeout, while a TLS server answers plain HTTP with 400
        /// at once, so this order costs nothing either way (and the probe carries no credentials).
        /// </summary>
        public async Task EnsureSchemeAsync(HttpClient http, RegistryOptions options, CancellationToken cancellationToken)
        {
            if (_base is not null) return;
            await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                if (_base is not null) return;
                var https = new Uri($"https://{apiHost}/");
                var plain = new Uri($"http://{apiHost}/");
                if (RegistryHost.IsLoopback(Registry))
                {
                    var status = await ProbeAsync(http, plain, options, cancellationToken).ConfigureAwait(false);
                    _base = status is { } code && code != HttpStatusCode.BadRequest ? plain : https;
                    options.Sink.Detail($"{Registry}: loopback registry, using {_base.Scheme}");
                }
                else if (Insecure)
                {
                    var status = await ProbeAsync(http, https, options with { ReadTimeout = TimeSpan.FromSeconds(Math.Min(3, options.ConnectTimeout.TotalSeconds)) }, cancellationToken).ConfigureAwait(false);
                    _base = status is null ? plain : https;
                    options.Sink.Detail($"{Registry}: insecure registry, using {_base.Scheme}");
                }
                else
                {
                    _base = https;
                }
            }
            finally
            {
                _gate.Release();
            }
        }

        private static async Task<HttpStatusCode?> ProbeAsync(HttpClient http, Uri baseUri, RegistryOptions options, CancellationToken cancellationToken)
        {
            try
            {
                using var probe = await RetryingSender.SendAsync(http, () => new HttpRequestMessage(HttpMethod.Get, new Uri(baseUri, "/v2/")),
                    options with { MaxRetries = 0 }, $"probe of {baseUri}", retry: false, cancellationToken).ConfigureAwait(false);
                return probe.StatusCode;
            }
            catch (ContainerizeException e) when (e.Code == RegistryErrors.Unreachable)
            {
                options.Sink.Detail($"{baseUri.Authority}: {baseUri.Scheme} did not answer ({e.Diagnostic.Message})");
                return null;
            }
        }
    }
}
