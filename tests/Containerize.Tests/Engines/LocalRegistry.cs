using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Containerize.Tests.Infrastructure;

namespace Containerize.Tests.Engines;

/// <summary>A throw-away CNCF distribution registry (Debian's docker-registry) on a free loopback port.</summary>
public sealed class LocalRegistry : IDisposable
{
    private readonly Process _process;
    private readonly TempDir _dir = new("ctz-registry");

    private LocalRegistry(int port)
    {
        Port = port;
        var config = _dir.Write("config.yml", $"version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: {_dir.Combine("data")}\nhttp:\n  addr: 127.0.0.1:{port}\n");
        var psi = new ProcessStartInfo(Requirements.Tool("docker-registry")) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add("serve");
        psi.ArgumentList.Add(config);
        _process = Process.Start(psi)!;
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public int Port { get; }

    /// <summary>Docker treats localhost registries as insecure by default, so pushes need no TLS.</summary>
    public string Host => $"localhost:{Port}";

    public static async Task<LocalRegistry> StartAsync()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        var registry = new LocalRegistry(port);
        using var http = new HttpClient();
        for (var i = 0; i < 80; i++)
        {
            try
            {
                if ((await http.GetAsync($"http://127.0.0.1:{port}/v2/")).IsSuccessStatusCode) return registry;
            }
            catch (HttpRequestException)
            {
            }

            await Task.Delay(100);
        }

        registry.Dispose();
        Assert.Fail("docker-registry did not start");
        return null!;
    }

    public void Dispose()
    {
        try
        {
            _process.Kill();
            _process.WaitForExit(5000);
        }
        catch (InvalidOperationException)
        {
        }

        _process.Dispose();
        _dir.Dispose();
    }
}
