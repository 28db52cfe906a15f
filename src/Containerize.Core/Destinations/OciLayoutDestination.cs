using Containerize.Core.Diagnostics;
using Containerize.Core.Images.Store;
using Containerize.Core.Images.Transfer;

namespace Containerize.Core.Destinations;

/// <summary>
/// An OCI layout folder (<c>oci-layout:DIR[:TAG]</c>). Without a tag it holds every name's tag when the image has
/// several (its ref names are bare tags, as skopeo's <c>oci:DIR:TAG</c> reads them), else the one name's tag.
/// </summary>
public sealed record OciLayoutDestination(string Path, string? Tag = null) : IImageDestination
{
    public ImageLocation Location => new(ImageTransport.OciLayout, Path, Tag);

    public bool Distributes => true;

    public Task<SendResult> SendAsync(OciLayoutStore store, OutgoingImage image, IDiagnosticSink sink, CancellationToken cancellationToken) =>
        ExportScratch.RunAsync(store, image.Platform, async exporter =>
        {
            if (Tag is null && image.Names.Count > 1)
            {
                foreach (var name in image.Names)
                {
                    await exporter.ExportAsync(image.Root, name, Location with { Tag = name.Tag }, cancellationToken).ConfigureAwait(false);
                }
            }
            else
            {
                await exporter.ExportAsync(image.Root, image.Names.FirstOrDefault(), Location, cancellationToken).ConfigureAwait(false);
            }

            await ReferrersInLayout.WriteAsync(store, Path, image, cancellationToken).ConfigureAwait(false);
            return new SendResult(this) { Written = Location };
        });

    public override string ToString() => Location.ToString();
}
