namespace Containerize.Core.Handoff;

/// <summary>
/// The client a build is handed to, and what it talks to. <see cref="Environment"/> holds the variables the
/// invocation needs on top of the caller's (DOCKER_BUILDKIT); DOCKER_HOST, DOCKER_CONTEXT, DOCKER_CONFIG and
/// BUILDX_BUILDER are inherited untouched so that remote daemons and builders keep working.
/// </summary>
public sealed record EngineClient(
    EngineKind Kind,
    string Path,
    string ClientVersion,
    string? ServerVersion,
    BuilderKind Builder,
    string? Host,
    string? BuildxBuilder = null)
{
    public IReadOnlyDictionary<string, string?> Environment => Builder switch
    {
        BuilderKind.BuildKit => new Dictionary<string, string?> { ["DOCKER_BUILDKIT"] = "1" },
        BuilderKind.Classic => new Dictionary<string, string?> { ["DOCKER_BUILDKIT"] = "0" },
        _ => new Dictionary<string, string?>(),
    };

    /// <summary>The line the log shows before every hand-off: which program, which builder, which host.</summary>
    public string Describe()
    {
        var builder = Builder switch
        {
            BuilderKind.Buildx => BuildxBuilder is null ? "BuildKit (buildx)" : $"BuildKit (buildx builder '{BuildxBuilder}')",
            BuilderKind.BuildKit => "BuildKit (DOCKER_BUILDKIT=1)",
            BuilderKind.Classic => "classic builder",
            _ => "buildah",
        };
        var server = ServerVersion is null ? "" : $", server {ServerVersion}";
        var host = Host is null ? "" : $", host {Host}";
        return $"{Kind.ToString().ToLowerInvariant()} client {Path} {ClientVersion}{server}: {builder}{host}";
    }
}
