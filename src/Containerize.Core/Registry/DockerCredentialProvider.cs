using System.Text;
using System.Text.Json;
using Containerize.Core.Diagnostics;

namespace Containerize.Core.Registry;

/// <summary>
/// Credentials as the .NET SDK and Docker find them. First the SDK's variables (DOTNET_CONTAINER_PUSH_/PULL_REGISTRY_UNAME
/// and _PWORD by mode, then DOTNET_CONTAINER_REGISTRY_UNAME/_PWORD, then the older SDK_CONTAINER_* names); then Docker's
/// config.json (DOCKER_CONFIG or ~/.docker): <c>credHelpers</c> for the host, an <c>auths</c> entry, then <c>credsStore</c>.
/// </summary>
public sealed class DockerCredentialProvider : ICredentialProvider
{
    /// <summary>Docker keeps Docker Hub's credentials under this key, not under docker.io.</summary>
    public const string DockerHubServerAddress = "https://index.docker.io/v1/";

    private readonly Func<string, string?> _environment;
    private readonly IDiagnosticSink _sink;
    private readonly CredentialHelperRunner _helpers;

    public DockerCredentialProvider(Func<string, string?>? environment = null, IDiagnosticSink? sink = null, CredentialHelperRunner? helpers = null)
    {
        _environment = environment ?? Environment.GetEnvironmentVariable;
        _sink = sink ?? NullSink.Instance;
        _helpers = helpers ?? new CredentialHelperRunner(_environment);
    }

    public async Task<RegistryCredential?> GetAsync(string registry, RegistryMode mode, CancellationToken cancellationToken)
    {
        if (FromEnvironment(mode) is { } fromEnv) return fromEnv;

        var config = ReadConfig();
        if (config is null) return null;
        var host = NormalizeHost(registry);
        var serverAddress = host == "docker.io" ? DockerHubServerAddress : host;

        if (config.CredHelpers.TryGetValue(host, out var helper))
        {
            return await _helpers.GetAsync(helper, serverAddress, cancellationToken).ConfigureAwait(false);
        }

        foreach (var (key, entry) in config.Auths)
        {
            if (NormalizeHost(key) != host) continue;
            if (entry.IdentityToken is { Length: > 0 }) return new RegistryCredential(entry.Username, null, entry.IdentityToken) { Source = $"{config.Path} (auths)" };
            if (entry.Username is not null && entry.Password is not null) return new RegistryCredential(entry.Username, entry.Password) { Source = $"{config.Path} (auths)" };
        }

        if (config.CredsStore is { Length: > 0 } store)
        {
            return await _helpers.GetAsync(store, serverAddress, cancellationToken).ConfigureAwait(false);
        }

        return null;
    }

    /// <summary>
    /// The host a config key names, as Docker's ConvertToHostname does (scheme and path dropped), with Docker Hub's
    /// aliases (index.docker.io, registry-1.docker.io, https://index.docker.io/v1/) all becoming docker.io.
    /// </summary>
    public static string NormalizeHost(string key)
    {
        var host = key.Trim();
        var scheme = host.IndexOf("://", StringComparison.Ordinal);
        if (scheme >= 0) host = host[(scheme + 3)..];
        var slash = host.IndexOf('/');
        if (slash >= 0) host = host[..slash];
        host = host.ToLowerInvariant();
        return host is "index.docker.io" or "registry-1.docker.io" or "registry.hub.docker.com" ? "docker.io" : host;
    }

    private RegistryCredential? FromEnvironment(RegistryMode mode)
    {
        var specific = mode == RegistryMode.Push ? "PUSH_" : "PULL_";
        foreach (var prefix in new[] { $"DOTNET_CONTAINER_{specific}REGISTRY_", "DOTNET_CONTAINER_REGISTRY_", $"SDK_CONTAINER_{specific}REGISTRY_", "SDK_CONTAINER_REGISTRY_" })
        {
            var user = _environment(prefix + "UNAME");
            var password = _environment(prefix + "PWORD");
            if (!string.IsNullOrEmpty(user) && !string.IsNullOrEmpty(password))
            {
                _sink.Detail($"registry credentials: using {prefix}UNAME");
                return new RegistryCredential(user, password) { Source = prefix + "UNAME" };
            }
        }

        return null;
    }

    private DockerConfig? ReadConfig()
    {
        var dir = _environment("DOCKER_CONFIG") is { Length: > 0 } d
            ? d
            : Path.Combine(_environment("HOME") ?? Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".docker");
        var path = Path.Combine(dir, "config.json");
        if (!File.Exists(path)) return null;
        try
        {
            return DockerConfig.Parse(File.ReadAllBytes(path), path);
        }
        catch (JsonException e)
        {
            throw new ContainerizeException(RegistryErrors.BadDockerConfig, $"{path} is not valid JSON ({e.Message})", path,
                hint: "fix or remove the file; 'docker login' rewrites it", inner: e);
        }
    }

    private sealed record AuthEntry(string? Username, string? Password, string? IdentityToken);

    private sealed record DockerConfig(string Path, Dictionary<string, AuthEntry> Auths, Dictionary<string, string> CredHelpers, string? CredsStore)
    {
        public static DockerConfig Parse(byte[] json, string path)
        {
            using var doc = JsonDocument.Parse(json, new JsonDocumentOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip });
            var root = doc.RootElement;
            var auths = new Dictionary<string, AuthEntry>(StringComparer.Ordinal);
            var helpers = new Dictionary<string, string>(StringComparer.Ordinal);
            string? store = null;
            if (root.ValueKind != JsonValueKind.Object) throw new JsonException("the top level is not an object");
            if (root.TryGetProperty("auths", out var a) && a.ValueKind == JsonValueKind.Object)
            {
                foreach (var p in a.EnumerateObject())
                {
                    if (p.Value.ValueKind != JsonValueKind.Object) continue;
                    string? user = Str(p.Value, "username"), password = Str(p.Value, "password");
                    if (Str(p.Value, "auth") is { Length: > 0 } auth)
                    {
                        // "auth" is base64 of user:password; a malformed one is ignored as Docker ignores it.
                        try
                        {
                            var decoded = Encoding.UTF8.GetString(Convert.FromBase64String(auth));
                            var colon = decoded.IndexOf(':');
                            if (colon > 0) (user, password) = (decoded[..colon], decoded[(colon + 1)..]);
                        }
                        catch (FormatException)
                        {
                        }
                    }

                    auths[p.Name] = new AuthEntry(user, password, Str(p.Value, "identitytoken"));
                }
            }

            if (root.TryGetProperty("credHelpers", out var h) && h.ValueKind == JsonValueKind.Object)
            {
                foreach (var p in h.EnumerateObject())
                {
                    if (p.Value.ValueKind == JsonValueKind.String && p.Value.GetString() is { Length: > 0 } v) helpers[NormalizeHost(p.Name)] = v;
                }
            }

            if (Str(root, "credsStore") is { Length: > 0 } s) store = s;
            return new DockerConfig(path, auths, helpers, store);
        }

        private static string? Str(JsonElement e, string name) =>
            e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
    }
}
