using Containerize.Core.Diagnostics;
using Containerize.Core.Images.Store;
using Containerize.Core.Images.Transfer;

namespace Containerize.Core.Destinations;

/// <summary>An OCI archive (<c>oci-archive:FILE</c>): the root, an index included, named by the image's first name.</summary>
public sealed record OciArchiveDestination(string Path) : IImageDestination
{
    public ImageLocation Location => new(ImageTransport.OciArchive, Path);

    public bool Distributes => true;

    public Task<SendResult> SendAsync(OciLayoutStore store, OutgoingImage image, IDiagnosticSink sink, CancellationToken cancellationToken) =>
        ExportScratch.RunAsync(store, image.Platform, async exporter =>
        {
            await exporter.ExportAsync(image.Root, image.Names.FirstOrDefault(), Location, cancellationToken).ConfigureAwait(false);
            return new SendResult(this) { Written = Location };
        });

    public override string ToString() => Location.ToString();
}
