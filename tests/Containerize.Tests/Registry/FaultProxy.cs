using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Containerize.Tests.Registry;

/// <summary>What the proxy does to one exchange.</summary>
internal abstract record Fault
{
    /// <summary>Close the connection with a reset before answering.</summary>
    public sealed record Reset : Fault;

    /// <summary>Answer this status without asking the registry.</summary>
    public sealed record Status(int Code, int? RetryAfterSeconds = null) : Fault;

    /// <summary>Forward, send the headers and half the body, then reset the connection.</summary>
    public sealed record ResetMidBody : Fault;

    /// <summary>Forward, send the headers (full Content-Length) and half the body, then close the connection cleanly.</summary>
    public sealed record Truncate : Fault;

    /// <summary>Forward, with one byte of the body changed.</summary>
    public sealed record Corrupt : Fault;

    /// <summary>
    /// A mount (<c>POST …/blobs/uploads/?mount=&amp;from=</c>) forwarded without its query, so the registry opens an
    /// upload session and answers 202 instead of 201: what a registry that refuses cross-repository mounts does.
    /// </summary>
    public sealed record RefuseMount : Fault;
}

/// <summary>One request as the proxy saw it.</summary>
internal sealed record ProxyExchange(string Method, string Path, int Number);

/// <summary>
/// A loopback HTTP/1.1 proxy in front of a registry, written on raw sockets so that it can break connections
/// exactly: reset mid-body, truncate, answer 500 or 429 with Retry-After, corrupt a byte. It counts the blob bytes
/// clients upload through it, and rewrites nothing but Host, so the registry's Location URLs point back at it.
/// </summary>
internal sealed class FaultProxy : IDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly HttpClient _upstream;
    private readonly Uri _target;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<ProxyExchange> _log = [];
    private long _uploadedBytes;
    private int _number;

    public FaultProxy(string targetHost)
    {
        _target = new Uri($"http://{targetHost}/");
        _upstream = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, AutomaticDecompression = DecompressionMethods.None, UseCookies = false })
        {
            Timeout = TimeSpan.FromSeconds(60),
        };
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _ = Task.Run(AcceptLoopAsync);
    }

    public int Port { get; }

    public string Host => $"127.0.0.1:{Port}";

    /// <summary>Decides a fault per exchange; null forwards normally.</summary>
    public Func<ProxyExchange, Fault?> Plan { get; set; } = _ => null;

    /// <summary>Blob bytes received in upload requests (POST/PATCH/PUT under /blobs/uploads/).</summary>
    public long UploadedBytes => Interlocked.Read(ref _uploadedBytes);

    public IReadOnlyList<ProxyExchange> Exchanges
    {
        get
        {
            lock (_log) return [.. _log];
        }
    }

    public void ResetCounters()
    {
        Interlocked.Exchange(ref _uploadedBytes, 0);
        lock (_log) _log.Clear();
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await _listener.AcceptSocketAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            _ = Task.Run(() => ServeAsync(socket));
        }
    }

    private async Task ServeAsync(Socket socket)
    {
        using var stream = new NetworkStream(socket, ownsSocket: true);
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                var head = await ReadHeadAsync(stream);
                if (head is null) return;
                var lines = head.Split("\r\n");
                var requestLine = lines[0].Split(' ');
                var (method, path) = (requestLine[0], requestLine[1]);
                var headers = lines.Skip(1).Where(l => l.Length > 0).Select(l => (Name: l[..l.IndexOf(':')].Trim(), Value: l[(l.IndexOf(':') + 1)..].Trim())).ToList();
                var body = await ReadBodyAsync(stream, headers);
                var exchange = new ProxyExchange(method, path, Interlocked.Increment(ref _number));
                lock (_log) _log.Add(exchange);
                if (path.Contains("/blobs/uploads/", StringComparison.Ordinal)) Interlocked.Add(ref _uploadedBytes, body.Length);

                var fault = Plan(exchange);
                if (fault is Fault.Reset)
                {
                    socket.LingerState = new LingerOption(true, 0);
                    return;
                }

                if (fault is Fault.Status status)
                {
                    var extra = status.RetryAfterSeconds is { } s ? $"Retry-After: {s}\r\n" : "";
                    await WriteAsync(stream, $"HTTP/1.1 {status.Code} Injected\r\nContent-Length: 0\r\n{extra}\r\n");
                    continue;
                }

                if (fault is Fault.RefuseMount && path.Contains("mount=", StringComparison.Ordinal)) path = path[..path.IndexOf('?')];
                using var request = new HttpRequestMessage(new HttpMethod(method), new Uri(_target, path));
                if (body.Length > 0 || method is "PUT" or "POST" or "PATCH") request.Content = new ByteArrayContent(body);
                foreach (var (name, value) in headers)
                {
                    if (name.Equals("Host", StringComparison.OrdinalIgnoreCase) || name.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase) ||
                        name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase) || name.Equals("Connection", StringComparison.OrdinalIgnoreCase)) continue;
                    if (!request.Headers.TryAddWithoutValidation(name, value)) request.Content?.Headers.TryAddWithoutValidation(name, value);
                }

                request.Headers.Host = Host;
                using var response = await _upstream.SendAsync(request);
                var responseBody = await response.Content.ReadAsByteArrayAsync();
                var sb = new StringBuilder($"HTTP/1.1 {(int)response.StatusCode} {response.ReasonPhrase}\r\n");
                foreach (var h in response.Headers.Concat(response.Content.Headers))
                {
                    if (h.Key.Equals("Content-Length", StringComparison.OrdinalIgnoreCase) || h.Key.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase) ||
                        h.Key.Equals("Connection", StringComparison.OrdinalIgnoreCase)) continue;
                    foreach (var v in h.Value) sb.Append(h.Key).Append(": ").Append(v).Append("\r\n");
                }

                var sendBody = method != "HEAD";
                sb.Append("Content-Length: ").Append(sendBody ? responseBody.Length : response.Content.Headers.ContentLength ?? 0).Append("\r\n\r\n");
                await WriteAsync(stream, sb.ToString());
                if (!sendBody) continue;
                switch (fault)
                {
                    case Fault.ResetMidBody:
                        await stream.WriteAsync(responseBody.AsMemory(0, responseBody.Length / 2));
                        await stream.FlushAsync();
                        socket.LingerState = new LingerOption(true, 0);
                        return;
                    case Fault.Truncate:
                        await stream.WriteAsync(responseBody.AsMemory(0, responseBody.Length / 2));
                        await stream.FlushAsync();
                        socket.Shutdown(SocketShutdown.Both);
                        return;
                    case Fault.Corrupt when responseBody.Length > 0:
                        responseBody[responseBody.Length / 2] ^= 0x5a;
                        break;
                }

                await stream.WriteAsync(responseBody);
            }
        }
        catch (Exception e) when (e is IOException or SocketException or HttpRequestException or ObjectDisposedException or OperationCanceledException)
        {
        }
    }

    private static async Task<string?> ReadHeadAsync(NetworkStream stream)
    {
        var buffer = new List<byte>(1024);
        var one = new byte[1];
        while (true)
        {
            var n = await stream.ReadAsync(one);
            if (n == 0) return null;
            buffer.Add(one[0]);
            var c = buffer.Count;
            if (c >= 4 && buffer[c - 4] == '\r' && buffer[c - 3] == '\n' && buffer[c - 2] == '\r' && buffer[c - 1] == '\n')
            {
                return Encoding.ASCII.GetString(buffer.ToArray(), 0, c - 4);
            }
        }
    }

    private static async Task<byte[]> ReadBodyAsync(NetworkStream stream, List<(string Name, string Value)> headers)
    {
        var length = headers.FirstOrDefault(h => h.Name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase)).Value;
        if (length is not null)
        {
            var body = new byte[long.Parse(length)];
            await stream.ReadExactlyAsync(body);
            return body;
        }

        var chunked = headers.Any(h => h.Name.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase) && h.Value.Contains("chunked", StringComparison.OrdinalIgnoreCase));
        if (!chunked) return [];
        var result = new MemoryStream();
        while (true)
        {
            var sizeLine = await ReadLineAsync(stream);
            var size = Convert.ToInt32(sizeLine.Split(';')[0].Trim(), 16);
            if (size == 0)
            {
                while ((await ReadLineAsync(stream)).Length > 0)
                {
                }

                return result.ToArray();
            }

            var chunk = new byte[size];
            await stream.ReadExactlyAsync(chunk);
            result.Write(chunk);
            await ReadLineAsync(stream);
        }
    }

    private static async Task<string> ReadLineAsync(NetworkStream stream)
    {
        var sb = new StringBuilder();
        var one = new byte[1];
        while (true)
        {
            if (await stream.ReadAsync(one) == 0) throw new IOException("connection closed");
            if (one[0] == '\n') return sb.ToString().TrimEnd('\r');
            sb.Append((char)one[0]);
        }
    }

    private static Task WriteAsync(NetworkStream stream, string text) => stream.WriteAsync(Encoding.ASCII.GetBytes(text)).AsTask();

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
        _upstream.Dispose();
        _stop.Dispose();
    }
}
