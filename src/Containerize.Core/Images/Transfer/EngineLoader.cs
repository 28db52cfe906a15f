using System.Diagnostics;
using Containerize.Core.Diagnostics;
using Containerize.Core.Images.Oci;
using Containerize.Core.Images.Store;

namespace Containerize.Core.Images.Transfer;

/// <summary>
/// Loads an image into a running Docker or Podman by streaming a docker-archive to <c>docker load</c> /
/// <c>podman load</c> on its standard input: no temporary archive, no daemon API client.
/// </summary>
public static class EngineLoader
{
    public static async Task<string> LoadAsync(string client, ImageExporter exporter, Descriptor image, ImageReference name, CancellationToken cancellationToken = default)
    {
        var psi = new ProcessStartInfo(client)
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
