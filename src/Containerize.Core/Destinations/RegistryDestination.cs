using Containerize.Core.Diagnostics;
using Containerize.Core.Images.Oci;
using Containerize.Core.Images.Store;
using Containerize.Core.Registry;

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
            pushes.Add(new RepositoryPush(repository.ToList(), result));
        }

        return new SendResult(this) { Pushes = pushes };
    }

    public override string ToString() => "registry";
}
