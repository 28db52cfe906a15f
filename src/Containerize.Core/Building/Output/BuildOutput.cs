using Containerize.Core.Diagnostics;

namespace Containerize.Core.Building.Output;

public enum BuildOutputKind
{
    OciLayout,
    OciArchive,
    DockerArchive,
    Registry,
    Docker,
    Podman,
}

/// <summary>
/// One `--output` of `containerize build`: `oci-layout:DIR`, `oci-archive:FILE`, `docker-archive:FILE` (also with
/// `://`, as `save` and skopeo write them), `registry` (push every -t name), `docker` or `podman` (load).
/// </summary>
public sealed record BuildOutput(BuildOutputKind Kind, string? Path = null)
{
    public static BuildOutput Parse(string value, string workingDirectory)
    {
        switch (value)
        {
            case "registry": return new(BuildOutputKind.Registry);
            case "docker": return new(BuildOutputKind.Docker);
            case "podman": return new(BuildOutputKind.Podman);
        }

        var colon = value.IndexOf(':');
        var kind = colon <= 0 ? (BuildOutputKind?)null : value[..colon] switch
        {
            "oci-layout" => BuildOutputKind.OciLayout,
            "oci-archive" => BuildOutputKind.OciArchive,
            "docker-archive" => BuildOutputKind.DockerArchive,
            _ => null,
        };
        var path = colon <= 0 ? "" : value[(colon + 1)..];
        if (path.StartsWith("//", StringComparison.Ordinal)) path = path[2..];
        if (kind is null || path.Length == 0)
        {
            throw new ContainerizeException(EngineErrors.BadOutput, $"invalid --output '{value}'",
                hint: "write oci-layout:DIR, oci-archive:FILE, docker-archive:FILE, registry, docker or podman");
        }

        return new(kind.Value, System.IO.Path.GetFullPath(path, workingDirectory));
    }

    public override string ToString() => Path is null ? Kind switch
    {
        BuildOutputKind.Registry => "registry",
        BuildOutputKind.Docker => "docker",
        _ => "podman",
    } : $"{Kind switch { BuildOutputKind.OciLayout => "oci-layout", BuildOutputKind.OciArchive => "oci-archive", _ => "docker-archive" }}:{Path}";
}
