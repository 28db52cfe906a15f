using System.Collections.Concurrent;
using System.Text;
using Containerize.Core.Diagnostics;
using Containerize.Core.Runtime.Bundles;
using Containerize.Core.Runtime.Diff;
using Containerize.Core.Runtime.Mounts;
using Containerize.Core.Os;
using Containerize.Core.Runtime.Snapshots;
using Containerize.Core.Runtime.Users;

namespace Containerize.Core.Runtime;

/// <summary>
/// Runs RUN steps in runc without a daemon. Each step gets a folder under runs/ holding its OCI bundle
/// (config.json), its rootfs (an overlay over the cached layer folders, or an extracted copy) and, with overlay, the
/// upper folder that is the step's difference. The engine calls <see cref="RunAsync"/> once per RUN and turns
/// <see cref="RunResult.Changes"/> into a layer.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class ContainerRuntime
{
    private static readonly ConcurrentDictionary<string, Task<bool>> OverlayProbes = new(StringComparer.Ordinal);

    private readonly RuntimeOptions _options;
    private readonly IDiagnosticSink? _sink;

    public ContainerRuntime(RuntimeOptions options, IDiagnosticSink? sink = null)
    {
        _options = options with { Root = Path.GetFullPath(options.Root) };
        _sink = sink;
        Snapshots = new SnapshotStore(Path.Combine(_options.Root, "snapshots"));
    }

    public SnapshotStore Snapshots { get; }

    public string RunsFolder => Path.Combine(_options.Root, "runs");

    public string CacheFolder => Path.Combine(_options.Root, "cache");

    /// <summary>The strategy Auto resolves to here: overlay when root and a test mount works.</summary>
    public async Task<RootfsStrategy> ResolveStrategyAsync(CancellationToken cancellationToken)
    {
        if (LibC.IsRootless) return RootfsStrategy.Copy;
        if (_options.Strategy != RootfsStrategy.Auto) return _options.Strategy;
        Directory.CreateDirectory(_options.Root);
        var supported = await OverlayProbes.GetOrAdd(_options.Root, root => OverlayMount.IsSupportedAsync(root, CancellationToken.None))
            .WaitAsync(cancellationToken).ConfigureAwait(false);
        return supported ? RootfsStrategy.Overlay : RootfsStrategy.Copy;
    }

    /// <summary>
    /// Runs the command. Output lines go to <paramref name="onOutput"/> (or the sink's Info) as they come. A
    /// non-zero exit throws CTZ5502 with the exit code and the output's last lines; that step's folder stays on disk
    /// (unmounted) and its path is in the error. Cancellation kills the container and removes the folder.
    /// </summary>
    public async Task<RunResult> RunAsync(RunRequest request, Action<string>? onOutput = null, CancellationToken cancellationToken = default)
    {
        if (request.Network == NetworkMode.Bridge)
        {
            throw new ContainerizeException(RuntimeErrors.InvalidRequest, "a RUN step has the host's network or none, not a container network",
                hint: "RUN --network=host|none|default");
        }

        var id = "ctz-" + Guid.NewGuid().ToString("N")[..16];
        var runDir = Path.Combine(RunsFolder, id);
        onOutput ??= _sink is null ? null : _sink.Info;

        PreparedRun? prepared = null;
        RunResult? result = null;
        var keep = false;
        try
        {
            prepared = await PrepareAsync(request, runDir, cancellationToken).ConfigureAwait(false);
            var exit = await new RuncProcess(prepared.Runc, Path.Combine(_options.Root, "runc")).RunAsync(runDir, id, onOutput, cancellationToken)
                .ConfigureAwait(false);
            prepared.Overlay?.Unmount();
            if (exit.ExitCode != 0)
            {
                keep = true;
                throw CommandFailed(request, exit, runDir);
            }

            IReadOnlyList<FileChange> changes;
            try
            {
                changes = prepared.Strategy == RootfsStrategy.Overlay
                    ? UpperDirDiff.Compute(prepared.Overlay!.Upper, new OverlayLowerView(prepared.LowerDirs), prepared.Ids)
                    : await SnapshotDiff.ComputeAsync(prepared.Before!, prepared.Rootfs, prepared.Ids, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new ContainerizeException(RuntimeErrors.DiffFailed, $"RUN {Describe(request)}: the step's changes could not be read: {e.Message}",
                    hint: "check free space and permissions under " + _options.Root, inner: e);
            }

            changes = prepared.Stubs.Prune(changes);
            result = new RunResult(changes, prepared.Strategy, runDir);
            return result;
        }
        catch (ContainerizeException e) when (e.Code == RuntimeErrors.RuncFailed)
        {
            // runc's own failure: keep the bundle for inspection, as for a failing command.
            keep = true;
            throw;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ContainerizeException(GeneralErrors.IoError, $"RUN {Describe(request)}: {e.Message}",
                hint: "check free space and permissions under " + _options.Root, inner: e);
        }
        finally
        {
            try
            {
                if (prepared is not null) await prepared.DisposeAsync().ConfigureAwait(false);
            }
            finally
            {
                // Success hands the folder to RunResult; a failed command keeps it; anything else removes it.
                if (result is null && !keep) RemoveRunDirectory(runDir);
                if (keep && request.SecretEnv.Count > 0) RedactSecretEnv(Path.Combine(runDir, "config.json"), request.SecretEnv);
            }
        }
    }

    /// <summary>
    /// `containerize run` in the foreground: the container's output goes to <paramref name="onOutput"/> and its exit
    /// code is returned (no error for a non-zero code, as docker run). No difference is computed; the folder is
    /// removed afterwards (kept only when runc itself failed).
    /// </summary>
    public async Task<int> RunContainerAsync(RunRequest request, string containerId, Action<string>? onOutput, CancellationToken cancellationToken)
    {
        var runDir = Path.Combine(ContainersFolder, containerId);
        PreparedRun? prepared = null;
        var keep = false;
        try
        {
            var ports = PlacePorts(request);
            prepared = await PrepareAsync(request, runDir, cancellationToken).ConfigureAwait(false);
            var run = new RuncProcess(prepared.Runc, Path.Combine(_options.Root, "runc")).RunAsync(runDir, containerId, onOutput, cancellationToken);
            if (request.Network == NetworkMode.Bridge) await SetUpNetworkAsync(request, ports, runDir, () => run.IsCompleted, run, cancellationToken).ConfigureAwait(false);
            var exit = await run.ConfigureAwait(false);
            return exit.ExitCode;
        }
        catch (ContainerizeException e) when (e.Code == RuntimeErrors.RuncFailed)
        {
            keep = true;
            throw;
        }
        finally
        {
            try
            {
                if (prepared is not null) await prepared.DisposeAsync().ConfigureAwait(false);
            }
            finally
            {
                // The container's network (and its ports) ends with it.
                Network.Slirp4Netns.Stop(runDir);
                if (!keep) RemoveRunDirectory(runDir);
            }
        }
    }

    /// <summary>
    /// `containerize run -d`: prepares the container in containers/ID and hands it to a detached shim (a shell in its
    /// own session running `runc run`), which writes the output to output.log and the exit code to exit-code when the
    /// container ends, then unmounts its rootfs (and, with <paramref name="removeOnExit"/>, deletes its folder).
    /// Returns once the container has started (or already ended).
    /// </summary>
    public async Task StartDetachedAsync(RunRequest request, string containerId, bool removeOnExit, CancellationToken cancellationToken)
    {
        var runDir = Path.Combine(ContainersFolder, containerId);
        PreparedRun? prepared = null;
        var started = false;
        try
        {
            var ports = PlacePorts(request);
            prepared = await PrepareAsync(request, runDir, cancellationToken).ConfigureAwait(false);
            var start = Containers.DetachedShim.StartAsync(prepared.Runc, Path.Combine(_options.Root, "runc"), runDir, containerId, removeOnExit, cancellationToken);
            if (request.Network == NetworkMode.Bridge)
            {
                var exitFile = Path.Combine(runDir, Containers.DetachedShim.ExitCodeFile);
                await SetUpNetworkAsync(request, ports, runDir, () => start.IsCompleted || File.Exists(exitFile) || !Directory.Exists(runDir), start, cancellationToken)
                    .ConfigureAwait(false);
            }

            await start.ConfigureAwait(false);
            started = true;
        }
        catch (ContainerizeException e) when (e.Code == RuntimeErrors.RuncFailed)
        {
            // The shim has already unmounted; the bundle stays for inspection, as the error says.
            started = true;
            throw;
        }
        finally
        {
            // The mounts of the rootfs belong to the shim now (it unmounts on exit); only a failed start cleans up here.
            if (!started)
            {
                if (prepared is not null) await prepared.DisposeAsync().ConfigureAwait(false);
                RemoveRunDirectory(runDir);
            }
        }
    }

    public string ContainersFolder => Path.Combine(_options.Root, "containers");

    /// <summary>The host ports of a bridge container, placed before anything is prepared: a busy one fails at once.</summary>
    private static IReadOnlyList<Network.PortBinding> PlacePorts(RunRequest request)
    {
        if (request.Network != NetworkMode.Bridge) return [];
        return Network.PortAllocator.Allocate(request.Ports);
    }

    /// <summary>
    /// Runs the container network's set-up beside runc (whose hook waits for it) and records the ports as published
    /// in container.json. A failed set-up waits for runc to give up and is the error reported, not runc's.
    /// </summary>
    private static async Task SetUpNetworkAsync(RunRequest request, IReadOnlyList<Network.PortBinding> ports, string runDir, Func<bool> ended, Task runc,
        CancellationToken cancellationToken)
    {
        IReadOnlyList<Network.PortBinding> published;
        try
        {
            published = await Network.ContainerNetwork.SetUpAsync(runDir, request.Ports, ports, ended, cancellationToken).ConfigureAwait(false);
        }
        catch (ContainerizeException)
        {
            try
            {
                await runc.ConfigureAwait(false);
            }
            catch (ContainerizeException)
            {
                // runc's "error running hook": ours says why.
            }

            throw;
        }

        if (Containers.ContainerInfo.Read(runDir) is { } info)
        {
            await (info with { Ports = published }).WriteAsync(runDir, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>A bundle ready for runc: its rootfs (mounted or copied), mounts, and what the diff needs afterwards.</summary>
    private sealed class PreparedRun : IAsyncDisposable
    {
        public required string Runc { get; init; }

        public required RootfsStrategy Strategy { get; init; }

        public required string Rootfs { get; init; }

        public required List<string> LowerDirs { get; init; }

        public IdMapping? Ids { get; init; }

        public OverlayMount? Overlay { get; set; }

        public MountPreparer? Mounts { get; set; }

        public MountStubs Stubs { get; set; } = null!;

        public FilesystemSnapshot? Before { get; set; }

        public async ValueTask DisposeAsync()
        {
            try
            {
                Overlay?.Unmount();
            }
            finally
            {
                if (Mounts is not null) await Mounts.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    private async Task<PreparedRun> PrepareAsync(RunRequest request, string runDir, CancellationToken cancellationToken)
    {
        Validate(request);
        var runc = RuncProcess.FindRunc(_options.Runc)
            ?? throw new ContainerizeException(RuntimeErrors.RuncNotFound, $"runc not found ('{_options.Runc}')",
                hint: "install runc (apt-get install runc), or give the full path of the runtime");
        var rootless = LibC.IsRootless;
        var strategy = await ResolveStrategyAsync(cancellationToken).ConfigureAwait(false);
        Directory.CreateDirectory(runDir);
        var prepared = new PreparedRun
        {
            Runc = runc,
            Strategy = strategy,
            Rootfs = Path.Combine(runDir, "rootfs"),
            LowerDirs = [],
            Ids = rootless ? new IdMapping(LibC.GetEuid(), LibC.GetEgid()) : null,
        };
        var rootfs = prepared.Rootfs;
        try
        {
            if (strategy == RootfsStrategy.Overlay)
            {
                var links = new List<string>();
                foreach (var layer in request.Layers)
                {
                    links.Add(layer switch
                    {
                        TarLayer t => await Snapshots.EnsureAsync(t, cancellationToken).ConfigureAwait(false),
                        DirectoryLayer d => Snapshots.LinkFor(d),
                        _ => throw new ArgumentException("unknown layer type", nameof(request)),
                    });
                }

                if (links.Count == 0) links.Add(Snapshots.Empty());
                prepared.LowerDirs.AddRange(links.AsEnumerable().Reverse().Select(l => Path.Combine(Snapshots.Root, l)));
                prepared.Overlay = await OverlayMount.MountAsync(Snapshots.Root, links, Path.Combine(runDir, "upper"), Path.Combine(runDir, "work"),
                    rootfs, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                Directory.CreateDirectory(rootfs);
                foreach (var layer in request.Layers)
                {
                    if (layer is TarLayer t)
                    {
                        await using var tar = await t.OpenUncompressed(cancellationToken).ConfigureAwait(false);
                        // The diff_id names the layer in an error about one of its entries (and is checked on the way).
                        await Images.Layers.LayerApplier.ApplyAsync(rootfs, tar, expectedDiffId: t.DiffId, cancellationToken: cancellationToken).ConfigureAwait(false);
                    }
                    else if (layer is DirectoryLayer d)
                    {
                        await TreeCopier.CopyAsync(d.Path, rootfs, cancellationToken).ConfigureAwait(false);
                    }
                }
            }

            var user = UserResolver.ResolveInRootfs(request.User, rootfs);
            if (rootless && (user.Uid != 0 || user.Gid != 0))
            {
                throw new ContainerizeException(RuntimeErrors.RootlessUnsupported,
                    $"a rootless RUN can only run as root in its user namespace, not as '{request.User}' ({user.Uid}:{user.Gid})",
                    hint: "run the build as root, or without USER before this RUN; rootless maps only the caller's own id");
            }

            prepared.Mounts = await MountPreparer.PrepareAsync(request.Mounts, CacheFolder, runDir,
                strategy == RootfsStrategy.Overlay, cancellationToken).ConfigureAwait(false);
            IReadOnlyList<OciHook> hooks = [];
            if (request.Network == NetworkMode.Bridge)
            {
                if (Network.Slirp4Netns.Find() is null) throw Network.Slirp4Netns.Missing();
                if (rootless && Network.Slirp4Netns.TunHint() is { } tun)
                {
                    throw new ContainerizeException(RuntimeErrors.NetworkToolMissing, "a container network needs the tun device, which this user cannot open", hint: tun);
                }

                hooks = [Network.ContainerNetwork.WriteHook(runDir)];
            }

            var generated = WriteGeneratedFiles(runDir, request.Hostname, request.Network);
            var extraMounts = generated.Concat(prepared.Mounts.Mounts).ToList();
            prepared.Stubs = MountStubs.Record(rootfs,
                RuntimeSpecBuilder.StandardMountTargets.Concat(extraMounts.Select(m => m.Destination)).Concat(request.Mounts.Select(m => m.Target)),
                prepared.Ids);
            prepared.Before = strategy == RootfsStrategy.Copy
                ? await FilesystemSnapshot.TakeAsync(rootfs, cancellationToken).ConfigureAwait(false)
                : null;

            EnsureWorkingDirectory(rootfs, request.WorkingDirectory);
            var config = RuntimeSpecBuilder.Build(new BundleConfig
            {
                RootfsPath = rootfs,
                Args = request.Args,
                Env = [.. request.Env, .. request.SecretEnv],
                Cwd = request.WorkingDirectory,
                User = user,
                Hostname = request.Hostname,
                Network = request.Network,
                ExtraMounts = extraMounts,
                CreateRuntimeHooks = hooks,
                RootlessHostIds = rootless ? (LibC.GetEuid(), LibC.GetEgid()) : null,
            });
            await WriteAtomicallyAsync(Path.Combine(runDir, "config.json"), config, cancellationToken).ConfigureAwait(false);
            _sink?.Detail($"runtime: {strategy} rootfs, bundle {runDir}");
            return prepared;
        }
        catch
        {
            await prepared.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    internal static void RemoveRunDirectory(string runDirectory)
    {
        // A mount left inside (a crash between mount and unmount) must not make the delete walk into a lower layer.
        var merged = Path.Combine(runDirectory, "rootfs");
        LibC.Unmount(merged, LibC.MntDetach);
        try
        {
            if (Directory.Exists(runDirectory)) Directory.Delete(runDirectory, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    private static void Validate(RunRequest request)
    {
        if (request.Args.Count == 0 || request.Args[0].Length == 0)
            throw new ContainerizeException(RuntimeErrors.InvalidRequest, "RUN has no command", hint: "write RUN <command> or RUN [\"exe\", \"arg\"]");
        if (!request.WorkingDirectory.StartsWith('/'))
            throw new ContainerizeException(RuntimeErrors.InvalidRequest, $"working directory '{request.WorkingDirectory}' is not absolute",
                hint: "the engine resolves WORKDIR against the previous one; pass the absolute result");
    }

    private static ContainerizeException CommandFailed(RunRequest request, ContainerExit exit, string runDir)
    {
        var message = new StringBuilder();
        message.Append("the command '").Append(Describe(request)).Append("' returned a non-zero code: ").Append(exit.ExitCode);
        if (exit.OutputTail.Count > 0)
        {
            message.Append(Environment.NewLine).Append("  last output lines:");
            foreach (var line in exit.OutputTail) message.Append(Environment.NewLine).Append("  | ").Append(line);
        }

        return new ContainerizeException(RuntimeErrors.CommandFailed, message.ToString(),
            hint: $"the failed step's bundle is kept in {runDir} (config.json; upper/ holds the changes made before the failure); " +
                  "remove it when done");
    }

    private static string Describe(RunRequest request) =>
        request.Description ?? string.Join(' ', request.Args.Take(2).Concat(request.Args.Count > 2 ? [string.Join(' ', request.Args.Skip(2))] : []));

    private static IEnumerable<OciMountSpec> WriteGeneratedFiles(string runDir, string hostname, NetworkMode network)
    {
        var folder = Path.Combine(runDir, "etc");
        Directory.CreateDirectory(folder);
        var hosts = Path.Combine(folder, "hosts");
        // A container network has an address of its own, which its name resolves to (as docker's bridge).
        var own = network == NetworkMode.Bridge ? $"{Network.Slirp4Netns.GuestAddress}\t{hostname}\n" : "";
        File.WriteAllText(hosts, $"127.0.0.1\tlocalhost {hostname}\n::1\tlocalhost ip6-localhost ip6-loopback\n{own}");
        var resolv = Path.Combine(folder, "resolv.conf");
        string resolvText;
        try
        {
            // slirp4netns answers DNS at its own address, relaying to the host's servers (a host's 127.0.0.53 is out of reach).
            resolvText = network == NetworkMode.Bridge ? $"nameserver {Network.Slirp4Netns.DnsAddress}\n" : File.ReadAllText("/etc/resolv.conf");
        }
        catch (IOException)
        {
            resolvText = "";
        }

        // Docker's fallback when the host has no name server.
        if (!resolvText.Contains("nameserver", StringComparison.Ordinal)) resolvText += "nameserver 8.8.8.8\nnameserver 8.8.4.4\n";
        File.WriteAllText(resolv, resolvText);
        var hostnameFile = Path.Combine(folder, "hostname");
        File.WriteAllText(hostnameFile, hostname + "\n");
        foreach (var f in new[] { hosts, resolv, hostnameFile }) File.SetUnixFileMode(f, (UnixFileMode)0x1A4 /* 0644 */);
        return
        [
            new OciMountSpec("/etc/hosts", "bind", hosts, ["rbind", "rprivate"]),
            new OciMountSpec("/etc/resolv.conf", "bind", resolv, ["rbind", "rprivate"]),
            new OciMountSpec("/etc/hostname", "bind", hostnameFile, ["rbind", "rprivate"]),
        ];
    }

    private static void EnsureWorkingDirectory(string rootfs, string workingDirectory)
    {
        var host = InRootPath.Resolve(rootfs, workingDirectory);
        if (host is null || LibC.LStat(host) is not null) return;
        Directory.CreateDirectory(host);
    }

    private static Task WriteAtomicallyAsync(string path, byte[] content, CancellationToken cancellationToken) =>
        AtomicFile.WriteAsync(path, content, AtomicWriteOptions.Cache, cancellationToken);

    /// <summary>A kept bundle is for inspection: secret values in its process environment are replaced by their names.</summary>
    private static void RedactSecretEnv(string configPath, IReadOnlyList<string> secretEnv)
    {
        if (!File.Exists(configPath)) return;
        var root = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllBytes(configPath));
        if (root?["process"]?["env"] is not System.Text.Json.Nodes.JsonArray env) return;
        var secrets = secretEnv.ToHashSet(StringComparer.Ordinal);
        for (var i = 0; i < env.Count; i++)
        {
            if (env[i]?.GetValue<string>() is { } entry && secrets.Contains(entry)) env[i] = entry.Split('=', 2)[0] + "=<redacted secret>";
        }

        File.WriteAllText(configPath, root.ToJsonString());
    }
}
