using System.Formats.Tar;
using System.Text.Json;
using Containerize.Core.Diagnostics;
using Containerize.Core.Images.Oci;
using Containerize.Core.Images.Store;

namespace Containerize.Core.Images.Transfer;

/// <summary>An image brought into the store: its single-platform manifest and the names the source gave it.</summary>
public sealed record ImportedImage(Descriptor Manifest, IReadOnlyList<ImageReference> Names);

/// <summary>
/// Brings an image from disk into the store, so that base images work offline: from an OCI layout (by tag), an
/// OCI archive, or a docker-archive. Every blob is verified by digest as it is stored. A docker-archive's layers
/// are uncompressed tars and are stored as they are (media type ...layer.v1.tar, digest = diff ID), not
/// recompressed: that keeps the import a plain copy and the digests Docker's own.
/// </summary>
public sealed class ImageImporter(IContentStore store)
{
    public Platform Platform { get; init; } = Platform.LinuxAmd64;

    public Task<ImportedImage> ImportAsync(ImageLocation source, CancellationToken cancellationToken = default) => source.Transport switch
    {
        ImageTransport.OciLayout => ImportLayoutAsync(source, cancellationToken),
        ImageTransport.OciArchive => ImportOciArchiveAsync(source, cancellationToken),
        ImageTransport.DockerArchive => ImportDockerArchiveAsync(source, cancellationToken),
        _ => throw new ArgumentOutOfRangeException(nameof(source)),
    };

    private async Task<ImportedImage> ImportLayoutAsync(ImageLocation source, CancellationToken cancellationToken)
    {
        var layout = OciLayoutStore.OpenExisting(source.Path);
        var entry = FindEntry((await layout.ReadIndexAsync(cancellationToken).ConfigureAwait(false)).Manifests, source);
        var manifest = await ImageGraph.SelectManifestAsync(layout, entry, Platform, cancellationToken).ConfigureAwait(false);
        await ImageCopier.CopyAsync(layout, store, manifest, cancellationToken).ConfigureAwait(false);
        return new ImportedImage(manifest with { Annotations = null }, NamesOf(entry));
    }

    private async Task<ImportedImage> ImportOciArchiveAsync(ImageLocation source, CancellationToken cancellationToken)
    {
        byte[]? indexJson = null;
        await ReadArchiveAsync(source, async (name, entry) =>
        {
            if (name == "index.json")
            {
                indexJson = await ReadAllAsync(entry, cancellationToken).ConfigureAwait(false);
            }
            else if (name.StartsWith("blobs/", StringComparison.Ordinal) && entry.EntryType is TarEntryType.RegularFile or TarEntryType.V7RegularFile)
            {
                var parts = name.Split('/');
                if (parts.Length != 3 || !Digest.TryParse(parts[1] + ":" + parts[2], out var digest)) return;
                await store.PutBlobAsync(entry.DataStream ?? Stream.Null, "application/octet-stream", digest, entry.Length, cancellationToken).ConfigureAwait(false);
            }
        }, cancellationToken).ConfigureAwait(false);

        if (indexJson is null) throw Malformed(source, "it has no index.json");
        var index = OciJson.DeserializeIndex(indexJson, $"index.json of {source.Path}");
        var entry = FindEntry(index.Manifests, source);
        var manifest = await ImageGraph.SelectManifestAsync(store, entry, Platform, cancellationToken).ConfigureAwait(false);
        await ImageGraph.ClosureAsync(store, [manifest], tolerateMissing: false, cancellationToken).ConfigureAwait(false);
        return new ImportedImage(manifest with { Annotations = null }, NamesOf(entry));
    }

    private async Task<ImportedImage> ImportDockerArchiveAsync(ImageLocation source, CancellationToken cancellationToken)
    {
        byte[]? manifestJson = null;
        var files = new Dictionary<string, (Digest Digest, long Size, LayerCompression Compression)>(StringComparer.Ordinal);
        var links = new Dictionary<string, string>(StringComparer.Ordinal);
        await ReadArchiveAsync(source, async (name, entry) =>
        {
            switch (entry.EntryType)
            {
                case TarEntryType.SymbolicLink:
                    // docker save links a repeated layer to its first copy: ../ID/layer.tar.
                    var dir = Path.GetDirectoryName(name) ?? "";
                    links[name] = Normalize(Path.Combine(dir, entry.LinkName));
                    return;
                case TarEntryType.HardLink:
                    links[name] = Normalize(entry.LinkName);
                    return;
                case TarEntryType.RegularFile or TarEntryType.V7RegularFile:
                    break;
                default:
                    return;
            }

            if (name == "manifest.json")
            {
                manifestJson = await ReadAllAsync(entry, cancellationToken).ConfigureAwait(false);
                return;
            }

            // Legacy metadata that nothing here reads; storing it would only leave garbage for prune.
            if (name is "repositories" or "index.json" or "oci-layout" || name.EndsWith("/VERSION", StringComparison.Ordinal) || name.EndsWith("/json", StringComparison.Ordinal)) return;
            var sniff = new SniffingStream(entry.DataStream ?? Stream.Null);
            var stored = await store.PutBlobAsync(sniff, "application/octet-stream", expected: null, expectedSize: entry.Length, cancellationToken).ConfigureAwait(false);
            files[name] = (stored.Digest, stored.Size, LayerDecompression.Sniff(sniff.Head));
        }, cancellationToken).ConfigureAwait(false);

        if (manifestJson is null) throw Malformed(source, "it has no manifest.json");
        DockerArchiveEntry first;
        try
        {
            var entries = JsonSerializer.Deserialize(manifestJson, DockerArchiveJsonContext.Default.ListDockerArchiveEntry);
            first = entries is { Count: > 0 } ? entries[0] : throw Malformed(source, "its manifest.json lists no image");
        }
        catch (JsonException e)
        {
            throw Malformed(source, "its manifest.json is not valid: " + e.Message);
        }

        (Digest Digest, long Size, LayerCompression Compression) File(string path)
        {
            path = Normalize(path);
            for (var hops = 0; hops < 8 && links.TryGetValue(path, out var target); hops++) path = target;
            return files.TryGetValue(path, out var f) ? f : throw Malformed(source, $"manifest.json names '{path}', which the archive does not hold");
        }

        var configFile = File(first.Config ?? throw Malformed(source, "its manifest.json has no Config"));
        var configDescriptor = new Descriptor { MediaType = MediaTypes.OciConfig, Digest = configFile.Digest, Size = configFile.Size };
        var config = await store.ReadConfigAsync(configDescriptor, cancellationToken).ConfigureAwait(false);
        var layers = new List<Descriptor>();
        var layerPaths = first.Layers ?? [];
        if (layerPaths.Count != config.RootFs.DiffIds.Count)
        {
            throw new ContainerizeException(StoreErrors.DiffIdMismatch, $"{source.Path} lists {layerPaths.Count} layers but its config has {config.RootFs.DiffIds.Count} diff IDs",
                hint: "the archive is malformed; save it again");
        }

        for (var i = 0; i < layerPaths.Count; i++)
        {
            var f = File(layerPaths[i]);
            if (f.Compression == LayerCompression.None && f.Digest != config.RootFs.DiffIds[i])
            {
                throw new ContainerizeException(StoreErrors.DiffIdMismatch, $"layer {layerPaths[i]} of {source.Path} has digest {f.Digest}, but the config says {config.RootFs.DiffIds[i]}",
                    hint: "the archive is corrupt or was edited; save it again");
            }

            layers.Add(new Descriptor { MediaType = MediaTypes.LayerFor(f.Compression, docker: false), Digest = f.Digest, Size = f.Size });
        }

        var manifest = new ImageManifest { Config = configDescriptor, Layers = layers };
        var stored = await store.PutBlobAsync(OciJson.Serialize(manifest), MediaTypes.OciManifest, cancellationToken).ConfigureAwait(false);
        var names = (first.RepoTags ?? []).Select(t => ImageReference.TryParse(t, out var r) ? r : null).OfType<ImageReference>().ToList();
        return new ImportedImage(stored with { Platform = config.Platform }, names);
    }

    private static Descriptor FindEntry(IReadOnlyList<Descriptor> entries, ImageLocation source)
    {
        Descriptor? found;
        if (source.Tag is { } tag)
        {
            found = entries.LastOrDefault(d => d.Annotation(AnnotationKeys.RefName) == tag)
                ?? entries.LastOrDefault(d => d.Annotation(AnnotationKeys.RefName) is { } n && n.EndsWith(":" + tag, StringComparison.Ordinal));
        }
        else
        {
            found = entries.Count == 1 ? entries[0] : entries.LastOrDefault(d => d.Annotation(AnnotationKeys.RefName) == ImageReference.DefaultTag);
        }

        if (found is not null) return found;
        var names = entries.Select(d => d.Annotation(AnnotationKeys.RefName) ?? d.Digest.ToString()).ToList();
        throw new ContainerizeException(StoreErrors.LayoutTagNotFound,
            source.Tag is null
                ? $"{source} holds {entries.Count} images and no tag was given"
                : $"{source} has no image tagged '{source.Tag}'" + (names.Count > 0 ? $" (it has: {string.Join(", ", names)})" : " (it is empty)"),
            hint: "add the tag after the path: oci-layout://DIR:TAG");
    }

    private static IReadOnlyList<ImageReference> NamesOf(Descriptor entry)
    {
        foreach (var key in new[] { AnnotationKeys.ContainerdImageName, AnnotationKeys.RefName })
        {
            // A bare tag ("10.0") is not a name; a full reference ("docker.io/library/app:1.0") is.
            if (entry.Annotation(key) is { } n && (n.Contains('/') || n.Contains(':')) && ImageReference.TryParse(n, out var r)) return [r!];
        }

        return [];
    }

    private static async Task ReadArchiveAsync(ImageLocation source, Func<string, TarEntry, Task> onEntry, CancellationToken cancellationToken)
    {
        if (!System.IO.File.Exists(source.Path))
        {
            throw new ContainerizeException(StoreErrors.LayoutNotFound, $"no archive at '{source.Path}'",
                hint: "check the path; write archives with 'containerize save' or 'docker save'");
        }

        try
        {
            await using var file = new FileStream(source.Path, FileMode.Open, FileAccess.Read, FileShare.Read, 81920, FileOptions.Asynchronous | FileOptions.SequentialScan);
            await using var reader = new TarReader(file);
            while (await reader.GetNextEntryAsync(copyData: false, cancellationToken).ConfigureAwait(false) is { } entry)
            {
                await onEntry(Normalize(entry.Name), entry).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is InvalidDataException or EndOfStreamException or FormatException)
        {
            throw Malformed(source, e.Message);
        }
    }

    private static string Normalize(string name)
    {
        var parts = new List<string>();
        foreach (var p in name.Replace('\\', '/').Split('/'))
        {
            if (p is "" or ".") continue;
            if (p == "..")
            {
                if (parts.Count > 0) parts.RemoveAt(parts.Count - 1);
                continue;
            }

            parts.Add(p);
        }

        return string.Join('/', parts);
    }

    private static async Task<byte[]> ReadAllAsync(TarEntry entry, CancellationToken cancellationToken)
    {
        if (entry.Length > 64 * 1024 * 1024) throw new InvalidDataException($"{entry.Name} is too large");
        using var buffer = new MemoryStream();
        if (entry.DataStream is { } s) await s.CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
        return buffer.ToArray();
    }

    private static ContainerizeException Malformed(ImageLocation source, string why) =>
        new(StoreErrors.MalformedArchive, $"{source} is not a valid {ImageLocation.Prefix(source.Transport)}: {why}",
            hint: "the file may be truncated or of another format; save or export it again");
}
