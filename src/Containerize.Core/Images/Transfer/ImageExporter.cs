using Containerize.Core.Os;
using System.Security.Cryptography;
using System.Text.Json;
using Containerize.Core.Diagnostics;
using Containerize.Core.Images.Oci;
using Containerize.Core.Images.Store;

namespace Containerize.Core.Images.Transfer;

/// <summary>
/// Writes an image from a store to disk: an OCI layout folder, an OCI archive, or a docker-archive (the format
/// <c>docker load</c> and <c>podman load</c> read). Archives are reproducible: the same image gives the same bytes.
/// Archives are written to a temporary name and renamed, so a failed export leaves no half-written archive. They are
/// not fsynced: an archive is a build output that the next publish writes again, as MSBuild's own outputs are, and a
/// 100 MB fsync cost more than the rest of the publish's image work (the store, which is state, is fsynced).
/// </summary>
public sealed class ImageExporter(IContentStore store, string scratchDirectory)
{
    /// <summary>The platform chosen when an index is exported to a format that holds one manifest (docker-archive).</summary>
    public Platform Platform { get; init; } = Platform.LinuxAmd64;

    /// <summary>Fetches the layers a build left in their registry (RemoteBlobs), before anything is written or started.</summary>
    public Task EnsureLayersAsync(Descriptor image, ImageReference? name, CancellationToken cancellationToken = default) =>
        store.EnsureImageAsync(image, name?.FamiliarString, cancellationToken);

    public async Task ExportAsync(Descriptor image, ImageReference? name, ImageLocation destination, CancellationToken cancellationToken = default)
    {
        await EnsureLayersAsync(image, name, cancellationToken).ConfigureAwait(false);
        switch (destination.Transport)
        {
            case ImageTransport.OciLayout:
                var layout = await OciLayoutStore.OpenOrCreateAsync(destination.Path, cancellationToken).ConfigureAwait(false);
                await ImageCopier.CopyAsync(store, layout, image, cancellationToken).ConfigureAwait(false);
                await layout.TagAsync(destination.Tag ?? name?.Tag ?? ImageReference.DefaultTag, image, name, cancellationToken).ConfigureAwait(false);
                layout.RemoveEmptyIngest();
                break;
            case ImageTransport.OciArchive:
                await WriteFileAsync(destination.Path, s => WriteOciArchiveAsync(image, name, destination.Tag, s, cancellationToken), cancellationToken).ConfigureAwait(false);
                break;
            case ImageTransport.DockerArchive:
                await WriteFileAsync(destination.Path, s => WriteDockerArchiveAsync(image, name, s, cancellationToken), cancellationToken).ConfigureAwait(false);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(destination));
        }
    }

    private static async Task WriteFileAsync(string path, Func<Stream, Task> write, CancellationToken cancellationToken)
    {
        var temp = Path.Combine(Path.GetDirectoryName(path)!, $".{Path.GetFileName(path)}.{Guid.NewGuid():N}.tmp");
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            await using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 81920, FileOptions.Asynchronous))
            {
                await write(file).ConfigureAwait(false);
                await file.FlushAsync(cancellationToken).ConfigureAwait(false);
            }

            // Renaming over an existing file makes ext4 write the new one out first (auto_da_alloc), a wait of
            // about 15 ms per 100 MB; the old archive is about to be replaced anyway.
            File.Delete(path);
            File.Move(temp, path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A full disk or a folder that cannot be written, as a coded error: in MSBuild's process an exception
            // would be a stack trace.
            throw new ContainerizeException(GeneralErrors.IoError, $"could not write the archive {path}: {e.Message}", path,
                hint: "check the folder's permissions and free space, or write the archive elsewhere", inner: e);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }

    /// <summary>
    /// An OCI layout in a tar: oci-layout, index.json naming the image, Docker's manifest.json, then the blobs in
    /// digest order.
    /// </summary>
    public async Task WriteOciArchiveAsync(Descriptor image, ImageReference? name, string? tag, Stream output, CancellationToken cancellationToken = default)
    {
        await EnsureLayersAsync(image, name, cancellationToken).ConfigureAwait(false);
        var blobs = (await ImageGraph.ClosureAsync(store, [image], tolerateMissing: false, cancellationToken).ConfigureAwait(false))
            .OrderBy(d => d.Digest.ToString(), StringComparer.Ordinal).ToList();
        var annotations = new Dictionary<string, string>(StringComparer.Ordinal) { [AnnotationKeys.RefName] = tag ?? name?.Tag ?? ImageReference.DefaultTag };
        if (name is not null) annotations[AnnotationKeys.ContainerdImageName] = name.ToString();
        var index = new ImageIndex
        {
            Manifests = [new Descriptor { MediaType = image.MediaType, Digest = image.Digest, Size = image.Size, Platform = image.Platform, Annotations = annotations }],
        };

        // Docker's classic image store loads only archives with a manifest.json; Docker 25+ writes one beside the
        // OCI layout, pointing at the (compressed) layer blobs, and so do we, so one file loads everywhere.
        byte[]? dockerManifest = null;
        if (MediaTypes.IsManifest(image.MediaType))
        {
            var manifest = await store.ReadManifestAsync(image, cancellationToken).ConfigureAwait(false);
            var tags = RepoTags(name);
            dockerManifest = DockerManifestJson(manifest.Config.Digest, tags, manifest.Layers.Select(l => $"blobs/{l.Digest.Algorithm}/{l.Digest.Encoded}").ToList());
        }

        await using var tar = new ReproducibleTar(output);
        await tar.AddFileAsync("oci-layout", OciJson.Serialize(new ImageLayoutHeader()), cancellationToken).ConfigureAwait(false);
        await tar.AddFileAsync("index.json", OciJson.Serialize(index), cancellationToken).ConfigureAwait(false);
        if (dockerManifest is not null) await tar.AddFileAsync("manifest.json", dockerManifest, cancellationToken).ConfigureAwait(false);
        await tar.AddDirectoryAsync("blobs", cancellationToken).ConfigureAwait(false);
        foreach (var blob in blobs)
        {
            await tar.AddDirectoryAsync("blobs/" + blob.Digest.Algorithm, cancellationToken).ConfigureAwait(false);
            await using var content = await OpenSeekableAsync(blob, cancellationToken).ConfigureAwait(false);
            await tar.AddFileAsync($"blobs/{blob.Digest.Algorithm}/{blob.Digest.Encoded}", content, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Docker's save format: the config, the layers under blobs/sha256, and manifest.json with Config, RepoTags and
    /// Layers. Gzip and uncompressed layers go in as the store holds them, named by their digest, as the .NET SDK
    /// writes its tarballs: <c>docker load</c>, <c>podman load</c> and skopeo all decompress a layer they find
    /// compressed and check it against the config's diff ID, so decompressing here would only cost time (seconds for
    /// an aspnet base) and make the archive two to three times larger. Zstd layers, which daemons before Docker 23
    /// cannot read, are decompressed into scratch files, named by diff ID and checked against it.
    /// </summary>
    public async Task WriteDockerArchiveAsync(Descriptor image, ImageReference? name, Stream output, CancellationToken cancellationToken = default)
    {
        await EnsureLayersAsync(image, name, cancellationToken).ConfigureAwait(false);
        var manifestDescriptor = await ImageGraph.SelectManifestAsync(store, image, Platform, cancellationToken).ConfigureAwait(false);
        var manifest = await store.ReadManifestAsync(manifestDescriptor, cancellationToken).ConfigureAwait(false);
        var configBytes = await store.ReadBlobBytesAsync(manifest.Config, cancellationToken).ConfigureAwait(false);
        var config = OciJson.DeserializeConfig(configBytes);
        if (config.RootFs.DiffIds.Count != manifest.Layers.Count)
        {
            throw new ContainerizeException(StoreErrors.DiffIdMismatch, $"the image {manifestDescriptor.Digest} has {manifest.Layers.Count} layers but {config.RootFs.DiffIds.Count} diff IDs",
                hint: "the image is malformed; rebuild it");
        }

        Directory.CreateDirectory(scratchDirectory);
        var scratch = new List<string>();
        try
        {
            await using var tar = new ReproducibleTar(output);
            await tar.AddDirectoryAsync("blobs", cancellationToken).ConfigureAwait(false);
            await tar.AddDirectoryAsync("blobs/sha256", cancellationToken).ConfigureAwait(false);
            await tar.AddFileAsync($"blobs/sha256/{manifest.Config.Digest.Encoded}", configBytes, cancellationToken).ConfigureAwait(false);
            var layerPaths = new List<string>();
            var written = new HashSet<Digest>();
            for (var i = 0; i < manifest.Layers.Count; i++)
            {
                var layer = manifest.Layers[i];
                var diffId = config.RootFs.DiffIds[i];
                if (IsLoadableAsStored(layer))
                {
                    var stored = $"blobs/{layer.Digest.Algorithm}/{layer.Digest.Encoded}";
                    layerPaths.Add(stored);
                    if (!written.Add(layer.Digest)) continue;
                    await using var blob = await OpenSeekableAsync(layer, cancellationToken).ConfigureAwait(false);
                    await tar.AddFileAsync(stored, blob, cancellationToken).ConfigureAwait(false);
                    continue;
                }

                var path = $"blobs/sha256/{diffId.Encoded}";
                layerPaths.Add(path);
                if (!written.Add(diffId)) continue;
                var file = Path.Combine(scratchDirectory, Guid.NewGuid().ToString("N") + ".layer");
                scratch.Add(file);
                await DecompressToFileAsync(layer, diffId, file, cancellationToken).ConfigureAwait(false);
                await using var content = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read, 81920, FileOptions.Asynchronous);
                await tar.AddFileAsync(path, content, cancellationToken).ConfigureAwait(false);
                content.Close();
                File.Delete(file);
            }

            var tags = RepoTags(name);
            await tar.AddFileAsync("manifest.json", DockerManifestJson(manifest.Config.Digest, tags, layerPaths), cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            foreach (var f in scratch) AtomicFile.TryDelete(f);
        }
    }

    private static bool IsLoadableAsStored(Descriptor layer) =>
        layer.Digest.Algorithm == "sha256" && layer.MediaType is MediaTypes.OciLayerGzip or MediaTypes.DockerLayerGzip or MediaTypes.OciLayer;

    /// <summary>
    /// The full name (<c>docker.io/library/app:1.0</c>): Docker shortens it to the familiar form as it loads, and
    /// podman, which would put an unqualified <c>app:1.0</c> under <c>localhost/</c>, keeps the real registry.
    /// </summary>
    private static string[] RepoTags(ImageReference? name) => name is null ? [] : [name.WithDefaultTag().ToString()];

    private static byte[] DockerManifestJson(Digest config, IReadOnlyList<string> repoTags, IReadOnlyList<string> layers)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartArray();
            w.WriteStartObject();
            w.WriteString("Config", $"blobs/sha256/{config.Encoded}");
            w.WriteStartArray("RepoTags");
            foreach (var t in repoTags) w.WriteStringValue(t);
            w.WriteEndArray();
            w.WriteStartArray("Layers");
            foreach (var l in layers) w.WriteStringValue(l);
            w.WriteEndArray();
            w.WriteEndObject();
            w.WriteEndArray();
        }

        return buffer.ToArray();
    }

    private async Task DecompressToFileAsync(Descriptor layer, Digest diffId, string file, CancellationToken cancellationToken)
    {
        await using var blob = await store.OpenLayerAsync(layer, cancellationToken: cancellationToken).ConfigureAwait(false);
        await using var tar = LayerDecompression.Decompress(blob, layer.MediaType);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        await using (var output = new FileStream(file, FileMode.CreateNew, FileAccess.Write, FileShare.None, 81920, FileOptions.Asynchronous))
        {
            var buffer = new byte[81920];
            int n;
            while ((n = await tar.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
            {
                hash.AppendData(buffer, 0, n);
                await output.WriteAsync(buffer.AsMemory(0, n), cancellationToken).ConfigureAwait(false);
            }
        }

        // Decompressors can stop before the end of the compressed blob; drain it so the digest check runs.
        await blob.CopyToAsync(Stream.Null, cancellationToken).ConfigureAwait(false);
        var actual = Digest.FromSha256Hash(hash.GetHashAndReset());
        if (actual != diffId)
        {
            throw new ContainerizeException(StoreErrors.DiffIdMismatch, $"layer {layer.Digest} uncompresses to {actual}, but the config says {diffId}",
                hint: "the image is malformed; rebuild it");
        }
    }

    private async Task<Stream> OpenSeekableAsync(Descriptor blob, CancellationToken cancellationToken)
    {
        await store.EnsurePresentAsync(blob, cancellationToken: cancellationToken).ConfigureAwait(false);
        if (store is OciLayoutStore layout && blob.Digest.Algorithm == "sha256")
        {
            // A layout store's blob was checked against its digest when it was written (temporary file, digest,
            // rename), so the archive copies the file as the .NET SDK copies its cached blobs, checking the size:
            // hashing a 100 MB base again would cost more than the copy. `containerize store check` re-hashes.
            var file = layout.OpenBlobFile(blob.Digest, 1 << 20);
            if (file.Length != blob.Size)
            {
                var actual = file.Length;
                await file.DisposeAsync().ConfigureAwait(false);
                throw new ContainerizeException(StoreErrors.SizeMismatch, $"blob {blob.Digest} in the store has {actual} bytes, but the image says {blob.Size}",
                    hint: "the store is damaged; 'containerize store check' lists what is wrong, then pull or rebuild the image");
            }

            return new BulkCopyStream(file);
        }

        // The tar header carries the size before the data: give the writer a stream that knows its length and
        // still verifies the digest as the bytes go out.
        var stream = await store.OpenBlobAsync(blob.Digest, cancellationToken).ConfigureAwait(false);
        return new KnownLengthStream(stream, blob.Size);
    }
}
