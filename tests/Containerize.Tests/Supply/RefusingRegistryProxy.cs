using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Containerize.Tests.Supply;

/// <summary>
/// A registry that refuses OCI 1.1 artifacts, as some still do: an HTTP proxy in front of the lab's distribution that
/// answers 400 MANIFEST_INVALID to every manifest PUT carrying a <c>subject</c> field, and passes everything else
/// through unchanged. Loopback only; it stops with the test.
/// </summary>
internal sealed class RefusingRegistryProxy : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly HttpClient _upstream = new() { Timeout = TimeSpan.FromSeconds(60) };
    private readonly string _target;
    private readonly Task _loop;

    public RefusingRegistryProxy(string target)
    {
        _target = target;
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        Port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        _listener.Prefixes.Add($"http://127.0.0.1:{Port}/");
        _listener.Start();
        _loop = Task.Run(LoopAsync);
    }

    public int Port { get; }

    public string Host => $"127.0.0.1:{Port}";

    public int Refused;

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

            _ = Task.Run(() => HandleAsync(context));
        }
    }

    private async Task HandleAsync(HttpListenerContext context)
    {
        var request = context.Request;
        var response = context.Response;
        try
        {
            using var body = new MemoryStream();
            await request.InputStream.CopyToAsync(body);
            var bytes = body.ToArray();
            if (request.HttpMethod == "PUT" && request.Url!.AbsolutePath.Contains("/manifests/", StringComparison.Ordinal)
                && Encoding.UTF8.GetString(bytes).Contains("\"subject\"", StringComparison.Ordinal))
            {
                Interlocked.Increment(ref Refused);
                response.StatusCode = 400;
                var error = Encoding.UTF8.GetBytes("{\"errors\":[{\"code\":\"MANIFEST_INVALID\",\"message\":\"manifest invalid\",\"detail\":\"subject is not supported\"}]}");
                response.ContentType = "application/json";
                await response.OutputStream.WriteAsync(error);
                return;
            }

            using var forward = new HttpRequestMessage(new HttpMethod(request.HttpMethod), $"http://{_target}{request.Url!.PathAndQuery}");
            if (bytes.Length > 0 || request.HttpMethod is "PUT" or "POST" or "PATCH") forward.Content = new ByteArrayContent(bytes);
            foreach (var key in request.Headers.AllKeys)
            {
                if (key is null || key.Equals("Host", StringComparison.OrdinalIgnoreCase) || key.Equals("Content-Length", StringComparison.OrdinalIgnoreCase)) continue;
                var value = request.Headers[key]!;
                if (key.StartsWith("Content-", StringComparison.OrdinalIgnoreCase)) forward.Content?.Headers.TryAddWithoutValidation(key, value);
                else forward.Headers.TryAddWithoutValidation(key, value);
            }

            // Upload locations then point back at the proxy.
            forward.Headers.Host = Host;
            using var answer = await _upstream.SendAsync(forward);
            response.StatusCode = (int)answer.StatusCode;
            foreach (var (key, values) in answer.Headers.Concat(answer.Content.Headers))
            {
                if (key.Equals("Content-Length", StringComparison.OrdinalIgnoreCase) || key.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase)) continue;
                response.Headers[key] = string.Join(",", values);
            }

            var content = await answer.Content.ReadAsByteArrayAsync();
            if (request.HttpMethod != "HEAD") await response.OutputStream.WriteAsync(content);
            else if (answer.Content.Headers.ContentLength is { } length) response.ContentLength64 = length;
        }
        catch (Exception e) when (e is HttpListenerException or IOException or HttpRequestException or TaskCanceledException)
        {
            response.StatusCode = 502;
        }
        finally
        {
            try
            {
                response.Close();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
            }
        }
    }

    public void Dispose()
    {
        _listener.Stop();
        _listener.Close();
        _upstream.Dispose();
        try
        {
            _loop.Wait(TimeSpan.FromSeconds(5));
        }
        catch (AggregateException)
        {
        }
    }
}
