using Containerize.Core.Diagnostics;
using Containerize.Core.Images.Store;
using Containerize.Core.Images.Transfer;

namespace Containerize.Core.Destinations;

/// <summary>
/// A docker-archive (<c>docker-archive:FILE</c>, what <c>docker load</c> reads): one image, the loadable one, with the
/// layers as stored, named by the image's first name.
/// </summary>
public sealed record DockerArchiveDestination(string Path) : IImageDestination
{
    public ImageLocation Location => new(ImageTransport.DockerArchive, Path);

    public bool Distributes => false;

    public Task<SendResult> SendAsync(OciLayoutStore store, OutgoingImage image, IDiagnosticSink sink, CancellationToken cancellationToken) =>
        ExportScratch.RunAsync(store, image.Platform, async exporter =>
        {
            await exporter.ExportAsync(image.Loadable, image.Names.FirstOrDefault(), Location, cancellationToken).ConfigureAwait(false);
            return new SendResult(this) { Written = Location };
        });

    public override string ToString() => Location.ToString();
}
