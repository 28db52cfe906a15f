namespace Containerize.Core.Handoff;

/// <summary>The external engine a build is handed to (<c>ContainerBuildEngine</c>).</summary>
public enum EngineKind
{
    Docker,
    Podman,
}

/// <summary>Which builder actually runs behind the client: decides the arguments, the output format and where the image lands.</summary>
public enum BuilderKind
{
    /// <summary><c>docker buildx build</c> (the default <c>docker build</c> of Docker 23+), local or remote builder.</summary>
    Buildx,

    /// <summary><c>DOCKER_BUILDKIT=1 docker build</c> of a client older than 23, whose BuildKit lives in the daemon.</summary>
    BuildKit,

    /// <summary>The daemon's legacy builder (<c>DOCKER_BUILDKIT=0</c>).</summary>
    Classic,

    /// <summary><c>podman build</c> (buildah).</summary>
    Buildah,
}

/// <summary>What the caller wants when several builders are available.</summary>
public enum BuilderPreference
{
    /// <summary>BuildKit (buildx, else the daemon's) when available, else the classic builder.</summary>
    Auto,
    BuildKit,
    Classic,
}

public static class EngineNames
{
    public static EngineKind Parse(string? name) => name?.Trim().ToLowerInvariant() switch
    {
        null or "" or "docker" or "buildkit" => EngineKind.Docker,
        "podman" => EngineKind.Podman,
        _ => throw new Diagnostics.ContainerizeException(
            HandoffErrors.UnknownEngine,
            $"unknown build engine '{name}'",
            hint: "use docker or podman; " + HandoffErrors.BuiltinHint),
    };
}
