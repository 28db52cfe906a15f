using System.Reflection;
using Containerize.Core.Building.Plan;
using Containerize.Core.Diagnostics;
using Containerize.Core.Generation;
using Containerize.Core.Images.Oci;
using Containerize.Core.Images.Store;
using Containerize.Core.Registry;
using Containerize.Core.Supply;
using Containerize.Core.Supply.Provenance;
using Containerize.Core.Supply.Referrers;
using Containerize.Core.Supply.Sbom;

namespace Containerize.Core.Publishing;

/// <summary>What the publish knows of the image it built, for its SBOM and provenance.</summary>
/// <param name="Layers">Host mode's layer plan (one COPY per layer, in order, on top of the base): places each package exactly.</param>
/// <param name="Files">The published files (their NuGet metadata says which package each comes from).</param>
/// <param name="BaseLayerCount">How many of the image's layers are the base's.</param>
/// <param name="BaseScan">The base's packages, read while the image built (<see cref="PublishAttestations.StartBaseScan"/>).</param>
public sealed record BuiltImage(ImageState Image, LayerPlan? Layers, IReadOnlyList<PublishedFile> Files, int BaseLayerCount, string DockerfilePath, BaseImageFacts? Base,
    Task<ImagePackages>? BaseScan = null);

/// <summary>
/// The SBOM and provenance of a published image: made from the project's restore graph, the layer plan and the
/// image's own layers, stored as artifact manifests whose subject is the image, and listed under the store's referrers
/// tag, so every destination carries them. Bad inputs (the restore graph missing or another project's, an unknown
/// format) fail before anything is pushed.
/// </summary>
public static class PublishAttestations
{

    /// <summary>Checked before the build: a bad format name is a coded error before any work.</summary>
    public static SbomFormats Formats(ContainerPlan plan) =>
        plan.Project.Container.ContainerSbom ? SbomFormat.Parse(plan.Project.Container.ContainerSbomFormat, plan.Project.ProjectPath) : SbomFormats.None;

    public static async Task<IReadOnlyList<Descriptor>> CreateAsync(ContainerPlan plan, BuiltImage built, OciLayoutStore store, IDiagnosticSink sink, CancellationToken cancellationToken)
    {
        var c = plan.Project.Container;
        var formats = Formats(plan);
        if (formats == SbomFormats.None && !c.ContainerProvenance) return [];
        var manifest = built.Image.Manifest!;
        var name = ImageReference.Parse(plan.ImageNames[0]).WithDefaultTag();
        var created = plan.SourceDateEpoch is { } epoch ? DateTimeOffset.FromUnixTimeSeconds(epoch) : (DateTimeOffset?)null;
        var sbom = formats == SbomFormats.None ? null
            : SbomBuilder.Build(await SbomInputsAsync(plan, built, store, name, created, sink, cancellationToken).ConfigureAwait(false));
        var provenance = c.ContainerProvenance ? await ProvenanceInputsAsync(plan, built, name, created, cancellationToken).ConfigureAwait(false) : null;
        var artifacts = ImageAttestations.Documents(sbom, formats, provenance);
        return await ImageAttestations.AttachAsync(store, manifest, name, artifacts, created, cancellationToken).ConfigureAwait(false);
    }

    private static async Task<SbomInputs> SbomInputsAsync(ContainerPlan plan, BuiltImage built, OciLayoutStore store, ImageReference name, DateTimeOffset? created, IDiagnosticSink sink, CancellationToken cancellationToken)
    {
        var project = plan.Project;
        var assetsPath = project.ProjectAssetsFile ?? Path.Combine(project.ProjectDirectory, "obj", "project.assets.json");
        var graph = await ProjectAssets.ReadAsync(assetsPath, project.ProjectPath, project.TargetFramework, project.RuntimeIdentifier, cancellationToken).ConfigureAwait(false);
        var image = built.Image;
        var added = image.Layers.Skip(built.BaseLayerCount).ToList();

        // Host mode: the n-th layer of the plan is the n-th layer on top of the base. Otherwise only a single added
        // layer (Container mode's COPY --from=build) places the packages for sure.
        var digestOfLayer = new Dictionary<string, string>(StringComparer.Ordinal);
        if (built.Layers is { } layers && layers.Layers.Count == added.Count)
        {
            for (var i = 0; i < added.Count; i++) digestOfLayer[layers.Layers[i].Name] = added[i].Digest.ToString();
        }

        var onlyAdded = added.Count == 1 ? added[0].Digest.ToString() : null;
        var packageLayer = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var f in built.Files)
        {
            if (string.IsNullOrEmpty(f.NuGetPackageId)) continue;
            var layer = digestOfLayer.GetValueOrDefault(LayerPlanner.LayerOf(f, project)) ?? onlyAdded;
            if (layer is not null) packageLayer.TryAdd($"{f.NuGetPackageId}/{f.NuGetPackageVersion}", layer);
        }

        var projectLayer = digestOfLayer.GetValueOrDefault(LayerPlan.ProjectReferences) ?? onlyAdded;
        var appLayer = digestOfLayer.GetValueOrDefault(LayerPlan.App) ?? onlyAdded;

        // The OS packages and runtimes come from the base's layers (Host mode adds none); other modes' RUN steps may
        // install more, so every layer is read there.
        var scanned = plan.BuildMode == ContainerBuildMode.Host && string.IsNullOrWhiteSpace(project.Container.ContainerDockerfile)
            ? image.Layers.Take(built.BaseLayerCount).ToList()
            : image.Layers.ToList();
        // The scan started before the build read the same layers, when the image's base layers are the base's.
        var packages = await ImagePackages.ReadOrWarnAsync(async () =>
            (built.BaseScan is { } scan && scanned.Count == built.BaseLayerCount ? await scan.ConfigureAwait(false) : null)
            ?? await ImagePackages.ReadAsync(store, scanned, ImagePackages.CacheFolder(store), plan.BaseImage, cancellationToken).ConfigureAwait(false),
            sink, project.ProjectPath, cancellationToken).ConfigureAwait(false);

        var m = project.Metadata;
        return new SbomInputs
        {
            ImageName = name.Name,
            ManifestDigest = image.Manifest!.Digest.ToString(),
            Platform = plan.Platform.ToString(),
            Created = created ?? image.Config.Created ?? DateTimeOffset.UnixEpoch,
            ToolVersion = ImageAttestations.ShortToolVersion,
            Application = new ApplicationInfo(project.AssemblyName, m.PackageVersion ?? "1.0.0", SecretNames.PublicUrl(m.RepositoryUrl), m.SourceRevisionId, appLayer),
            Assets = graph,
            LayerOf = lib => lib.IsProject ? projectLayer : packageLayer.GetValueOrDefault($"{lib.Name}/{lib.Version}"),
            Image = packages,
            Environment = image.Config.Config?.Env ?? [],
        };
    }

    private static async Task<ProvenanceInputs> ProvenanceInputsAsync(ContainerPlan plan, BuiltImage built, ImageReference name, DateTimeOffset? created, CancellationToken cancellationToken)
    {
        var project = plan.Project;
        var m = project.Metadata;
        var dockerfile = Digest.Sha256(await File.ReadAllBytesAsync(built.DockerfilePath, cancellationToken).ConfigureAwait(false)).ToString();
        var relative = Path.GetRelativePath(Path.GetFullPath(project.ContextRoot), project.ProjectPath).Replace('\\', '/');
        return new ProvenanceInputs
        {
            ImageName = name.Name,
            ManifestDigest = built.Image.Manifest!.Digest.ToString(),
            ToolVersion = ImageAttestations.ToolVersion,
            SdkVersion = project.SdkVersion,
            // A project outside the context root would name a local path: only its file name then.
            Project = relative.StartsWith("..", StringComparison.Ordinal) || Path.IsPathRooted(relative) ? Path.GetFileName(project.ProjectPath) : relative,
            RuntimeIdentifier = plan.RuntimeIdentifier,
            DockerfileDigest = dockerfile,
            Target = string.IsNullOrWhiteSpace(project.Container.ContainerTarget) ? null : project.Container.ContainerTarget.Trim(),
            Bases = built.Base is { } b ? [new ResolvedBase(b.Reference.WithoutDigest().ToString(), b.Digest.ToString())] : [],
            BuildArgs = plan.BuildArgs.GroupBy(a => a.Name, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Last().Value, StringComparer.Ordinal),
            RepositoryUrl = m.RepositoryUrl,
            Revision = m.SourceRevisionId,
            BuildDate = created,
        };
    }

    /// <summary>
    /// Reads the base's package databases while the image builds (on the other core): a base new to this machine has
    /// its layers fetched and read once, which would otherwise follow the build. Null when the SBOM is off or the base
    /// is not known before the build. Failures surface when the SBOM is made (a warning there), never here.
    /// </summary>
    public static Task<ImagePackages>? StartBaseScan(ContainerPlan plan, BaseImageFacts? baseFacts, string storePath, bool offline, CancellationToken cancellationToken)
    {
        if (baseFacts is null || Formats(plan) == SbomFormats.None) return null;
        return Task.Run(async () =>
        {
            var store = await OciLayoutStore.OpenOrCreateAsync(storePath, cancellationToken).ConfigureAwait(false);
            using var fetcher = Registry.RegistryBlobFetcher.Attach(store, new Registry.RegistryOptions { Offline = offline });
            var bytes = await store.ReadBlobBytesAsync(new Descriptor { MediaType = "", Digest = baseFacts.Digest, Size = 0 }, cancellationToken).ConfigureAwait(false);
            var root = new Descriptor { MediaType = OciJson.PeekMediaType(bytes) ?? MediaTypes.OciManifest, Digest = baseFacts.Digest, Size = bytes.Length };
            var manifest = await ImageGraph.SelectManifestAsync(store, root, plan.Platform, cancellationToken).ConfigureAwait(false);
            var layers = (await store.ReadManifestAsync(manifest, cancellationToken).ConfigureAwait(false)).Layers;
            return await ImagePackages.ReadAsync(store, layers, ImagePackages.CacheFolder(store), baseFacts.Reference.ToString(), cancellationToken).ConfigureAwait(false);
        }, cancellationToken);
    }
}
