using Containerize.Core.Diagnostics;
using Containerize.Core.Images.Transfer;

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
/// One `--output` of `containerize build`: `oci-layout:DIR[:TAG]`, `oci-archive:FILE`, `docker-archive:FILE` (also
/// with `://`, read as `save` reads them), `registry` (push every -t name), `docker` or `podman` (load).
/// </summary>
public sealed record BuildOutput(BuildOutputKind Kind, string? Path = null, string? Tag = null)
{
    public static BuildOutput Parse(string value, string workingDirectory)
    {
        switch (value)
        {
            case "registry": return new(BuildOutputKind.Registry);
            case "docker": return new(BuildOutputKind.Docker);
            case "podman": return new(BuildOutputKind.Podman);
        }

        try
        {
            var location = ImageLocation.Parse(value, workingDirectory);
            var kind = location.Transport switch
            {
                ImageTransport.OciLayout => BuildOutputKind.OciLayout,
                ImageTransport.OciArchive => BuildOutputKind.OciArchive,
                _ => BuildOutputKind.DockerArchive,
            };
            return new(kind, location.Path, location.Tag);
        }
        catch (ContainerizeException e)
        {
            throw new ContainerizeException(BuildErrors.BadOutput, $"invalid --output '{value}'",
                hint: "write oci-layout:DIR[:TAG], oci-archive:FILE, docker-archive:FILE, registry, docker or podman", inner: e);
        }
    }

    public ImageLocation? Location => Kind switch
    {
        BuildOutputKind.OciLayout => new ImageLocation(ImageTransport.OciLayout, Path!, Tag),
        BuildOutputKind.OciArchive => new ImageLocation(ImageTransport.OciArchive, Path!),
        BuildOutputKind.DockerArchive => new ImageLocation(ImageTransport.DockerArchive, Path!),
        _ => null,
    };

    public override string ToString() => Location?.ToString() ?? Kind.ToString().ToLowerInvariant();
}
