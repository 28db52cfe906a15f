using Containerize.Core.Diagnostics;
using Containerize.Core.Images.Oci;
using Containerize.Core.Images.Store;
using Containerize.Core.Images.Transfer;
using Containerize.Core.Registry;

namespace Containerize.Core.Building.Plan;

/// <summary>
/// FROM (and COPY --from) names: scratch, an earlier stage, an oci-layout:// / oci-archive:// / docker-archive://
/// location (imported into the store), a tag already in the store, or else a registry pull.
/// </summary>
public sealed class BaseImageResolver(OciLayoutStore store, string contextDirectory, IDiagnosticSink sink, IReadOnlyDictionary<int, ImageState> stages)
{
    public Platform Platform { get; init; } = Platform.LinuxAmd64;

    public async Task<ImageState> ResolveAsync(string name, int? stageIndex, CancellationToken cancellationToken)
    {
        if (stageIndex is { } index)
        {
            return stages.TryGetValue(index, out var built) ? built
                : throw new ContainerizeException(EngineErrors.BaseImageNotFound, $"stage {index} ('{name}') is used before it is built", hint: "an internal ordering error; report it");
        }

        if (name == "scratch") return ImageState.Scratch(Platform);
        Descriptor manifest;
        if (ImageLocation.LooksLikeLocation(name))
        {
            var imported = await new ImageImporter(store) { Platform = Platform }.ImportAsync(ImageLocation.Parse(name, contextDirectory), cancellationToken).ConfigureAwait(false);
            manifest = imported.Manifest;
        }
        else
        {
            if (!ImageReference.TryParse(name, out var reference))
            {
                throw new ContainerizeException(EngineErrors.BaseImageNotFound, $"invalid image name '{name}'", hint: "write FROM name[:tag], a stage name, or oci-layout://DIR:TAG");
            }

            reference = reference!.WithDefaultTag();
            var stored = await store.ResolveAsync(reference, cancellationToken).ConfigureAwait(false);
            if (stored is null)
            {
                try
                {
                    using var client = new RegistryClient(new RegistryOptions { Sink = sink });
                    stored = (await new ImagePuller(client, store).PullAsync(reference, Platform, cancellationToken).ConfigureAwait(false)).ManifestDescriptor;
                }
                catch (ContainerizeException e)
                {
                    throw new ContainerizeException(EngineErrors.BaseImageNotFound, $"base image '{name}' is not in the store and could not be pulled: {e.Diagnostic.Message}",
                        hint: "load it first (containerize load / import), or use FROM oci-layout://DIR:TAG", inner: e);
                }
            }

            manifest = await ImageGraph.SelectManifestAsync(store, stored, Platform, cancellationToken).ConfigureAwait(false);
        }

        var m = await store.ReadManifestAsync(manifest, cancellationToken).ConfigureAwait(false);
        var config = await store.ReadConfigAsync(m.Config, cancellationToken).ConfigureAwait(false);
        return new ImageState(manifest with { Annotations = null }, m.Config.Digest, m.Layers, config);
    }
}
