using System.Runtime.Versioning;
using Containerize.Core.Building.Plan;
using Containerize.Core.Diagnostics;
using Containerize.Core.Images.Store;
using Containerize.Core.Images.Transfer;
using Containerize.Core.Runtime;
using Containerize.Core.Runtime.Containers;
using Containerize.Core.Runtime.Network;

namespace Containerize.Core.Building;

/// <summary>What `containerize run` was asked for, with docker run's meaning.</summary>
public sealed record ContainerRunOptions
{
    public required string Image { get; init; }

    /// <summary>Replaces CMD (after the ENTRYPOINT) when not empty.</summary>
    public IReadOnlyList<string> Command { get; init; } = [];

    /// <summary>-e K=V (or K, taken from this environment).</summary>
    public IReadOnlyList<string> Env { get; init; } = [];

    /// <summary>--entrypoint: null keeps the image's; "" clears it. Either way given, the image's CMD is not used.</summary>
    public string? Entrypoint { get; init; }

    public string? WorkingDirectory { get; init; }

    public string? User { get; init; }

    /// <summary>--network: null is the default, the host's network unless ports are published (then the container's own).</summary>
    public NetworkMode? Network { get; init; }

    /// <summary>-p values: [ip:][hostPort:]containerPort[/proto].</summary>
    public IReadOnlyList<string> Publish { get; init; } = [];

    /// <summary>-P: every EXPOSEd port of the image on a free host port.</summary>
    public bool PublishAll { get; init; }

    public string? Name { get; init; }

    /// <summary>-d: start it and return its id; the exit code is kept for ps.</summary>
    public bool Detach { get; init; }

    /// <summary>--rm: a detached container's folder goes when it exits (a foreground one always goes).</summary>
    public bool Remove { get; init; }
}

/// <summary>The container's id, and its exit code when it ran in the foreground.</summary>
public sealed record ContainerRunResult(string Id, int? ExitCode);

/// <summary>
/// `containerize run`: a container from a stored image through the same runtime RUN uses: ENTRYPOINT + (the command
/// or CMD), the image's Env plus -e values, its WorkingDir and User (or -w, -u), in the host's network (or none).
/// In the foreground the exit code is the container's; detached it runs under a shim and `ps`/`logs`/`stop`/`rm` see it.
/// </summary>
[SupportedOSPlatform("linux")]
public static class ImageRunner
{
    public static async Task<ContainerRunResult> RunAsync(OciLayoutStore store, ContainerRunOptions options, string runtimeRoot,
        Action<string> onOutput, IDiagnosticSink sink, CancellationToken cancellationToken)
    {
        // A run reads every layer: a store opened without registry settings (an API caller, a test) still fetches
        // the base layers a build left in their registry, with the default settings.
        var owned = store.Remote is null ? Registry.RegistryBlobFetcher.Attach(store, new Registry.RegistryOptions { Sink = sink }) : null;
        try
        {
            return await RunWithStoreAsync(store, options, runtimeRoot, onOutput, sink, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            if (owned is not null)
            {
                store.Remote = null;
                owned.Dispose();
            }
        }
    }

    private static async Task<ContainerRunResult> RunWithStoreAsync(OciLayoutStore store, ContainerRunOptions options, string runtimeRoot,
        Action<string> onOutput, IDiagnosticSink sink, CancellationToken cancellationToken)
    {
        var state = await new BaseImageResolver(store, Directory.GetCurrentDirectory(), sink, new Dictionary<int, ImageState>())
            .ResolveAsync(options.Image, null, cancellationToken).ConfigureAwait(false);
        var config = state.ContainerConfig;
        IReadOnlyList<string> args = options.Entrypoint is { } entrypoint
            ? [.. entrypoint.Length > 0 ? [entrypoint] : Array.Empty<string>(), .. options.Command]
            : [.. config.Entrypoint ?? [], .. options.Command.Count > 0 ? options.Command : config.Cmd ?? []];
        if (args.Count == 0)
        {
            throw new ContainerizeException(BuildErrors.NothingToRun, $"image '{options.Image}' has no ENTRYPOINT or CMD and no command was given",
                hint: "give the command after the image: containerize run IMAGE sh -c '...'");
        }

        var environment = (config.Env ?? []).ToList();
        foreach (var e in options.Env)
        {
            var key = e.Split('=', 2)[0];
            environment.RemoveAll(x => x.Split('=', 2)[0] == key);
            environment.Add(e.Contains('=', StringComparison.Ordinal) ? e : key + "=" + Environment.GetEnvironmentVariable(key));
        }

        var workdir = options.WorkingDirectory is { Length: > 0 } w ? w : config.WorkingDir is { Length: > 0 } cw ? cw : "/";
        if (!workdir.StartsWith('/'))
        {
            throw new ContainerizeException(BuildErrors.NothingToRun, $"the working directory '{workdir}' is not absolute", hint: "give -w an absolute path, e.g. -w /app");
        }

        var exposed = (config.ExposedPorts?.Keys ?? []).Order(StringComparer.Ordinal).ToList();
        var publishing = options.Publish.Count > 0 || options.PublishAll;
        var network = options.Network ?? (publishing ? NetworkMode.Bridge : NetworkMode.Host);
        if (publishing && network != NetworkMode.Bridge)
        {
            // Docker's warning, and its behaviour: the ports are not published.
            sink.Report(new Diagnostic(RuntimeErrors.PortsDiscarded, Severity.Warning,
                $"Published ports are discarded when using {(network == NetworkMode.Host ? "host" : "none")} network mode", Hint: "leave out --network to publish them"));
        }

        var ports = network == NetworkMode.Bridge ? PortRequests.Parse(options.Publish, options.PublishAll, exposed) : [];
        var manager = new ContainerManager(runtimeRoot);
        var id = ContainerManager.NewId();
        var name = manager.ClaimName(options.Name, id);
        var layers = state.Layers.Zip(state.Config.RootFs.DiffIds, (blob, diffId) => (RootfsLayer)new TarLayer(diffId, async ct =>
            LayerDecompression.Decompress(await store.OpenLayerAsync(blob, cancellationToken: ct).ConfigureAwait(false), blob.MediaType))).ToList();
        var request = new RunRequest
        {
            Layers = layers,
            Args = args,
            Env = environment,
            WorkingDirectory = workdir,
            User = options.User ?? config.User ?? "",
            Network = network,
            Ports = ports,
            Hostname = id[..12],
            Description = string.Join(' ', args),
        };
        var runtime = new ContainerRuntime(new RuntimeOptions { Root = runtimeRoot }, sink);
        await new ContainerInfo(id, name, options.Image, string.Join(' ', args), DateTimeOffset.UtcNow) {
            StopSignal = config.StopSignal is { Length: > 0 } stop ? stop : "SIGTERM",
            ImageId = state.ConfigDigest?.ToString() ?? "",
            Network = network.ToString().ToLowerInvariant(),
            Ports = ports,
            ExposedPorts = exposed,
        }
            .WriteAsync(Path.Combine(runtime.ContainersFolder, id), cancellationToken).ConfigureAwait(false);
        if (options.Detach)
        {
            await runtime.StartDetachedAsync(request, id, options.Remove, cancellationToken).ConfigureAwait(false);
            return new ContainerRunResult(id, null);
        }

        var exit = await runtime.RunContainerAsync(request, id, onOutput, cancellationToken).ConfigureAwait(false);
        return new ContainerRunResult(id, exit);
    }
}
