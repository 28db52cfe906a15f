using System.Net;
using Containerize.Core.Diagnostics;

namespace Containerize.Core.Registry;

/// <summary>
/// Sends a request, again and again while it fails in a way that can pass: 429, 5xx (but 501), connection resets,
/// timeouts. The delay doubles per attempt with jitter and honours Retry-After. Every retry goes to the detail log.
/// </summary>
internal static class RetryingSender
{
    public static async Task<HttpResponseMessage> SendAsync(
        HttpClient http, Func<HttpRequestMessage> build, RegistryOptions options, string what, bool retry, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            using var request = build();
            var canRetry = retry && attempt < options.MaxRetries;
            HttpResponseMessage response;
            using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
            {
                // The header timeout would also bound sending the body: a 32 MiB PUT on a slow link must not hit it.
                if (request.Content is null) timeout.CancelAfter(options.ReadTimeout);
                try
                {
                    response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token).ConfigureAwait(false);
                }
                catch (Exception e) when (IsTransient(e, cancellationToken))
                {
                    var reason = e is OperationCanceledException ? $"no answer within {options.ReadTimeout.TotalSeconds:0.#} s" : Describe(e);
                    if (!canRetry)
                    {
                        throw new ContainerizeException(RegistryErrors.Unreachable, $"{what}: {reason}",
                            hint: "check the registry's address and your network; for a local registry over plain HTTP, list it in DOTNET_CONTAINER_INSECURE_REGISTRIES or pass --insecure",
                            inner: e);
                    }

                    await DelayAsync(options, attempt, null, what, reason, cancellationToken).ConfigureAwait(false);
                    continue;
                }
            }

            if (canRetry && IsRetryableStatus(response.StatusCode))
            {
                var retryAfter = RetryAfter(response);
                var status = $"{(int)response.StatusCode} {response.ReasonPhrase}";
                response.Dispose();
                await DelayAsync(options, attempt, retryAfter, what, status, cancellationToken).ConfigureAwait(false);
                continue;
            }

            return response;
        }
    }

    public static bool IsRetryableStatus(HttpStatusCode status) =>
        status is HttpStatusCode.TooManyRequests or HttpStatusCode.RequestTimeout || ((int)status >= 500 && status != HttpStatusCode.NotImplemented && status != HttpStatusCode.HttpVersionNotSupported);

    /// <summary>Network failures and our own timeouts; the caller's cancellation is never transient.</summary>
    public static bool IsTransient(Exception e, CancellationToken cancellationToken) =>
        e switch
        {
            OperationCanceledException => !cancellationToken.IsCancellationRequested,
            HttpRequestException or IOException => true,
            _ => false,
        };

    public static string Describe(Exception e)
    {
        // The innermost message says what happened (connection refused, reset by peer); the outer ones repeat the URL.
        var inner = e;
        while (inner.InnerException is not null && inner is HttpRequestException or IOException) inner = inner.InnerException;
        return inner == e ? e.Message : $"{e.Message} ({inner.Message})";
    }

    public static Task DelayAsync(RegistryOptions options, int attempt, TimeSpan? retryAfter, string what, string reason, CancellationToken cancellationToken)
    {
        var backoff = options.RetryBaseDelay * Math.Pow(2, attempt);
        var jitter = 0.8 + (Random.Shared.NextDouble() * 0.4);
        var delay = retryAfter ?? backoff * jitter;
        if (delay > options.MaxRetryDelay) delay = options.MaxRetryDelay;
        if (delay < TimeSpan.Zero) delay = TimeSpan.Zero;
        options.Sink.Detail($"retry {attempt + 1}/{options.MaxRetries}: {what}: {reason}; waiting {delay.TotalSeconds:0.###} s");
        return Task.Delay(delay, cancellationToken);
    }

    private static TimeSpan? RetryAfter(HttpResponseMessage response)
    {
        var header = response.Headers.RetryAfter;
        if (header?.Delta is { } delta) return delta;
        if (header?.Date is { } date) return date - DateTimeOffset.UtcNow;
        return null;
    }
}
