using Containerize.Core.Diagnostics;

namespace Containerize.Core.Dockerfiles.Stages;

/// <summary>
/// The ARGs BuildKit defines automatically in the global scope: TARGETPLATFORM, TARGETOS, TARGETARCH, TARGETVARIANT and
/// the BUILD* set. They are usable in FROM directly and inside a stage after <c>ARG NAME</c>.
/// </summary>
public static class PlatformArgs
{
    public const string DefaultPlatform = "linux/amd64";

    public static readonly IReadOnlyList<string> Names =
        ["TARGETPLATFORM", "TARGETOS", "TARGETARCH", "TARGETVARIANT", "BUILDPLATFORM", "BUILDOS", "BUILDARCH", "BUILDVARIANT"];

    public static Dictionary<string, string> For(string targetPlatform = DefaultPlatform, string buildPlatform = DefaultPlatform)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        Add(result, "TARGET", targetPlatform);
        Add(result, "BUILD", buildPlatform);
        return result;
    }

    private static void Add(Dictionary<string, string> into, string prefix, string platform)
    {
        var parts = platform.Split('/');
        if (parts.Length is < 2 or > 3 || parts.Any(p => p.Length == 0))
        {
            throw new ContainerizeException(DockerfileErrors.InvalidBuildArg, $"invalid platform '{platform}'", hint: "write a platform as os/arch[/variant], e.g. linux/arm64/v8");
        }

        into[prefix + "PLATFORM"] = platform;
        into[prefix + "OS"] = parts[0];
        into[prefix + "ARCH"] = parts[1];
        into[prefix + "VARIANT"] = parts.Length == 3 ? parts[2] : "";
    }
}
