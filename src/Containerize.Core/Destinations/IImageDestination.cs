using Containerize.Core.Diagnostics;
using Containerize.Core.Images.Store;

namespace Containerize.Core.Destinations;

/// <summary>
/// One place an image from the store goes: a registry, an OCI layout folder, an OCI archive, a docker-archive, or a
/// docker/podman load. `containerize build --output`, `save`, `push`, `load-into` and the MSBuild publish all send
/// through these; each caller only words the result its own way. <c>ToString()</c> names the destination as the
/// user writes it (<c>oci-layout://DIR</c>, <c>registry</c>, <c>docker</c>).
/// </summary>
public interface IImageDestination
{
    /// <summary>
    /// Whether the image leaves the machine (a registry, a layout, an OCI archive): a build compresses its plain layers
    /// first, as BuildKit's exporters do. A docker-archive and a daemon take the image as stored, as <c>docker save</c>.
    /// </summary>
    bool Distributes { get; }

    Task<SendResult> SendAsync(OciLayoutStore store, OutgoingImage image, IDiagnosticSink sink, CancellationToken cancellationToken);
}
