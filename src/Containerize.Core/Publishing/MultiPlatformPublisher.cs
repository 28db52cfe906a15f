using System.Runtime.Versioning;
using Containerize.Core.Diagnostics;
using Containerize.Core.Generation;
using Containerize.Core.Images.Oci;
using Containerize.Core.Images.Store;
using Containerize.Core.Images.Transfer;

namespace Containerize.Core.Publishing;

/// <summary>
/// Several container RIDs (ContainerRuntimeIdentifiers), as the .NET SDK's _PublishMultiArchContainers: each inner
/// publish built its RID's image into the store (tagged <c>repository:tag-rid</c> only); this writes an OCI image
/// index over them, tags it with the user's names, pushes it (the platforms' manifests by digest, then the index by
/// tag), writes the archive (always an OCI archive: a docker-archive holds one image) and obj/container/image.json.
/// </summary>
public sealed class MultiPlatformPublisher(IDiagnosticSink sink)
{
    public async Task<ContainerImageResult> PublishAsync(MultiPlatformPublishRequest request, CancellationToken cancellationToken)
    {
        var file = request.ProjectPath;
        var repository = Naming.NormalizeRepository(string.IsNullOrWhiteSpace(request.ContainerRepository) ? request.AssemblyName : request.ContainerRepository.Trim(), file);
        var tags = Naming.Tags(request.ContainerImageTag, request.ContainerImageTags, file);
        var registry = string.IsNullOrWhiteSpace(request.ContainerRegistry) ? null : request.ContainerRegistry.Trim();
        if (registry is not null) Naming.ValidateRegistry(registry, "ContainerRegistry", GenerationErrors.InvalidRegistry, file);
        // Bad destination settings fail before any store work.
        ImageDestinations.ParseLocalRegistry(request.LocalRegistry, file);
        var archiveFormat = ArchiveFormat(request);

        var platforms = Platforms(request.RuntimeIdentifiers, file);
        var store = await OciLayoutStore.OpenOrCreateAsync(StoreLocation.Resolve(request.StorePath, request.Environment), cancellationToken).ConfigureAwait(false);
        // An archive or a daemon load reads the base layers each platform's build left in their registry.
        using var fetcher = Registry.RegistryBlobFetcher.Attach(store, new Registry.RegistryOptions { Sink = sink, Offline = request.ContainerOffline });
        var entries = new List<Descriptor>();
        var results = new List<PlatformImageResult>();
        foreach (var (rid, platform) in platforms)
        {
            var built = await ReadPlatformAsync(request, rid, cancellationToken).ConfigureAwait(false);
            var digest = Digest.Parse(built.ManifestDigest!);
            var size = await store.GetBlobSizeAsync(digest, cancellationToken).ConfigureAwait(false)
                ?? throw new ContainerizeException(GenerationErrors.PlatformImageMissing, $"the {rid} image {digest} is not in the local store", file,
                    hint: "publish again; delete obj/container to force a rebuild of every platform");
            var mediaType = built.ManifestMediaType ?? MediaTypes.OciManifest;
            entries.Add(new Descriptor { MediaType = mediaType, Digest = digest, Size = size, Platform = platform });
            results.Add(new PlatformImageResult(rid, platform.ToString(), digest.ToString(), mediaType, built.ImageId, built.Size));
        }

        var index = await ImageIndexWriter.WriteAsync(store, entries, cancellationToken).ConfigureAwait(false);
        var names = tags.Select(t => ImageReference.Parse((registry is null ? "" : registry + "/") + repository + ":" + t).WithDefaultTag()).ToList();
        foreach (var name in names) await store.TagAsync(name, index, cancellationToken).ConfigureAwait(false);
        await CopyIndexAsync(store, index, Path.Combine(request.ContainerDirectory, "index.json"), cancellationToken).ConfigureAwait(false);

        // A daemon loads one image: this machine's platform (the one it can run), as a docker-archive.
        var host = RuntimeIdentifierInfo.Parse("linux-" + RuntimeIdentifierInfo.HostArchitecture).Platform;
        var loadIndex = host is null ? 0 : Math.Max(0, entries.FindIndex(e => e.Platform!.Matches(host)));
        var settings = new ImageDestinations.Settings(names, registry, repository, file, request.ContainerArchiveOutputPath, archiveFormat, request.LocalRegistry, request.ContainerOffline);
        var outcome = await new ImageDestinations(store, sink).SendAsync(settings, index, entries[loadIndex], Digest.Parse(results[loadIndex].ImageId), cancellationToken).ConfigureAwait(false);
        if (outcome.LoadedInto is not null)
        {
            sink.Report(new Diagnostic(GenerationErrors.IndexLoadedOnePlatform, Severity.Warning,
                $"{outcome.LoadedInto} load takes one image: loaded {results[loadIndex].Platform} ({results[loadIndex].RuntimeIdentifier}); the index of {entries.Count} platforms stays in the local store", file, null,
                "to share every platform, set ContainerRegistry (pushes the index) or ContainerArchiveOutputPath (an OCI archive holding the index)"));
        }

        var result = new ContainerImageResult
        {
            Reference = names[0].FamiliarString,
            Names = names.Select(n => n.FamiliarString).ToList(),
            ManifestDigest = index.Digest.ToString(),
            ManifestMediaType = index.MediaType,
            ImageId = index.Digest.ToString(),
            Size = results.Sum(r => r.Size),
            DockerfilePath = "",
            ArchivePath = outcome.ArchivePath,
            Pushed = outcome.Pushed,
            BytesUploaded = outcome.BytesUploaded,
            LoadedInto = outcome.LoadedInto,
            Platforms = results,
        };
        await ImageMetadataFile.WriteAsync(Path.Combine(request.ContainerDirectory, ImageMetadataFile.FileName), result, cancellationToken).ConfigureAwait(false);
        sink.Info("Container image: " + result.Summary());
        return result;
    }

    /// <summary>Each RID's platform, in the order given; two RIDs for one platform would make the index ambiguous.</summary>
    public static IReadOnlyList<(string Rid, Platform Platform)> Platforms(IReadOnlyList<string> rids, string file)
    {
        var list = new List<(string Rid, Platform Platform)>();
        foreach (var rid in rids)
        {
            var info = RuntimeIdentifierInfo.Parse(rid);
            if (!info.IsLinux || info.Platform is not { } platform) throw RuntimeIdentifierInfo.Unsupported(rid, file);
            if (list.FirstOrDefault(p => p.Platform.Matches(platform)) is { Rid: { } other })
            {
                throw new ContainerizeException(GenerationErrors.DuplicatePlatform, $"the container RIDs {other} and {rid} are both {platform}: an image index holds one image per platform", file,
                    hint: "list each architecture once in ContainerRuntimeIdentifiers (glibc and musl need separate publishes: their base images differ)");
            }

            list.Add((rid, platform));
        }

        return list;
    }

    private ImageTransport ArchiveFormat(MultiPlatformPublishRequest request)
    {
        if (string.IsNullOrEmpty(request.ContainerArchiveOutputPath)) return ImageTransport.OciArchive;
        var asked = ArchiveOutput.Format(request.ContainerImageFormat, request.ProjectPath);
        if (asked == ImageTransport.DockerArchive && !string.IsNullOrWhiteSpace(request.ContainerImageFormat))
        {
            sink.Report(new Diagnostic(GenerationErrors.IndexArchiveIsOci, Severity.Warning,
                "ContainerImageFormat=Docker with several container RIDs: a docker-archive holds one image, so the archive is an OCI archive holding the index", request.ProjectPath, null,
                "remove ContainerImageFormat or set it to OCI; docker load (Docker 25+ with the containerd store) and skopeo read OCI archives"));
        }

        return ImageTransport.OciArchive;
    }

    private static async Task<ContainerImageResult> ReadPlatformAsync(MultiPlatformPublishRequest request, string rid, CancellationToken cancellationToken)
    {
        var path = Path.Combine(MultiPlatformPublishRequest.PlatformDirectory(request.ContainerDirectory, rid), ImageMetadataFile.FileName);
        if (!File.Exists(path))
        {
            throw new ContainerizeException(GenerationErrors.PlatformImageMissing, $"the {rid} publish wrote no image ({path} is missing)", request.ProjectPath,
                hint: "the inner publish for this RID failed or did not run; see its errors above, or delete obj/container and publish again");
        }

        var r = await ImageMetadataFile.ReadAsync(path, cancellationToken).ConfigureAwait(false);
        if (r.ManifestDigest is null || r.Platforms.Count > 0)
        {
            throw new ContainerizeException(GenerationErrors.PlatformImageMissing, $"the {rid} publish did not leave one image manifest in the local store ({path})", request.ProjectPath,
                hint: "several RIDs are built with the builtin engine in Host mode; delete obj/container and publish again");
        }

        return r;
    }

    // GeneratedImageIndex carries the index JSON, kept beside image.json for skipped publishes.
    private static async Task CopyIndexAsync(OciLayoutStore store, Descriptor index, string path, CancellationToken cancellationToken)
    {
        var bytes = await store.ReadBlobBytesAsync(index, cancellationToken).ConfigureAwait(false);
        await OutputFiles.WriteTextIfChangedAsync(path, System.Text.Encoding.UTF8.GetString(bytes), cancellationToken).ConfigureAwait(false);
    }
}
