using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;

namespace Containerize.Tests.Registry;

/// <summary>
/// A token server for the registry's bearer flow (distribution's registry/auth/token): answers GET /token with an
/// RS256 JWT whose header carries the signing certificate (x5c), which the registry trusts through its
/// rootcertbundle. Anonymous callers get pull only; <see cref="RegistryProcess.User"/> with its password gets what it
/// asks for; wrong credentials get 401. Counts its requests so tests can see tokens being cached.
/// </summary>
internal sealed class TokenServer : IDisposable
{
    public const string Service = "containerize-test-registry";
    public const string Issuer = "containerize-test-issuer";

    private readonly HttpListener _listener = new();
    private readonly RSA _key = RSA.Create(2048);
    private readonly X509Certificate2 _certificate;
    private readonly Task _loop;
    private int _requests;
    private int _credentialedRequests;

    public TokenServer(string bundlePath)
    {
        var request = new CertificateRequest("CN=containerize test token signer", _key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyCertSign, true));
        _certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(2));
        File.WriteAllText(bundlePath, _certificate.ExportCertificatePem() + "\n");
        RootCertBundle = bundlePath;
        var port = RegistryProcess.FreePort();
        Realm = $"http://127.0.0.1:{port}/token";
        _listener.Prefixes.Add($"http://127.0.0.1:{port}/");
        _listener.Start();
        _loop = Task.Run(LoopAsync);
    }

    public string Realm { get; }

    public string RootCertBundle { get; }

    public int Requests => Volatile.Read(ref _requests);

    public int CredentialedRequests => Volatile.Read(ref _credentialedRequests);

    /// <summary>Seconds a token lives.</summary>
    public int Lifetime { get; set; } = 300;

    private async Task LoopAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            try
            {
                Handle(context);
            }
            catch (Exception e) when (e is HttpListenerException or IOException)
            {
            }
        }
    }

    private void Handle(HttpListenerContext context)
    {
        Interlocked.Increment(ref _requests);
        var subject = "";
        var header = context.Request.Headers["Authorization"];
        var authenticated = false;
        if (header is not null)
        {
            Interlocked.Increment(ref _credentialedRequests);
            var decoded = header.StartsWith("Basic ", StringComparison.Ordinal) ? Encoding.UTF8.GetString(Convert.FromBase64String(header[6..])) : "";
            if (decoded != $"{RegistryProcess.User}:{RegistryProcess.Password}")
            {
                context.Response.StatusCode = 401;
                context.Response.Close();
                return;
            }

            authenticated = true;
            subject = RegistryProcess.User;
        }

        var scopes = context.Request.QueryString.GetValues("scope") ?? [];
        var access = new List<object>();
        foreach (var scope in scopes.SelectMany(s => s.Split(' ')))
        {
            var parts = scope.Split(':');
            if (parts.Length != 3) continue;
            var actions = parts[2].Split(',').Where(a => authenticated || a == "pull").ToArray();
            access.Add(new Dictionary<string, object> { ["type"] = parts[0], ["name"] = parts[1], ["actions"] = actions });
        }

        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var headerJson = JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["typ"] = "JWT",
            ["alg"] = "RS256",
            ["x5c"] = new[] { Convert.ToBase64String(_certificate.RawData) },
        });
        var claims = JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["iss"] = Issuer,
            ["sub"] = subject,
            ["aud"] = context.Request.QueryString["service"] ?? "",
            ["exp"] = now + Lifetime,
            ["nbf"] = now - 5,
            ["iat"] = now,
            ["jti"] = Guid.NewGuid().ToString("N"),
            ["access"] = access,
        });
        var signingInput = B64(Encoding.UTF8.GetBytes(headerJson)) + "." + B64(Encoding.UTF8.GetBytes(claims));
        var signature = _key.SignData(Encoding.ASCII.GetBytes(signingInput), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var token = signingInput + "." + B64(signature);
        var body = Encoding.UTF8.GetBytes(JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["token"] = token,
            ["expires_in"] = Lifetime,
            ["issued_at"] = DateTimeOffset.UtcNow.ToString("o"),
        }));
        context.Response.ContentType = "application/json";
        context.Response.ContentLength64 = body.Length;
        context.Response.OutputStream.Write(body);
        context.Response.Close();
    }

    private static string B64(byte[] data) => Convert.ToBase64String(data).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public void Dispose()
    {
        _listener.Stop();
        _listener.Close();
        try
        {
            _loop.Wait(2000);
        }
        catch (AggregateException)
        {
        }

        _certificate.Dispose();
        _key.Dispose();
    }
}
