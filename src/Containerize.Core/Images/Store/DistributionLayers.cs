using Containerize.Core.Os;
using System.Globalization;
using Containerize.Core.Images.Layers;
using Containerize.Core.Images.Oci;

namespace Containerize.Core.Images.Store;

/// <summary>
/// The engine commits its layers as plain tars, as Docker's and BuildKit's local stores keep them: compressing a
/// 100 MB COPY costs more than everything else the step does, and a local image, <c>docker load</c> and runc need no
/// compression. An image is compressed when it leaves for a registry or is published: each plain layer gets a gzip
/// twin (deterministic, so the pushed digest is reproducible too), made once and found again by its diff ID under
/// <c>compressed/sha256/</c>. The config, and so the image ID, does not change: it names diff IDs only.
/// </summary>
public static class DistributionLayers
{
    private const string TwinFolder = "compressed";

    public static bool IsPlain(Descriptor layer) => layer.MediaType is MediaTypes.OciLayer or MediaTypes.DockerLayerPlain;

    /// <summary>The layers with every plain one replaced by its gzip twin; the same list when none is plain.</summary>
    public static async Task<IReadOnlyList<Descriptor>> CompressAsync(OciLayoutStore store, IReadOnlyList<Descriptor> layers, CancellationToken cancellationToken)
    {
        if (!layers.Any(IsPlain)) return layers;
        var result = new List<Descriptor>(layers.Count);
        foreach (var layer in layers)
        {
            result.Add(IsPlain(layer) ? await TwinAsync(store, layer, cancellationToken).ConfigureAwait(false) : layer);
        }

        return result;
    }

    /// <summary>
    /// What leaves for a registry: a manifest whose plain layers are compressed, stored beside the original (same
    /// config, same annotations); an index over such manifests (those of its platforms the store holds); or
    /// <paramref name="root"/> itself when nothing in it is plain.
    /// </summary>
    public static async Task<Descriptor> CompressAsync(OciLayoutStore store, Descriptor root, CancellationToken cancellationToken)
    {
        var bytes = await store.ReadBlobBytesAsync(root, cancellationToken).ConfigureAwait(false);
        var type = OciJson.PeekMediaType(bytes) ?? root.MediaType;
        if (MediaTypes.IsManifest(type)) return await CompressManifestAsync(store, root, bytes, type, cancellationToken).ConfigureAwait(false);
        if (!MediaTypes.IsIndex(type)) return root;

        var index = OciJson.DeserializeIndex(bytes);
        var children = new List<Descriptor>(index.Manifests.Count);
        foreach (var child in index.Manifests)
        {
            children.Add(MediaTypes.IsManifest(child.MediaType) && await store.HasBlobAsync(child.Digest, cancellationToken).ConfigureAwait(false)
                ? await CompressAsync(store, child, cancellationToken).ConfigureAwait(false)
                : child);
        }

        if (children.SequenceEqual(index.Manifests)) return root;
        var stored = await store.PutBlobAsync(OciJson.Serialize(index with { Manifests = children }), type, cancellationToken).ConfigureAwait(false);
        return stored with { Platform = root.Platform, Annotations = root.Annotations };
    }

    private static async Task<Descriptor> CompressManifestAsync(OciLayoutStore store, Descriptor manifest, byte[] bytes, string type, CancellationToken cancellationToken)
    {
        var parsed = OciJson.DeserializeManifest(bytes);
        var layers = await CompressAsync(store, parsed.Layers, cancellationToken).ConfigureAwait(false);
        if (ReferenceEquals(layers, parsed.Layers)) return manifest;
        var docker = type == MediaTypes.DockerManifest;
        var rewritten = parsed with
        {
            Layers = docker ? layers.Select(l => l.MediaType == MediaTypes.OciLayerGzip ? l with { MediaType = MediaTypes.DockerLayerGzip } : l).ToList() : layers,
        };
        var stored = await store.PutBlobAsync(OciJson.Serialize(rewritten), type, cancellationToken).ConfigureAwait(false);
        return stored with { Platform = manifest.Platform, Annotations = manifest.Annotations };
    }

    private static async Task<Descriptor> TwinAsync(OciLayoutStore store, Descriptor plain, CancellationToken cancellationToken)
    {
        var record = Path.Combine(store.Root, TwinFolder, plain.Digest.Algorithm, plain.Digest.Encoded);
        if (File.Exists(record))
        {
            var lines = (await File.ReadAllTextAsync(record, cancellationToken).ConfigureAwait(false)).Split('\n', StringSplitOptions.RemoveEmptyEntries);
            if (lines.Length == 2 && Digest.TryParse(lines[0], out var known) && long.TryParse(lines[1], NumberStyles.None, CultureInfo.InvariantCulture, out var size) &&
                await store.GetBlobSizeAsync(known, cancellationToken).ConfigureAwait(false) == size)
            {
                return new Descriptor { MediaType = MediaTypes.OciLayerGzip, Digest = known, Size = size, Annotations = plain.Annotations };
            }
        }

        var twin = await store.PutBlobFromWriterAsync(MediaTypes.OciLayerGzip, async (output, ct) =>
        {
            // The store checks the plain blob against its digest as it is read, so a damaged one is never compressed.
            await using var source = await store.OpenLayerAsync(plain, cancellationToken: ct).ConfigureAwait(false);
            await using var gzip = new ParallelGzipStream(output, LayerWriterOptions.DefaultGzipLevel, cancellationToken: ct);
            await source.CopyToAsync(gzip, ParallelGzipStream.ChunkSize, ct).ConfigureAwait(false);
            await gzip.FinishAsync(ct).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
        Directory.CreateDirectory(Path.GetDirectoryName(record)!);
        await AtomicFile.WriteAsync(record, System.Text.Encoding.ASCII.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{twin.Digest}\n{twin.Size}\n")), AtomicWriteOptions.Durable, cancellationToken)
            .ConfigureAwait(false);
        return twin with { Annotations = plain.Annotations };
    }
}
