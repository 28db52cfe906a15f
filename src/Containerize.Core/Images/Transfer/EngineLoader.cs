using System.Diagnostics;
using Containerize.Core.Diagnostics;
using Containerize.Core.Images.Oci;
using Containerize.Core.Images.Store;
using Containerize.Core.Os;

namespace Containerize.Core.Images.Transfer;

/// <summary>
/// Loads an image into a running Docker or Podman by streaming a docker-archive to <c>docker load</c> /
/// <c>podman load</c> on its standard input: no temporary archive, no daemon API client.
/// </summary>
public static class EngineLoader
{
    /// <summary>
    /// The platform to load: the one asked for; else, for a multi-platform image, the daemon's own (an engine's
    /// image store holds one platform per name), with a note naming it and the others; else linux/amd64.
    /// </summary>
    public static async Task<(Platform Platform, string? Note)> ChoosePlatformAsync(
        IContentStore store, Descriptor image, string client, string engine, Platform? requested, CancellationToken cancellationToken = default)
    {
        if (requested is not null) return (requested, null);
        if (!MediaTypes.IsIndex(image.MediaType)) return (Platform.LinuxAmd64, null);
        var platforms = (await ImageGraph.ChildrenAsync(store, image, cancellationToken).ConfigureAwait(false))
            .Where(d => d.Platform is not null).Select(d => d.Platform!.ToString()).ToList();
        var daemon = await DaemonPlatformAsync(client, engine, cancellationToken).ConfigureAwait(false) ?? Platform.LinuxAmd64;
        return (daemon, $"multi-platform image ({string.Join(", ", platforms)}): loading {daemon}, the {engine} daemon's platform; --platform picks another");
    }

    /// <summary>
    /// The program to run for <paramref name="client"/>: a name is looked up as the OS does (PATHEXT on Windows), then in
    /// Docker Desktop's and Podman's install folders; left as given when not found, so the start reports it.
    /// </summary>
    public static string ResolveClient(string client) =>
        ExecutableLookup.Find(client, new ExecutableSearch { Fallbacks = ExecutableLookup.ContainerToolFolders() }) ?? client;

    /// <summary>The daemon's os/arch ('docker version' / 'podman info'), or null when it does not say.</summary>
    private static async Task<Platform?> DaemonPlatformAsync(string client, string engine, CancellationToken cancellationToken)
    {
        var psi = new ProcessStartInfo(ResolveClient(client)) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in engine == "podman" ? ["info", "--format", "{{.Host.OS}}/{{.Host.Arch}}"] : new[] { "version", "--format", "{{.Server.Os}}/{{.Server.Arch}}" }) psi.ArgumentList.Add(a);
        try
        {
            using var process = Process.Start(psi);
            if (process is null) return null;
            var output = await process.StandardOutput.ReadToEndAsync(cancellationToken).ConfigureAwait(false);
            await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
            var text = output.Trim();
            return process.ExitCode == 0 && text.Split('/') is [{ Length: > 0 }, { Length: > 0 }] ? Platform.Parse(text) : null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null; // the load itself reports the missing client with its coded error
        }
    }

    public static async Task<string> LoadAsync(string client, ImageExporter exporter, Descriptor image, ImageReference? name, CancellationToken cancellationToken = default)
    {
        // The daemon reads every layer: a base left in its registry is fetched before the client starts.
        await exporter.EnsureLayersAsync(image, name, cancellationToken).ConfigureAwait(false);
        var psi = new ProcessStartInfo(ResolveClient(client))
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add("load");
        Process process;
        try
        {
            process = Process.Start(psi) ?? throw new InvalidOperationException();
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            throw new ContainerizeException(StoreErrors.EngineNotFound, $"cannot run '{client}': {e.Message}",
                hint: "install docker or podman, or give the client's path with --client", inner: e);
        }

        using (process)
        {
            var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
            var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
            Exception? writeError = null;
            try
            {
                await using var stdin = process.StandardInput.BaseStream;
                await exporter.WriteDockerArchiveAsync(image, name, stdin, cancellationToken).ConfigureAwait(false);
            }
            catch (IOException e)
            {
                // The client closed its input early (it failed); its own message says why.
                writeError = e;
            }

            await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
            var output = await stdout.ConfigureAwait(false);
            var errors = await stderr.ConfigureAwait(false);
            if (process.ExitCode != 0 || writeError is not null)
            {
                var detail = errors.Trim() is { Length: > 0 } e ? e : writeError?.Message ?? $"exit code {process.ExitCode}";
                throw new ContainerizeException(StoreErrors.EngineLoadFailed, $"'{client} load' failed: {detail}",
                    hint: "check that the engine is running ('docker version' / 'podman info') and that you may use it");
            }

            return output.Trim();
        }
    }
}
