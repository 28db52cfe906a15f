using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Containerize.Tests.Context.Git;

/// <summary>
/// A smart-HTTP git server on 127.0.0.1 for tests: an HttpListener that hands each request to <c>git http-backend</c>
/// (CGI) over the bare repositories under <see cref="Root"/>. Paths under <c>/private/</c> need HTTP basic
/// authentication with <see cref="User"/> and <see cref="Password"/> (a 401 otherwise), so credentials in a URL are
/// exercised as a real server checks them.
/// </summary>
internal sealed class GitHttpServer : IDisposable
{
    public const string User = "builder";
    public const string Password = "pa55-w0rd-s3cret";

    private readonly HttpListener _listener = new();
    private readonly string _git;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    public GitHttpServer(string git, string root)
    {
        _git = git;
        Root = root;
        // A free port: the kernel picks one for a socket, which is closed again for the listener to take.
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            Port = ((IPEndPoint)probe.LocalEndpoint).Port;
            probe.Stop();
        }

        _listener.Prefixes.Add($"http://127.0.0.1:{Port}/");
        _listener.Start();
        _loop = Task.Run(LoopAsync);
    }

    public string Root { get; }

    public int Port { get; }

    public string Url(string path) => $"http://127.0.0.1:{Port}/{path}";

    /// <summary>Every request's method and path, for assertions on what git asked.</summary>
    public List<string> Requests { get; } = [];

    private async Task LoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception) when (_stop.IsCancellationRequested)
            {
                return;
            }
            catch (HttpListenerException)
            {
                return;
            }
            catch (ObjectDisposedException)
            {
                return;
            }

            _ = Task.Run(() => ServeAsync(context));
        }
    }

    private async Task ServeAsync(HttpListenerContext context)
    {
        var request = context.Request;
        var response = context.Response;
        try
        {
            var path = request.Url!.AbsolutePath;
            lock (Requests) Requests.Add(request.HttpMethod + " " + path);
            if (path.StartsWith("/private/", StringComparison.Ordinal) && !Authorized(request.Headers["Authorization"]))
            {
                response.StatusCode = 401;
                response.AddHeader("WWW-Authenticate", "Basic realm=\"git\"");
                response.Close();
                return;
            }

            var psi = new ProcessStartInfo(_git)
            {
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            psi.ArgumentList.Add("http-backend");
            psi.Environment["GIT_PROJECT_ROOT"] = Root;
            psi.Environment["GIT_HTTP_EXPORT_ALL"] = "1";
            psi.Environment["PATH_INFO"] = path;
            psi.Environment["QUERY_STRING"] = request.Url.Query.TrimStart('?');
            psi.Environment["REQUEST_METHOD"] = request.HttpMethod;
            psi.Environment["CONTENT_TYPE"] = request.ContentType ?? "";
            psi.Environment["REMOTE_ADDR"] = "127.0.0.1";
            psi.Environment["REMOTE_USER"] = path.StartsWith("/private/", StringComparison.Ordinal) ? User : "";
            if (request.Headers["Content-Encoding"] is { } encoding) psi.Environment["HTTP_CONTENT_ENCODING"] = encoding;
            if (request.Headers["Git-Protocol"] is { } protocol) psi.Environment["GIT_PROTOCOL"] = protocol;
            // No CONTENT_LENGTH: http-backend then reads the body to its end (git sends large requests chunked).
            using var process = Process.Start(psi)!;
            var copyIn = Task.Run(async () =>
            {
                await request.InputStream.CopyToAsync(process.StandardInput.BaseStream);
                process.StandardInput.Close();
            });
            var stderr = process.StandardError.ReadToEndAsync();
            var output = process.StandardOutput.BaseStream;

            // CGI headers, then the body.
            var headers = new List<string>();
            var line = new StringBuilder();
            while (true)
            {
                var b = output.ReadByte();
                if (b < 0) break;
                if (b == '\n')
                {
                    var text = line.ToString().TrimEnd('\r');
                    line.Clear();
                    if (text.Length == 0) break;
                    headers.Add(text);
                }
                else
                {
                    line.Append((char)b);
                }
            }

            foreach (var h in headers)
            {
                var colon = h.IndexOf(':');
                var name = h[..colon].Trim();
                var value = h[(colon + 1)..].Trim();
                if (name.Equals("Status", StringComparison.OrdinalIgnoreCase)) response.StatusCode = int.Parse(value.Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
                else if (name.Equals("Content-Type", StringComparison.OrdinalIgnoreCase)) response.ContentType = value;
                else if (!name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase)) response.AddHeader(name, value);
            }

            response.SendChunked = true;
            await output.CopyToAsync(response.OutputStream);
            await copyIn;
            await process.WaitForExitAsync();
            await stderr;
            response.Close();
        }
        catch (Exception)
        {
            try
            {
                response.StatusCode = 500;
                response.Close();
            }
            catch (Exception)
            {
                // The client went away.
            }
        }
    }

    private static bool Authorized(string? header) =>
        header is not null && header.StartsWith("Basic ", StringComparison.Ordinal)
        && Encoding.UTF8.GetString(Convert.FromBase64String(header["Basic ".Length..])) == User + ":" + Password;

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
        _listener.Close();
        try
        {
            _loop.Wait(TimeSpan.FromSeconds(5));
        }
        catch (AggregateException)
        {
        }

        _stop.Dispose();
    }
}
