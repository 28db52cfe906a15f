using Containerize.Core.Handoff;
using Containerize.Core.Images.Oci;
using Containerize.Core.Images.Transfer;
using Containerize.Core.Registry;

namespace Containerize.Core.Destinations;

/// <summary>
/// Every way a destination is written, read in one place: the CLI's words (<c>build --output</c>, <c>save -o</c>,
/// <c>push REMOTE -t TAG</c>, <c>load-into ENGINE</c>) and the .NET SDK's properties (a publish). A malformed file form
/// is <see cref="ImageLocation"/>'s coded error (CTZ3220); callers that own a better code (build's CTZ5045) wrap it.
/// </summary>
public static class DestinationParser
{
    /// <summary>
    /// <c>registry</c> (push every name), <c>docker</c> or <c>podman</c> (load), or a file form: <c>oci-layout:DIR[:TAG]</c>,
    /// <c>oci-archive:FILE</c>, <c>docker-archive:FILE</c> (each also with <c>://</c>), relative to <paramref name="workingDirectory"/>.
    /// </summary>
    public static IImageDestination Parse(string text, string workingDirectory) => text switch
    {
        "registry" => new RegistryDestination(),
        _ when ParseEngine(text) is { } engine => new DaemonDestination(engine),
        _ => ParseFile(text, workingDirectory),
    };

    /// <summary>A file form only (<c>save -o</c>): anything else, <c>registry</c> and <c>docker</c> included, is CTZ3220.</summary>
    public static IImageDestination ParseFile(string text, string workingDirectory) => FromLocation(ImageLocation.Parse(text, workingDirectory));

    public static IImageDestination FromLocation(ImageLocation location) => location.Transport switch
    {
        ImageTransport.OciLayout => new OciLayoutDestination(location.Path, location.Tag),
        ImageTransport.OciArchive => new OciArchiveDestination(location.Path),
        _ => new DockerArchiveDestination(location.Path),
    };

    /// <summary><c>docker</c> or <c>podman</c> (as <c>--output</c> and <c>load-into</c> write them); null for any other word.</summary>
    public static EngineKind? ParseEngine(string text) => text switch
    {
        "docker" => EngineKind.Docker,
        "podman" => EngineKind.Podman,
        _ => null,
    };

    /// <summary><c>push LOCAL REMOTE [-t TAG]...</c>: the remote name (latest when untagged) and each extra tag in its repository.</summary>
    public static RegistryDestination ParsePush(string remote, IEnumerable<string> tags)
    {
        var name = ImageReference.Parse(remote).WithDefaultTag();
        return new RegistryDestination([name, .. tags.Select(name.WithTag)]);
    }

    /// <summary>
    /// A publish's destinations, as the .NET SDK decides them: the registry when ContainerRegistry is set, the archive
    /// when ContainerArchiveOutputPath is (its format from ContainerImageFormat), and the LocalRegistry daemon when it
    /// is set, or else Docker when neither of the others is given and a daemon answers. The property values are
    /// checked by the caller, whose codes they are.
    /// </summary>
    /// <param name="client">A client already talking to the registry; null makes one per push.</param>
    public static IReadOnlyList<IImageDestination> FromSdkProperties(
        bool push, string? archivePath, ImageTransport archiveFormat, EngineKind? localRegistry, bool offline, RegistryClient? client = null)
    {
        var destinations = new List<IImageDestination>();
        if (push) destinations.Add(new RegistryDestination { Client = client, Offline = offline });
        if (archivePath is not null) destinations.Add(FromLocation(new ImageLocation(archiveFormat, archivePath)));
        if (localRegistry is not null || destinations.Count == 0)
        {
            destinations.Add(new DaemonDestination(localRegistry ?? EngineKind.Docker) { OnlyIfAnswering = localRegistry is null, QuietProbe = true });
        }

        return destinations;
    }
}
