using Containerize.Core.Destinations;
using Containerize.Core.Diagnostics;
using Containerize.Core.Generation;
using Containerize.Core.Handoff;
using Containerize.Core.Images.Oci;
using Containerize.Core.Images.Store;
using Containerize.Core.Images.Transfer;
using Containerize.Core.Registry;

namespace Containerize.Core.Publishing;

/// <summary>
/// Where a published image goes besides the local store: the SDK's properties (checked here, with the publish's codes)
/// mapped onto destinations (<see cref="DestinationParser.FromSdkProperties"/>: registry, archive, docker/podman load),
/// each sent in turn and reported in the publish's words.
/// </summary>
/// <param name="registry">A client already talking to the registry (warmed up during the build); null makes one.</param>
public sealed class ImageDestinations(OciLayoutStore store, IDiagnosticSink sink, RegistryClient? registry = null)
{
    public sealed record Outcome(IReadOnlyList<string> Pushed, long BytesUploaded, string? ArchivePath, string? LoadedInto);

    /// <summary>Where one image goes: its names (the first is pushed and archived), and the SDK's destination properties.</summary>
    public sealed record Settings(
        IReadOnlyList<ImageReference> Names, string? Registry, string Repository, string ProjectPath, string? ArchiveOutputPath,
        ImageTransport ArchiveFormat, string? LocalRegistry, bool Offline)
    {
        public string ProjectDirectory => Path.GetDirectoryName(Path.GetFullPath(ProjectPath))!;

        public static Settings From(ContainerPlan plan)
        {
            var c = plan.Project.Container;
            return new Settings(plan.ImageNames.Select(n => ImageReference.Parse(n).WithDefaultTag()).ToList(), plan.Registry, plan.Repository,
                plan.Project.ProjectPath, c.ContainerArchiveOutputPath,
                string.IsNullOrEmpty(c.ContainerArchiveOutputPath) ? ImageTransport.DockerArchive : ArchiveOutput.Format(c.ContainerImageFormat, plan.Project.ProjectPath),
                c.LocalRegistry, c.ContainerOffline);
        }
    }

    public Task<Outcome> SendAsync(ContainerPlan plan, Descriptor manifest, Digest imageId, IReadOnlyList<Descriptor> referrers, CancellationToken cancellationToken) =>
        SendAsync(Settings.From(plan), manifest, manifest, imageId, cancellationToken, referrers, plan.Project.Container.ContainerAttestationsRequired);

    /// <param name="root">What is pushed and archived: a manifest, or an image index.</param>
    /// <param name="loadable">What a daemon loads: the manifest itself, or the index's manifest for this machine's platform.</param>
    /// <param name="imageId">The config digest of <paramref name="loadable"/>: a daemon that has it already is not loaded again.</param>
    /// <param name="referrers">Artifact manifests whose subject is <paramref name="root"/> (SBOM, provenance), sent where they fit.</param>
    public async Task<Outcome> SendAsync(Settings settings, Descriptor root, Descriptor loadable, Digest imageId, CancellationToken cancellationToken,
        IReadOnlyList<Descriptor>? referrers = null, bool requireReferrers = false)
    {
        var archivePath = string.IsNullOrEmpty(settings.ArchiveOutputPath) ? null : ArchiveOutput.ResolvePath(settings.ArchiveOutputPath, settings.Repository, settings.ProjectDirectory);
        var destinations = DestinationParser.FromSdkProperties(!string.IsNullOrEmpty(settings.Registry), archivePath, settings.ArchiveFormat,
            ParseLocalRegistry(settings.LocalRegistry, settings.ProjectPath), settings.Offline, registry);
        var image = new OutgoingImage(root, settings.Names) { Loadable = loadable, ImageId = imageId, Referrers = referrers ?? [], RequireReferrers = requireReferrers };
        var pushed = new List<string>();
        long uploaded = 0;
        string? archive = null;
        string? loadedInto = null;
        foreach (var destination in destinations)
        {
            var result = await destination.SendAsync(store, image, sink, cancellationToken).ConfigureAwait(false);
            foreach (var push in result.Pushes)
            {
                var (remote, r) = (push.Names[0], push.Result);
                uploaded += r.BytesUploaded;
                pushed.AddRange(push.Names.Select(n => n.ToString()));
                sink.Info(r.BlobsUploaded == 0
                    ? $"{remote}: the registry already has every blob; nothing uploaded"
                    : $"{remote}: pushed {r.BlobsUploaded} blob(s), {ContainerImageResult.FormatSize(r.BytesUploaded)}; {r.BlobsSkipped} already there");
                if (push.Referrers is { } a)
                {
                    uploaded += a.BytesUploaded;
                    sink.Info(a.ManifestsPushed == 0
                        ? $"{remote}: SBOM and provenance already attached"
                        : $"{remote}: attached {a.ManifestsPushed} artifact(s) ({ContainerImageResult.FormatSize(a.BytesUploaded)}){(a.UsedTagSchema ? $", listed under the referrers tag {Supply.Referrers.ReferrersIndex.TagOf(root.Digest)}" : "")}");
                }
            }

            if (result.Written is { } written)
            {
                archive = written.Path;
                sink.Info($"archive ({ImageLocation.Prefix(written.Transport)}): {archive}");
            }

            loadedInto ??= result.LoadedInto;
        }

        return new Outcome(pushed, uploaded, archive, loadedInto);
    }

    public static EngineKind? ParseLocalRegistry(string? value, string? projectPath) => value?.Trim().ToLowerInvariant() switch
    {
        null or "" => null,
        "docker" => EngineKind.Docker,
        "podman" => EngineKind.Podman,
        _ => throw new ContainerizeException(GenerationErrors.InvalidPropertyValue, $"LocalRegistry has the invalid value '{value}'", projectPath,
            hint: "use Docker or Podman, or leave it empty"),
    };
}
