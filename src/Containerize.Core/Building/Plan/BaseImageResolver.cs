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

    /// <summary>`--build-context` names, which take the place of an image of that name.</summary>
    public NamedContextSet NamedContexts { get; init; } = NamedContextSet.Empty;

    /// <summary>The registry settings of a pull (offline among them); the sink is this resolver's.</summary>
    public RegistryOptions RegistryOptions { get; init; } = new();

    public async Task<ImageState> ResolveAsync(string name, int? stageIndex, CancellationToken cancellationToken)
    {
        if (stageIndex is { } index)
        {
            return stages.TryGetValue(index, out var built) ? built
                : throw new ContainerizeException(BuildErrors.BaseImageNotFound, $"stage {index} ('{name}') is used before it is built", hint: "an internal ordering error; report it");
        }

        if (NamedContexts.ImageOf(name) is { } image) name = image;
        else if (NamedContexts.FolderOf(name) is not null) return await FromFolderAsync(name, cancellationToken).ConfigureAwait(false);
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
                throw new ContainerizeException(BuildErrors.BaseImageNotFound, $"invalid image name '{name}'", hint: "write FROM name[:tag], a stage name, or oci-layout://DIR:TAG");
            }

            reference = reference!.WithDefaultTag();
            var stored = await store.ResolveAsync(reference, cancellationToken).ConfigureAwait(false);
            // A pulled index keeps only the platforms built so far: another platform's manifest is pulled now.
            if (stored is not null && MediaTypes.IsIndex(stored.MediaType) && !await HasPlatformAsync(stored, cancellationToken).ConfigureAwait(false)) stored = null;
            if (stored is null)
            {
                try
                {
                    using var client = new RegistryClient(RegistryOptions with { Sink = sink });
                    // Manifest and config only: the layers stay in the registry until a step, an export or a load
                    // reads them (RemoteBlobs), and a push mounts or streams them.
                    stored = (await new ImagePuller(client, store) { DeferLayers = true }.PullAsync(reference, Platform, cancellationToken).ConfigureAwait(false)).ManifestDescriptor;
                }
                catch (ContainerizeException e)
                {
                    throw new ContainerizeException(BuildErrors.BaseImageNotFound, $"base image '{name}' is not in the store and could not be pulled: {e.Diagnostic.Message}",
                        hint: "load it first (containerize load / import), or use FROM oci-layout://DIR:TAG", inner: e);
                }
            }

            manifest = await ImageGraph.SelectManifestAsync(store, stored, Platform, cancellationToken).ConfigureAwait(false);
        }

        var m = await store.ReadManifestAsync(manifest, cancellationToken).ConfigureAwait(false);
        var config = await store.ReadConfigAsync(m.Config, cancellationToken).ConfigureAwait(false);
        return new ImageState(manifest with { Annotations = null }, m.Config.Digest, m.Layers, config);
    }

    private async Task<bool> HasPlatformAsync(Descriptor index, CancellationToken cancellationToken)
    {
        try
        {
            var manifest = await ImageGraph.SelectManifestAsync(store, index, Platform, cancellationToken).ConfigureAwait(false);
            return await store.HasBlobAsync(manifest.Digest, cancellationToken).ConfigureAwait(false);
        }
        catch (ContainerizeException)
        {
            // No entry for the platform, or a nested index not in the store: the registry decides.
            return false;
        }
    }

    /// <summary>FROM a local named context: as in BuildKit, its files (after its .dockerignore) are the whole rootfs, with no config.</summary>
    private async Task<ImageState> FromFolderAsync(string name, CancellationToken cancellationToken)
    {
        var snapshot = await NamedContexts.SnapshotAsync(name, sink, cancellationToken).ConfigureAwait(false);
        var entries = Steps.SourceTree.FromSnapshot(snapshot).Under("").ToList();
        var layer = await Steps.LayerStore.WriteAsync(store, entries, new Images.Layers.LayerWriterOptions(), LayerCompression.None, cancellationToken).ConfigureAwait(false);
        var scratch = ImageState.Scratch(Platform);
        var config = scratch.Config with
        {
            Created = ImageCommitter.Created,
            RootFs = new RootFs { DiffIds = [layer.DiffId] },
            History = [new HistoryEntry { Created = ImageCommitter.Created, CreatedBy = $"build context {name}", Comment = "buildkit.dockerfile.v0" }],
        };
        return await ImageCommitter.StoreAsync(store, config, [layer.Blob], cancellationToken).ConfigureAwait(false);
    }
}
