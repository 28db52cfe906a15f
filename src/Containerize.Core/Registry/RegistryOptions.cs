using Containerize.Core.Diagnostics;

namespace Containerize.Core.Registry;

/// <summary>How a <see cref="RegistryClient"/> behaves. The defaults suit a CLI run against a real registry.</summary>
public sealed record RegistryOptions
{
    /// <summary>Never touch the network: pulls are served from the store or fail with CTZ4008.</summary>
    public bool Offline { get; init; }

    /// <summary>Treat every registry as insecure: skip TLS verification and allow plain HTTP.</summary>
    public bool Insecure { get; init; }

    /// <summary>Hosts (host or host:port) treated as insecure; DOTNET_CONTAINER_INSECURE_REGISTRIES adds to them.</summary>
    public IReadOnlyList<string> InsecureRegistries { get; init; } = [];

    /// <summary>A PEM file of extra trusted CA certificates; SSL_CERT_FILE is used when this is null.</summary>
    public string? CaFile { get; init; }

    public IDiagnosticSink Sink { get; init; } = NullSink.Instance;

    /// <summary>Where credentials come from; null means Docker's config plus the .NET SDK's variables.</summary>
    public ICredentialProvider? Credentials { get; init; }

    /// <summary>Blobs uploaded at once.</summary>
    public int MaxParallelUploads { get; init; } = 4;

    /// <summary>Blobs at most this big go up in one PUT; bigger ones are sent in PATCH chunks of this size, resumable.</summary>
    public long ChunkSize { get; init; } = 32L * 1024 * 1024;

    /// <summary>Attempts per request after the first, for 429, 5xx, resets and timeouts.</summary>
    public int MaxRetries { get; init; } = 5;

    /// <summary>The first backoff delay; it doubles per attempt, with jitter, capped at <see cref="MaxRetryDelay"/>.</summary>
    public TimeSpan RetryBaseDelay { get; init; } = TimeSpan.FromMilliseconds(250);

    public TimeSpan MaxRetryDelay { get; init; } = TimeSpan.FromSeconds(30);

    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>The longest wait for response headers or for the next bytes of a body.</summary>
    public TimeSpan ReadTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>The environment, injectable for tests; null reads the process environment.</summary>
    public Func<string, string?>? Environment { get; init; }

    internal string? GetEnvironment(string name) => (Environment ?? System.Environment.GetEnvironmentVariable)(name);
}

internal sealed class NullSink : IDiagnosticSink
{
    public static NullSink Instance { get; } = new();

    public void Report(Diagnostic diagnostic)
    {
    }

    public void Info(string message)
    {
    }

    public void Detail(string message)
    {
    }
}
