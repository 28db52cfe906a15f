using Containerize.Core.Diagnostics;
using Containerize.Core.Images.Oci;
using Containerize.Core.Images.Store;
using Containerize.Core.Registry;
using Containerize.Core.Supply;
using Containerize.Core.Supply.Referrers;

namespace Containerize.Core.Destinations;

/// <summary>
/// A registry (<c>--output registry</c>, <c>push REMOTE -t TAG</c>, ContainerRegistry): one push per repository of the
/// names (the first name pushed, the others added as tags), with <see cref="ImagePusher"/>'s skips, mounts and streams.
/// </summary>
/// <param name="Names">Where to push; null pushes the image's own names (build -t, a publish's names).</param>
public sealed record RegistryDestination(IReadOnlyList<ImageReference>? Names = null) : IImageDestination
{
    /// <summary>A client already talking to the registry (a publish warms one up during the build); null makes one.</summary>
    public RegistryClient? Client { get; init; }

    /// <summary>For the client made here: never touch the network (ContainerOffline).</summary>
    public bool Offline { get; init; }

    public bool Distributes => true;

    public async Task<SendResult> SendAsync(OciLayoutStore store, OutgoingImage image, IDiagnosticSink sink, CancellationToken cancellationToken)
    {
        using var owned = Client is null ? new RegistryClient(new RegistryOptions { Sink = sink, Offline = Offline }) : null;
        var pusher = new ImagePusher(Client ?? owned!, store);
        var pushes = new List<RepositoryPush>();
        foreach (var repository in (Names ?? image.Names).GroupBy(n => n.Name, StringComparer.Ordinal))
        {
            var remote = repository.First();
            // The pusher's messages name the image as the store knows it: the remote name itself when the image's own
            // names are pushed, the local reference when the names are given (push LOCAL REMOTE).
            var local = Names is null ? remote : image.Names.FirstOrDefault() ?? remote;
            var result = await pusher.PushAsync(image.Root, local, remote, repository.Skip(1).Select(n => n.Tag!).ToList(), cancellationToken).ConfigureAwait(false);
            var attached = await AttachAsync(Client ?? owned!, store, image, remote, sink, cancellationToken).ConfigureAwait(false);
            pushes.Add(new RepositoryPush(repository.ToList(), result) { Referrers = attached });
        }

        return new SendResult(this) { Pushes = pushes };
    }

    /// <summary>
    /// The image's referrers, after the image: a registry that refuses an artifact manifest or its subject field still
    /// has the image, so that is a warning, unless the user asked for attestations to be required.
    /// </summary>
    private static async Task<AttachResult?> AttachAsync(RegistryClient client, OciLayoutStore store, OutgoingImage image, ImageReference remote, IDiagnosticSink sink, CancellationToken cancellationToken)
    {
        if (image.Referrers.Count == 0) return null;
        try
        {
            return await new RegistryReferrers(client, store).PushAsync(remote, image.Root, image.Referrers, cancellationToken).ConfigureAwait(false);
        }
        catch (ContainerizeException e) when (!image.RequireReferrers && !cancellationToken.IsCancellationRequested)
        {
            sink.Report(new Diagnostic(SupplyErrors.AttachRefused, Severity.Warning,
                $"{remote.Name} has the image, but not its SBOM and provenance: the registry refused them ({e.Code}: {e.Diagnostic.Message})",
                Hint: "use a registry with OCI 1.1 artifacts, or set ContainerSbom=false and ContainerProvenance=false; ContainerAttestationsRequired=true makes this an error"));
            return null;
        }
        catch (ContainerizeException e) when (image.RequireReferrers)
        {
            throw new ContainerizeException(SupplyErrors.AttachRefused, $"{remote.Name} refused the image's SBOM and provenance ({e.Code}: {e.Diagnostic.Message}); the image itself was pushed",
                hint: "use a registry with OCI 1.1 artifacts, or set ContainerAttestationsRequired=false to push without them", inner: e);
        }
    }

    public override string ToString() => "registry";
}
