using Containerize.Core.Diagnostics;
using Containerize.Core.Engines;
using Containerize.Core.Images.Oci;
using Containerize.Core.Images.Store;
using Containerize.Core.Images.Transfer;
using Containerize.Core.Registry;

namespace Containerize.Core.Generation;

/// <summary>
/// Where a built image goes besides the local store, as in the .NET SDK: the registry when ContainerRegistry is set,
/// an archive when ContainerArchiveOutputPath is set, and docker/podman load when LocalRegistry is set or when neither
/// of the others is given and a daemon answers (skipped when the daemon already holds the same image ID).
/// </summary>
public sealed class ImageDestinations(OciLayoutStore store, IDiagnosticSink sink)
{
    public sealed record Outcome(IReadOnlyList<string> Pushed, long BytesUploaded, string? ArchivePath, string? LoadedInto);

    private readonly string _scratch = Path.Combine(store.IngestPath, "export-" + Guid.NewGuid().ToString("N")[..12]);

    public async Task<Outcome> SendAsync(ContainerPlan plan, Descriptor manifest, Digest imageId, CancellationToken cancellationToken)
    {
        try
        {
            return await SendCoreAsync(plan, manifest, imageId, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            if (Directory.Exists(_scratch)) Directory.Delete(_scratch, recursive: true);
        }
    }

    private async Task<Outcome> SendCoreAsync(ContainerPlan plan, Descriptor manifest, Digest imageId, CancellationToken cancellationToken)
    {
        var c = plan.Project.Container;
        var names = plan.ImageNames.Select(n => ImageReference.Parse(n).WithDefaultTag()).ToList();
        var pushed = new List<string>();
        long uploaded = 0;
        if (!string.IsNullOrEmpty(plan.Registry))
        {
            using var client = new RegistryClient(new RegistryOptions { Sink = sink, Offline = c.ContainerOffline });
            var remote = names[0];
            var result = await new ImagePusher(client, store).PushAsync(remote, remote, names.Skip(1).Select(n => n.Tag!).ToList(), cancellationToken).ConfigureAwait(false);
            uploaded = result.BytesUploaded;
            pushed.AddRange(names.Select(n => n.ToString()));
            sink.Info(result.BlobsUploaded == 0
                ? $"{remote}: the registry already has every blob; nothing uploaded"
                : $"{remote}: pushed {result.BlobsUploaded} blob(s), {ContainerImageResult.FormatSize(result.BytesUploaded)}; {result.BlobsSkipped} already there");
        }

        string? archive = null;
        if (!string.IsNullOrEmpty(c.ContainerArchiveOutputPath))
        {
            var format = ArchiveOutput.Format(c.ContainerImageFormat, plan.Project.ProjectPath);
            archive = ArchiveOutput.ResolvePath(c.ContainerArchiveOutputPath, plan.Repository, plan.Project.ProjectDirectory);
            await Exporter().ExportAsync(manifest, names[0], new ImageLocation(format, archive), cancellationToken).ConfigureAwait(false);
            sink.Info($"archive ({ImageLocation.Prefix(format)}): {archive}");
        }

        string? loadedInto = null;
        var daemon = ParseLocalRegistry(c.LocalRegistry, plan.Project.ProjectPath);
        if (daemon is not null || (string.IsNullOrEmpty(plan.Registry) && archive is null))
        {
            loadedInto = await LoadAsync(daemon, manifest, imageId, names, cancellationToken).ConfigureAwait(false);
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
        catch (ContainerizeException e) when (explicitKind is null && e.Code is EngineErrors.ClientNotFound or EngineErrors.DaemonUnreachable)
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
