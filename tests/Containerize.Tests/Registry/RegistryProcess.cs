using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Containerize.Tests.Infrastructure;

namespace Containerize.Tests.Registry;

/// <summary>
/// A real CNCF distribution registry (Debian's docker-registry 2.8) on a free loopback port, with its data in a temp
/// folder: plain HTTP, htpasswd Basic over TLS (CA and certificate made by openssl), or bearer tokens from
/// <see cref="TokenServer"/>. Dispose kills the process and removes the folder.
/// </summary>
internal sealed class RegistryProcess : IDisposable
{
    public const string User = "ctz-user";
    public const string Password = "s3cret-Pa55word-ctz";

    private readonly TempDir _dir = new("ctz-registry");
    private Process? _process;

    private RegistryProcess()
    {
    }

    public int Port { get; private set; }

    /// <summary><c>127.0.0.1:PORT</c>: the registry part of an image reference.</summary>
    public string Host => $"127.0.0.1:{Port}";

    /// <summary>The CA that signed the TLS certificate (TLS variant), for --cert-dir and the CaFile option.</summary>
    public string? CaFile { get; private set; }

    public string? CertDir { get; private set; }

    public string DataDir => _dir.Combine("data");

    public TokenServer? Tokens { get; private set; }

    public string Log => File.Exists(_dir.Combine("registry.log")) ? File.ReadAllText(_dir.Combine("registry.log")) : "";

    public static Task<RegistryProcess> StartPlainAsync() => StartAsync(null);

    public static async Task<RegistryProcess> StartTlsBasicAsync()
    {
        var r = new RegistryProcess();
        try
        {
            var openssl = Requirements.Tool("openssl");
            var htpasswd = Requirements.Tool("htpasswd");
            var d = r._dir;
            File.WriteAllText(d.Combine("ext.cnf"), "subjectAltName=IP:127.0.0.1,DNS:localhost\n");
            await Run(openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", d.Combine("ca.key"), "-out", d.Combine("ca.crt"), "-days", "2", "-subj", "/CN=containerize test CA");
            await Run(openssl, "req", "-newkey", "rsa:2048", "-nodes", "-keyout", d.Combine("server.key"), "-out", d.Combine("server.csr"), "-subj", "/CN=127.0.0.1");
            await Run(openssl, "x509", "-req", "-in", d.Combine("server.csr"), "-CA", d.Combine("ca.crt"), "-CAkey", d.Combine("ca.key"), "-CAcreateserial",
                "-out", d.Combine("server.crt"), "-days", "2", "-extfile", d.Combine("ext.cnf"));
            var entry = await ProcessRunner.RunAsync(htpasswd, ["-Bbn", User, Password]);
            entry.EnsureSuccess("htpasswd");
            File.WriteAllText(d.Combine("htpasswd"), entry.StdOut.Trim() + "\n");
            Directory.CreateDirectory(d.Combine("certs"));
            File.Copy(d.Combine("ca.crt"), d.Combine("certs", "ca.crt"));
            r.CaFile = d.Combine("ca.crt");
            r.CertDir = d.Combine("certs");
            var extra = $"""
                  tls:
                    certificate: {d.Combine("server.crt")}
                    key: {d.Combine("server.key")}
                auth:
                  htpasswd:
                    realm: containerize-test
                    path: {d.Combine("htpasswd")}
                """;
            await r.LaunchAsync(extra);
            return r;
        }
        catch
        {
            r.Dispose();
            throw;
        }
    }

    public static async Task<RegistryProcess> StartTokenAsync()
    {
        var r = new RegistryProcess();
        try
        {
            r.Tokens = new TokenServer(r._dir.Combine("token-root.pem"));
            var extra = $"""
                auth:
                  token:
                    realm: {r.Tokens.Realm}
                    service: {TokenServer.Service}
                    issuer: {TokenServer.Issuer}
                    rootcertbundle: {r.Tokens.RootCertBundle}
                """;
            await r.LaunchAsync(extra);
            return r;
        }
        catch
        {
            r.Dispose();
            throw;
        }
    }

    private static async Task<RegistryProcess> StartAsync(string? extra)
    {
        var r = new RegistryProcess();
        try
        {
            await r.LaunchAsync(extra);
            return r;
        }
        catch
        {
            r.Dispose();
            throw;
        }
    }

    private async Task LaunchAsync(string? extra)
    {
        var exe = Requirements.Tool("docker-registry");
        for (var attempt = 0; ; attempt++)
        {
            Port = FreePort();
            var config = $"""
                version: 0.1
                log:
                  level: info
                  accesslog:
                    disabled: true
                storage:
                  filesystem:
                    rootdirectory: {DataDir}
                  delete:
                    enabled: true
                  maintenance:
                    uploadpurging:
                      enabled: false
                http:
                  addr: 127.0.0.1:{Port}
                  secret: containerize-test-secret
                {extra ?? ""}
                """;
            File.WriteAllText(_dir.Combine("config.yml"), config);
            var psi = new ProcessStartInfo(exe) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
            psi.ArgumentList.Add("serve");
            psi.ArgumentList.Add(_dir.Combine("config.yml"));
            _process = Process.Start(psi)!;
            var log = new StreamWriter(_dir.Combine("registry.log")) { AutoFlush = true };
            _process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (log) log.WriteLine(e.Data); };
            _process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (log) log.WriteLine(e.Data); };
            _process.BeginOutputReadLine();
            _process.BeginErrorReadLine();
            var deadline = DateTime.UtcNow.AddSeconds(15);
            while (DateTime.UtcNow < deadline && !_process.HasExited)
            {
                if (Listening(Port)) return;
                await Task.Delay(50);
            }

            Kill();
            if (attempt >= 2) throw new InvalidOperationException("docker-registry did not start:\n" + Log);
        }
    }

    private static bool Listening(int port)
    {
        try
        {
            using var client = new TcpClient();
            client.Connect(IPAddress.Loopback, port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    public static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    private static async Task Run(string exe, params string[] args) => (await ProcessRunner.RunAsync(exe, args)).EnsureSuccess(Path.GetFileName(exe));

    private void Kill()
    {
        try
        {
            if (_process is { HasExited: false }) _process.Kill(entireProcessTree: true);
            _process?.WaitForExit(5000);
        }
        catch (InvalidOperationException)
        {
        }

        _process?.Dispose();
        _process = null;
    }

    public void Dispose()
    {
        Kill();
        Tokens?.Dispose();
        _dir.Dispose();
    }
}
