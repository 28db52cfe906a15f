using Containerize.Core.Diagnostics;
using Containerize.Core.Generation;
using Containerize.Core.Handoff;
using Containerize.Core.Images.Oci;
using Containerize.Core.Images.Store;
using Containerize.Core.Images.Transfer;
using Containerize.Core.Registry;

namespace Containerize.Core.Publishing;

/// <summary>
/// Where a built image goes besides the local store, as in the .NET SDK: the registry when ContainerRegistry is set,
/// an archive when ContainerArchiveOutputPath is set, and docker/podman load when LocalRegistry is set or when neither
/// of the others is given and a daemon answers (skipped when the daemon already holds the same image ID).
/// </summary>
/// <param name="registry">A client already talking to the registry (warmed up during the build); null makes one.</param>
public sealed class ImageDestinations(OciLayoutStore store, IDiagnosticSink sink, RegistryClient? registry = null)
{
    public sealed record Outcome(IReadOnlyList<string> Pushed, long BytesUploaded, string? ArchivePath, string? LoadedInto);

    private readonly string _scratch = Path.Combine(store.IngestPath, "export-" + Guid.NewGuid().ToString("N")[..12]);

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

    public Task<Outcome> SendAsync(ContainerPlan plan, Descriptor manifest, Digest imageId, CancellationToken cancellationToken) =>
        SendAsync(Settings.From(plan), manifest, manifest, imageId, cancellationToken);

    /// <param name="root">What is pushed and archived: a manifest, or an image index.</param>
    /// <param name="loadable">What a daemon loads: the manifest itself, or the index's manifest for this machine's platform.</param>
    /// <param name="imageId">The config digest of <paramref name="loadable"/>: a daemon that has it already is not loaded again.</param>
    public async Task<Outcome> SendAsync(Settings settings, Descriptor root, Descriptor loadable, Digest imageId, CancellationToken cancellationToken)
    {
        try
        {
            return await SendCoreAsync(settings, root, loadable, imageId, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            if (Directory.Exists(_scratch)) Directory.Delete(_scratch, recursive: true);
        }
    }

    private async Task<Outcome> SendCoreAsync(Settings settings, Descriptor root, Descriptor loadable, Digest imageId, CancellationToken cancellationToken)
    {
        var names = settings.Names.ToList();
        var pushed = new List<string>();
        long uploaded = 0;
        if (!string.IsNullOrEmpty(settings.Registry))
        {
            using var owned = registry is null ? new RegistryClient(new RegistryOptions { Sink = sink, Offline = settings.Offline }) : null;
            var client = registry ?? owned!;
            var remote = names[0];
            var result = await new ImagePusher(client, store).PushAsync(remote, remote, names.Skip(1).Select(n => n.Tag!).ToList(), cancellationToken).ConfigureAwait(false);
            uploaded = result.BytesUploaded;
            pushed.AddRange(names.Select(n => n.ToString()));
            sink.Info(result.BlobsUploaded == 0
                ? $"{remote}: the registry already has every blob; nothing uploaded"
                : $"{remote}: pushed {result.BlobsUploaded} blob(s), {ContainerImageResult.FormatSize(result.BytesUploaded)}; {result.BlobsSkipped} already there");
        }

        string? archive = null;
        if (!string.IsNullOrEmpty(settings.ArchiveOutputPath))
        {
            archive = ArchiveOutput.ResolvePath(settings.ArchiveOutputPath, settings.Repository, settings.ProjectDirectory);
            await Exporter().ExportAsync(root, names[0], new ImageLocation(settings.ArchiveFormat, archive), cancellationToken).ConfigureAwait(false);
            sink.Info($"archive ({ImageLocation.Prefix(settings.ArchiveFormat)}): {archive}");
        }

        string? loadedInto = null;
        var daemon = ParseLocalRegistry(settings.LocalRegistry, settings.ProjectPath);
        if (daemon is not null || (string.IsNullOrEmpty(settings.Registry) && archive is null))
        {
            loadedInto = await LoadAsync(daemon, loadable, imageId, names, cancellationToken).ConfigureAwait(false);
        }

        return new Outcome(pushed, uploaded, archive, loadedInto);
    }

    private async Task<string?> LoadAsync(EngineKind? explicitKind, Descriptor manifest, Digest imageId, List<ImageReference> names, CancellationToken cancellationToken)
    {
        var kind = explicitKind ?? EngineKind.Docker;
        EngineClient client;
        try
        {
            client = await EngineLocator.FindAsync(kind, new EngineLocatorOptions { DaemonOnly = true, Preference = BuilderPreference.Classic }, NullSink.Instance, cancellationToken).ConfigureAwait(false);
        }
        catch (ContainerizeException e) when (explicitKind is null && e.Code is HandoffErrors.ClientNotFound or HandoffErrors.DaemonUnreachable)
        {
            // As the SDK: with no registry and no archive, a daemon is a destination only when one answers.
            sink.Detail($"no Docker daemon answered ({e.Diagnostic.Message}); the image stays in the local store");
            return null;
        }

        var first = names[0];
        await DaemonLoader.LoadAsync(client, (s, ct) => Exporter().WriteDockerArchiveAsync(manifest, first, s, ct), imageId.ToString(),
            names.Select(n => n.FamiliarString).ToList(), null, sink, cancellationToken).ConfigureAwait(false);
        return kind.ToString().ToLowerInvariant();
    }

    private ImageExporter Exporter() => new(store, _scratch);

    public static EngineKind? ParseLocalRegistry(string? value, string? projectPath) => value?.Trim().ToLowerInvariant() switch
    {
        null or "" => null,
        "docker" => EngineKind.Docker,
        "podman" => EngineKind.Podman,
        _ => throw new ContainerizeException(GenerationErrors.InvalidPropertyValue, $"LocalRegistry has the invalid value '{value}'", projectPath,
            hint: "use Docker or Podman, or leave it empty"),
    };
}
