namespace Containerize.Core.Handoff;

/// <summary>
/// One build handed to an external engine. The context is whatever <see cref="WriteContext"/> writes: an
/// uncompressed tar of exactly the files our context computation kept (.dockerignore already applied), so the
/// engine sees the same context as the builtin engine would.
/// </summary>
public sealed record ExternalBuildRequest
{
    /// <summary>Writes the context tar into the stream (the client's stdin). Must not close it.</summary>
    public required Func<Stream, CancellationToken, Task> WriteContext { get; init; }

    /// <summary>
    /// The Dockerfile's path inside the context tar (forward slashes). Null when <see cref="DockerfileContent"/>
    /// is given: the Dockerfile is outside the context or generated.
    /// </summary>
    public string? DockerfileInContext { get; init; }

    /// <summary>A Dockerfile that is not in the context; it is added to the tar under a random name, as the docker CLI does.</summary>
    public byte[]? DockerfileContent { get; init; }

    /// <summary>Where the Dockerfile lives on disk, for error locations; also how podman gets it.</summary>
    public string? DockerfileDisplayPath { get; init; }

    public IReadOnlyList<string> Tags { get; init; } = [];

    public string? Target { get; init; }

    public IReadOnlyList<KeyValuePair<string, string?>> BuildArgs { get; init; } = [];

    public IReadOnlyList<KeyValuePair<string, string>> Labels { get; init; } = [];

    public string? Platform { get; init; }

    public bool NoCache { get; init; }

    /// <summary>Network for RUN steps (<c>none</c>, <c>host</c>, <c>default</c>); the engine's default when null.</summary>
    public string? Network { get; init; }

    /// <summary>Push every tag after the build (buildx: <c>--push</c> in the same build).</summary>
    public bool Push { get; init; }

    /// <summary>
    /// Push to a registry without TLS. Only podman takes this per push (<c>--tls-verify=false</c>); a Docker daemon
    /// decides from its own insecure-registries setting (localhost is insecure by default).
    /// </summary>
    public bool InsecureRegistry { get; init; }

    /// <summary>How many output lines a failure quotes.</summary>
    public int FailureLines { get; init; } = 10;
}

/// <summary>What the engine built: the image ID (config digest) and, after a push, the manifest digest.</summary>
public sealed record ExternalBuildResult(string ImageId, string? ManifestDigest, IReadOnlyList<string> Tags, EngineClient Client);
