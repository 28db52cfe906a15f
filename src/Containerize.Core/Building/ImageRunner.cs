using System.Runtime.Versioning;
using Containerize.Core.Building.Plan;
using Containerize.Core.Diagnostics;
using Containerize.Core.Images.Oci;
using Containerize.Core.Images.Store;
using Containerize.Core.Images.Transfer;
using Containerize.Core.Runtime;

namespace Containerize.Core.Building;

/// <summary>
/// `containerize run`: a container from a stored image, through the same runtime RUN uses: ENTRYPOINT + (the given
/// command or CMD), the image's Env plus -e values, its WorkingDir and User. The container's changes are discarded.
/// </summary>
[SupportedOSPlatform("linux")]
public static class ImageRunner
{
    public static async Task RunAsync(OciLayoutStore store, string image, IReadOnlyList<string> command, IReadOnlyList<string> env, string runtimeRoot,
        Action<string> onOutput, IDiagnosticSink sink, CancellationToken cancellationToken)
    {
        var state = await new BaseImageResolver(store, Directory.GetCurrentDirectory(), sink, new Dictionary<int, ImageState>())
            .ResolveAsync(image, null, cancellationToken).ConfigureAwait(false);
        var config = state.ContainerConfig;
        IReadOnlyList<string> args = [.. config.Entrypoint ?? [], .. command.Count > 0 ? command : config.Cmd ?? []];
        if (args.Count == 0)
        {
            throw new ContainerizeException(EngineErrors.NothingToRun, $"image '{image}' has no ENTRYPOINT or CMD and no command was given",
                hint: "give the command after the image: containerize run IMAGE -- sh -c '...'");
        }

        var environment = (config.Env ?? []).ToList();
        foreach (var e in env)
        {
            var name = e.Split('=', 2)[0];
            environment.RemoveAll(x => x.Split('=', 2)[0] == name);
            environment.Add(e.Contains('=', StringComparison.Ordinal) ? e : name + "=" + Environment.GetEnvironmentVariable(name));
        }

        var layers = state.Layers.Zip(state.Config.RootFs.DiffIds, (blob, diffId) => (RootfsLayer)new TarLayer(diffId, async ct =>
            LayerDecompression.Decompress(await store.OpenBlobAsync(blob.Digest, ct).ConfigureAwait(false), blob.MediaType))).ToList();
        var runtime = new ContainerRuntime(new RuntimeOptions { Root = runtimeRoot }, sink);
        await using var result = await runtime.RunAsync(new RunRequest
        {
            Layers = layers,
            Args = args,
            Env = environment,
            WorkingDirectory = config.WorkingDir is { Length: > 0 } w ? w : "/",
            User = config.User ?? "",
            Hostname = state.ShortId,
            Description = string.Join(' ', args),
        }, onOutput, cancellationToken).ConfigureAwait(false);
    }
}
