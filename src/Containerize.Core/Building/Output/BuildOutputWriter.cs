using Containerize.Core.Building.Plan;
using Containerize.Core.Destinations;
using Containerize.Core.Diagnostics;
using Containerize.Core.Images.Oci;
using Containerize.Core.Images.Store;

namespace Containerize.Core.Building.Output;

/// <summary>
/// `containerize build --output`: each value read as a destination (<see cref="DestinationParser"/>), and the finished
/// build's image (in the store, tagged) sent to each: an OCI layout gets every -t tag, archives and loads are named by
/// the first, the registry gets every -t name (one push per repository), a daemon is not loaded again when it holds the
/// image ID. The engine's plain layers are compressed first when an output leaves the machine.
/// </summary>
public static class BuildOutputWriter
{
    /// <summary>One --output value; a malformed one is CTZ5045, the cause inside.</summary>
    public static IImageDestination Parse(string value, string workingDirectory)
    {
        try
        {
            return DestinationParser.Parse(value, workingDirectory);
        }
        catch (ContainerizeException e)
        {
            throw new ContainerizeException(BuildErrors.BadOutput, $"invalid --output '{value}'",
                hint: "write oci-layout:DIR[:TAG], oci-archive:FILE, docker-archive:FILE, registry, docker or podman", inner: e);
        }
    }

    /// <summary>Fails before the build runs: an output that cannot work whatever the build does.</summary>
    public static void Validate(IReadOnlyList<IImageDestination> outputs, IReadOnlyList<ImageReference> tags)
    {
        if (outputs.Any(o => o is RegistryDestination { Names: null }) && tags.Count == 0)
        {
            throw new ContainerizeException(BuildErrors.BadOutput, "--output registry needs a name to push to",
                hint: "add -t REGISTRY/REPOSITORY:TAG (every -t name is pushed)");
        }
    }

    public static async Task WriteAsync(OciLayoutStore store, ImageState image, IReadOnlyList<ImageReference> tags, IReadOnlyList<IImageDestination> outputs,
        Platform platform, IDiagnosticSink sink, CancellationToken cancellationToken, Func<ImageState, Task<IReadOnlyList<Descriptor>>>? attest = null)
    {
        if (image.Manifest is null) throw new InvalidOperationException("the image is not stored");
        if (outputs.Any(o => o.Distributes))
        {
            // As BuildKit's exporters do, an image that leaves the machine has compressed layers, and every output of one
            // build holds the same manifest: the store's tags move to it too (the image ID, the config, is unchanged).
            var distributed = await ImageCommitter.CompressForDistributionAsync(store, image, cancellationToken).ConfigureAwait(false);
            if (!ReferenceEquals(distributed, image))
            {
                foreach (var tag in tags) await store.TagAsync(tag, distributed.Manifest!, cancellationToken).ConfigureAwait(false);
                image = distributed;
            }
        }

        var referrers = attest is null ? [] : await attest(image).ConfigureAwait(false);
        var outgoing = new OutgoingImage(image.Manifest!, tags) { Platform = platform, ImageId = image.ConfigDigest, Referrers = referrers };
        foreach (var output in outputs)
        {
            var result = await output.SendAsync(store, outgoing, sink, cancellationToken).ConfigureAwait(false);
            foreach (var push in result.Pushes)
            {
                sink.Info($"pushed {string.Join(", ", push.Names.Select(t => t.FamiliarString))} ({push.Result.Digest}): " +
                    $"{push.Result.BlobsUploaded} blob(s) uploaded, {push.Result.BlobsSkipped} already there");
            }

            if (result.LoadedInto is not null)
            {
                sink.Info(result.AlreadyHeld ? $"{output}: already held {image.ShortId}" : $"{output}: loaded {image.ShortId}");
                continue;
            }

            sink.Info($"exported {image.ShortId} to {output}");
        }
    }
}
