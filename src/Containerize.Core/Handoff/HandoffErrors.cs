namespace Containerize.Core.Handoff;

/// <summary>CTZ7xxx: handing a Dockerfile and its context to Docker, BuildKit or Podman. docs/errors.md lists each with its hint.</summary>
public static class HandoffErrors
{
    /// <summary>No docker (or podman) client was found.</summary>
    public const string ClientNotFound = "CTZ7001";

    /// <summary>The client runs but its daemon (local or DOCKER_HOST / DOCKER_CONTEXT) does not answer.</summary>
    public const string DaemonUnreachable = "CTZ7002";

    /// <summary>A RUN step exited with a non-zero code.</summary>
    public const string StepFailed = "CTZ7003";

    /// <summary>The engine failed the build for another reason (a COPY source missing, a parse error, a pull).</summary>
    public const string BuildFailed = "CTZ7004";

    /// <summary>The engine finished but reported no image ID.</summary>
    public const string NoImageId = "CTZ7005";

    /// <summary>Pushing the built image failed.</summary>
    public const string PushFailed = "CTZ7006";

    /// <summary>docker load / podman load failed or printed nothing we understand.</summary>
    public const string LoadFailed = "CTZ7007";

    /// <summary>The request asks for something the chosen builder cannot do (a remote BuildKit without buildx).</summary>
    public const string Unsupported = "CTZ7008";

    /// <summary>An engine name other than docker or podman.</summary>
    public const string UnknownEngine = "CTZ7009";

    public const string BuiltinHint = "or build with the builtin engine, which needs no daemon: ContainerBuildEngine=Builtin (MSBuild) / containerize build";
}
