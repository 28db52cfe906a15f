using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Containerize.Core.Diagnostics;

namespace Containerize.Core.Registry;

/// <summary>
/// The authentication state of one registry host. Bearer tokens come from the challenge's realm, first anonymously
/// (public images need no login, and a stale credential for the wrong host cannot break them), then with credentials
/// when the anonymous token is not enough; once a host needed credentials they are used straight away. Tokens are
/// cached by scope until shortly before they expire. Basic credentials are sent pre-emptively once the host asked.
/// </summary>
internal sealed class RegistryAuthenticator(string registry, RegistryOptions options, ICredentialProvider credentials, HttpClient http)
{
    private static readonly TimeSpan ExpiryMargin = TimeSpan.FromSeconds(10);
    private readonly Lock _lock = new();
    private readonly Dictionary<string, CachedToken> _tokensByScope = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _scopeByKey = new(StringComparer.Ordinal);
    private readonly Dictionary<RegistryMode, Task<RegistryCredential?>> _credentials = [];
    private readonly Dictionary<string, Task<CachedToken?>> _fetches = new(StringComparer.Ordinal);
    private string? _basic;
    private bool _needsCredentials;

    /// <summary>Whether a request may be answered 401 and tried again: the state of one request's handshake.</summary>
    internal sealed class Attempt
    {
        public bool TriedAnonymous { get; set; }

        public bool TriedCredentials { get; set; }

        public bool HadCredential { get; set; }
    }

    public void Apply(HttpRequestMessage request, string key)
    {
        lock (_lock)
        {
            if (_basic is not null)
            {
                request.Headers.Authorization = new AuthenticationHeaderValue("Basic", _basic);
                return;
            }

            if (_scopeByKey.TryGetValue(key, out var scope) && _tokensByScope.TryGetValue(scope, out var token) && token.Expires > DateTimeOffset.UtcNow)
            {
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token.Token);
            }
        }
    }

    /// <summary>Reacts to a 401: true when there is something new to try, false when the request is finally unauthorized.</summary>
    public async Task<bool> HandleChallengeAsync(
        AuthChallenge? challenge, string key, string repository, RegistryMode mode, IReadOnlyList<string> extraScopes, Attempt attempt, CancellationToken cancellationToken)
    {
        if (challenge is null) return false;
        if (challenge.IsBasic)
        {
            if (attempt.TriedCredentials) return false;
            attempt.TriedCredentials = true;
            var credential = await GetCredentialAsync(mode).ConfigureAwait(false);
            attempt.HadCredential = credential is not null;
            if (credential?.Username is null || credential.Password is null) return false;
            lock (_lock) _basic = Convert.ToBase64String(Encoding.UTF8.GetBytes($"{credential.Username}:{credential.Password}"));
            options.Sink.Detail($"{registry}: using Basic authentication ({credential.Source})");
            return true;
        }

        if (!challenge.IsBearer || challenge.Realm is null) return false;
        // The scope follows the request's repository and mode rather than each challenge, so that one push token
        // (pull,push) serves HEAD, POST, PATCH and PUT alike instead of one token per verb.
        var scopes = new List<string>();
        if (repository.Length > 0) scopes.Add($"repository:{repository}:{(mode == RegistryMode.Push ? "pull,push" : "pull")}");
        else if (challenge.Scope is { } challenged) scopes.Add(challenged);
        scopes.AddRange(extraScopes.Where(s => !scopes.Contains(s)));
        var scopeKey = string.Join(' ', scopes);

        bool needsCredentials;
        lock (_lock) needsCredentials = _needsCredentials;
        if (!attempt.TriedAnonymous && !needsCredentials)
        {
            attempt.TriedAnonymous = true;
            var anonymous = await GetTokenAsync(challenge, scopes, null, cancellationToken).ConfigureAwait(false);
            if (anonymous is not null)
            {
                Store(key, scopeKey, anonymous);
                options.Sink.Detail($"{registry}: anonymous token for {scopeKey}");
                return true;
            }
        }

        if (attempt.TriedCredentials) return false;
        attempt.TriedCredentials = true;
        var cred = await GetCredentialAsync(mode).ConfigureAwait(false);
        attempt.HadCredential = cred is not null;
        if (cred is null) return false;
        var token = await GetTokenAsync(challenge, scopes, cred, cancellationToken).ConfigureAwait(false)
            ?? throw new ContainerizeException(RegistryErrors.Unauthorized,
                $"the token server of {registry} rejected the credentials ({cred.Source}) for {scopeKey}",
                hint: $"log in again ('docker login {registry}') or check the DOTNET_CONTAINER_*_REGISTRY_UNAME/PWORD variables");
        lock (_lock) _needsCredentials = true;
        Store(key, scopeKey, token);
        options.Sink.Detail($"{registry}: token for {scopeKey} with {cred.Source}");
        return true;
    }

    private Task<RegistryCredential?> GetCredentialAsync(RegistryMode mode)
    {
        lock (_lock)
        {
            if (!_credentials.TryGetValue(mode, out var task))
            {
                _credentials[mode] = task = credentials.GetAsync(registry, mode, CancellationToken.None);
            }

            return task;
        }
    }

    private void Store(string key, string scopeKey, CachedToken token)
    {
        lock (_lock)
        {
            _tokensByScope[scopeKey] = token;
            _scopeByKey[key] = scopeKey;
        }
    }

    /// <summary>
    /// One token fetch per scope and kind (anonymous or with credentials) at a time: requests that fail together,
    /// as parallel uploads do, share the answer instead of each asking the token server.
    /// </summary>
    private Task<CachedToken?> GetTokenAsync(AuthChallenge challenge, IReadOnlyList<string> scopes, RegistryCredential? credential, CancellationToken cancellationToken)
    {
        var key = (credential is null ? "anon:" : "cred:") + string.Join(' ', scopes);
        lock (_lock)
        {
            if (_fetches.TryGetValue(key, out var existing) &&
                (!existing.IsCompleted || (existing.IsCompletedSuccessfully && existing.Result is { } t && t.Expires > DateTimeOffset.UtcNow)))
            {
                return existing;
            }

            var task = FetchTokenAsync(challenge, scopes, credential, cancellationToken);
            _fetches[key] = task;
            return task;
        }
    }

    /// <summary>A token, or null when the token server answered 401 (the credentials, or their absence, are not enough).</summary>
    private async Task<CachedToken?> FetchTokenAsync(AuthChallenge challenge, IReadOnlyList<string> scopes, RegistryCredential? credential, CancellationToken cancellationToken)
    {
        var query = new StringBuilder();
        if (challenge.Service is { } service) query.Append("service=").Append(Uri.EscapeDataString(service));
        foreach (var scope in scopes) query.Append(query.Length > 0 ? "&" : "").Append("scope=").Append(Uri.EscapeDataString(scope));

        HttpRequestMessage Build()
        {
            HttpRequestMessage request;
            if (credential?.IdentityToken is { } refresh)
            {
                // docker login's identity token is an OAuth2 refresh token, exchanged by POST.
                var form = new List<KeyValuePair<string, string>>
                {
                    new("grant_type", "refresh_token"),
                    new("refresh_token", refresh),
                    new("client_id", "containerize"),
                };
                if (challenge.Service is { } s) form.Add(new("service", s));
                form.Add(new("scope", string.Join(' ', scopes)));
                request = new HttpRequestMessage(HttpMethod.Post, challenge.Realm) { Content = new FormUrlEncodedContent(form) };
            }
            else
            {
                var sep = challenge.Realm!.Contains('?', StringComparison.Ordinal) ? "&" : "?";
                request = new HttpRequestMessage(HttpMethod.Get, challenge.Realm + (query.Length > 0 ? sep + query : ""));
                if (credential is { Username: { } u, Password: { } p })
                {
                    request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{u}:{p}")));
                }
            }

            return request;
        }

        using var response = await RetryingSender.SendAsync(http, Build, options, $"token from {RealmHost(challenge.Realm!)}", retry: true, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode is System.Net.HttpStatusCode.Unauthorized or System.Net.HttpStatusCode.Forbidden) return null;
        if (!response.IsSuccessStatusCode)
        {
            throw new ContainerizeException(RegistryErrors.TokenFailed,
                $"the token server {RealmHost(challenge.Realm!)} for {registry} answered {(int)response.StatusCode} {response.ReasonPhrase}",
                hint: "the registry's authentication service is failing; try again later");
        }

        var body = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            using var doc = JsonDocument.Parse(body);
            var root = doc.RootElement;
            var token = root.TryGetProperty("token", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString()
                : root.TryGetProperty("access_token", out var a) && a.ValueKind == JsonValueKind.String ? a.GetString() : null;
            if (string.IsNullOrEmpty(token)) throw new JsonException("no token");
            var lifetime = root.TryGetProperty("expires_in", out var e) && e.TryGetInt32(out var seconds) && seconds > 0 ? seconds : 60;
            var issued = root.TryGetProperty("issued_at", out var i) && i.ValueKind == JsonValueKind.String && DateTimeOffset.TryParse(i.GetString(), out var at)
                ? at : DateTimeOffset.UtcNow;
            if (issued > DateTimeOffset.UtcNow) issued = DateTimeOffset.UtcNow;
            return new CachedToken(token, issued + TimeSpan.FromSeconds(lifetime) - ExpiryMargin);
        }
        catch (JsonException)
        {
            throw new ContainerizeException(RegistryErrors.TokenFailed, $"the token server {RealmHost(challenge.Realm!)} for {registry} answered without a token",
                hint: "the registry's authentication service is misbehaving; try again later");
        }
    }

    private static string RealmHost(string realm) => Uri.TryCreate(realm, UriKind.Absolute, out var u) ? u.Authority : "(invalid realm)";

    private sealed record CachedToken(string Token, DateTimeOffset Expires)
    {
        public override string ToString() => $"token until {Expires:u}";
    }
}
