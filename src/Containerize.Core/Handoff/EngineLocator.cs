using Containerize.Core.Diagnostics;
using Containerize.Core.Os;

namespace Containerize.Core.Handoff;

/// <summary>Where to look for a client and what to prefer.</summary>
public sealed record EngineLocatorOptions
{
    /// <summary>A client to use as is (a path or a name on PATH); otherwise every candidate on PATH is probed.</summary>
    public string? ClientPath { get; init; }

    public BuilderPreference Preference { get; init; } = BuilderPreference.Auto;

    /// <summary>A buildx builder by name (<c>--builder</c>); BUILDX_BUILDER in the environment does the same.</summary>
    public string? BuildxBuilder { get; init; }

    /// <summary>The PATH to search; the process's PATH when null.</summary>
    public string? SearchPath { get; init; }

    /// <summary>Ignore BUILDKIT_HOST and BUILDX_BUILDER: for docker load / push, which need the daemon itself.</summary>
    public bool DaemonOnly { get; init; }

    /// <summary>Variables as the client will see them; the process's when null.</summary>
    public IReadOnlyDictionary<string, string?>? Environment { get; init; }
}

/// <summary>
/// Finds a client that can build, preferring BuildKit. The first <c>docker</c> on PATH is not necessarily the
/// right one: a Docker 23+ client without the buildx plugin cannot use BuildKit at all, while an older client
/// can through DOCKER_BUILDKIT=1. So every candidate is probed and the best one wins: buildx, then a pre-23
/// client with a BuildKit daemon, then the classic builder.
/// </summary>
public static class EngineLocator
{

    public static async Task<EngineClient> FindAsync(EngineKind kind, EngineLocatorOptions? options, IDiagnosticSink sink, CancellationToken cancellationToken)
    {
        options ??= new EngineLocatorOptions();
        return kind == EngineKind.Podman
            ? await FindPodmanAsync(options, sink, cancellationToken)
            : await FindDockerAsync(options, sink, cancellationToken);
    }

    public static IReadOnlyList<string> Candidates(string name, EngineLocatorOptions options, IEnumerable<string> wellKnown)
    {
        var search = new ExecutableSearch { SearchPath = options.SearchPath, Environment = n => Get(options.Environment, n), Fallbacks = wellKnown.ToList() };
        if (options.ClientPath is { Length: > 0 } explicitPath)
        {
            // A name is looked up on PATH (without the install folders: the user named this one); a path is taken as it is.
            var resolved = ExecutableLookup.Find(explicitPath, search with { Fallbacks = [] });
            return resolved is null ? [] : [resolved];
        }

        var found = new List<string>();
        var seen = new HashSet<string>(HostRules.Current.PathComparer);
        foreach (var candidate in ExecutableLookup.FindAll(name, search))
        {
            // /bin is often a link to /usr/bin: probe each real program once.
            var real = RealPath(candidate);
            if (seen.Add(real)) found.Add(candidate);
        }

        return found;
    }

    /// <summary>
    /// Docker Desktop's and Podman's install folders, after PATH: only when searching the real PATH, since a caller that
    /// gives its own PATH (a test, a pinned toolchain) means exactly that one.
    /// </summary>
    private static IReadOnlyList<string> InstallFolders(EngineLocatorOptions options) =>
        options.SearchPath is null && options.ClientPath is null ? ExecutableLookup.ContainerToolFolders(n => Get(options.Environment, n)) : [];

    private static async Task<EngineClient> FindDockerAsync(EngineLocatorOptions options, IDiagnosticSink sink, CancellationToken ct)
    {
        var env = options.Environment;
        var candidates = Candidates("docker", options, InstallFolders(options));
        if (candidates.Count == 0)
        {
            throw new ContainerizeException(
                HandoffErrors.ClientNotFound,
                options.ClientPath is null ? "no docker client found on PATH" : $"docker client '{options.ClientPath}' not found",
                hint: "install Docker (the docker CLI, with the buildx plugin for BuildKit) and put its folder on PATH (Docker Desktop's install folder is searched too; `containerize build --engine docker` also takes --client PATH); " + HandoffErrors.BuiltinHint);
        }

        var buildxBuilder = options.DaemonOnly ? null : options.BuildxBuilder ?? Get(env, "BUILDX_BUILDER");
        var buildkitHost = options.DaemonOnly ? null : Get(env, "BUILDKIT_HOST");
        var probes = new List<DockerProbe>();
        foreach (var candidate in candidates)
        {
            var probe = await ProbeDockerAsync(candidate, env, ct);
            sink.Detail($"probed {candidate}: client {probe.ClientVersion ?? "?"}, server {probe.ServerVersion ?? "unreachable"}, buildx {(probe.HasBuildx ? "yes" : "no")}");
            probes.Add(probe);
        }

        // A remote BuildKit (a buildx builder or BUILDKIT_HOST) does not need the local daemon.
        if (buildxBuilder is not null || buildkitHost is not null)
        {
            var withBuildx = probes.FirstOrDefault(p => p.HasBuildx && p.ClientVersion is not null);
            if (withBuildx is null)
            {
                throw new ContainerizeException(
                    HandoffErrors.Unsupported,
                    buildkitHost is not null
                        ? $"BUILDKIT_HOST={buildkitHost} needs the docker buildx plugin, and none of {string.Join(", ", candidates)} has it"
                        : $"buildx builder '{buildxBuilder}' needs the docker buildx plugin, and none of {string.Join(", ", candidates)} has it",
                    hint: "install docker-buildx (docker buildx version must work), or unset BUILDKIT_HOST / BUILDX_BUILDER to use the local daemon");
            }

            var name = buildxBuilder ?? await EnsureRemoteBuilderAsync(withBuildx.Path, buildkitHost!, env, sink, ct);
            return new EngineClient(EngineKind.Docker, withBuildx.Path, withBuildx.ClientVersion!, withBuildx.ServerVersion, BuilderKind.Buildx,
                buildkitHost ?? withBuildx.Host, name);
        }

        var reachable = probes.Where(p => p.ServerVersion is not null).ToList();
        if (reachable.Count == 0)
        {
            var first = probes[0];
            var host = first.Host ?? Get(env, "DOCKER_HOST") ?? "unix:///var/run/docker.sock";
            throw new ContainerizeException(
                HandoffErrors.DaemonUnreachable,
                $"the Docker daemon at {host} does not answer ({first.Error ?? "no server version"})",
                hint: "start it (dockerd, or 'sudo systemctl start docker'; Docker Desktop on a workstation), check DOCKER_HOST / DOCKER_CONTEXT, "
                    + HandoffErrors.BuiltinHint);
        }

        DockerProbe? chosen = null;
        var builder = BuilderKind.Classic;
        if (options.Preference != BuilderPreference.Classic)
        {
            chosen = reachable.FirstOrDefault(p => p.HasBuildx);
            builder = BuilderKind.Buildx;
            if (chosen is null)
            {
                chosen = reachable.FirstOrDefault(p => p.LegacyBuildKit);
                builder = BuilderKind.BuildKit;
            }

            if (chosen is null && options.Preference == BuilderPreference.BuildKit)
            {
                throw new ContainerizeException(
                    HandoffErrors.Unsupported,
                    $"no docker client here can use BuildKit ({string.Join("; ", reachable.Select(p => $"{p.Path} {p.ClientVersion}, server {p.ServerVersion}"))})",
                    hint: "install the docker buildx plugin, or allow the classic builder");
            }
        }

        if (chosen is null)
        {
            // A Docker 23+ client without buildx still has the classic builder; any reachable client will do.
            chosen = reachable[0];
            builder = BuilderKind.Classic;
        }

        return new EngineClient(EngineKind.Docker, chosen.Path, chosen.ClientVersion!, chosen.ServerVersion, builder, chosen.Host);
    }

    private sealed record DockerProbe(string Path, string? ClientVersion, string? ServerVersion, bool HasBuildx, bool BuildKitDisabled, string? Host, string? Error)
    {
        /// <summary>A client older than 23 switches to the daemon's BuildKit with DOCKER_BUILDKIT=1; BuildKit came with 18.09.</summary>
        public bool LegacyBuildKit =>
            ClientVersion is not null && ServerVersion is not null && !BuildKitDisabled
            && VersionAtLeast(ServerVersion, 18, 9) && !VersionAtLeast(ClientVersion, 23, 0);
    }

    private static async Task<DockerProbe> ProbeDockerAsync(string path, IReadOnlyDictionary<string, string?>? env, CancellationToken ct)
    {
        // The probes are independent client invocations of 0.1-0.3 s each: run them side by side.
        var versionTask = EngineProcess.RunAsync(path, ["version", "--format", "{{.Client.Version}}|{{.Server.Version}}"], env, cancellationToken: ct);
        var buildxTask = EngineProcess.RunAsync(path, ["buildx", "version"], env, cancellationToken: ct);
        var contextTask = EngineProcess.RunAsync(path, ["context", "inspect", "--format", "{{.Endpoints.docker.Host}}"], env, cancellationToken: ct);
        await Task.WhenAll(versionTask, buildxTask, contextTask);
        var version = versionTask.Result;
        string? client = null, server = null;
        var parts = version.StdOutText.Trim().Split('|');
        if (parts.Length >= 1 && parts[0].Length > 0) client = parts[0];
        if (version.ExitCode == 0 && parts.Length >= 2 && parts[1].Length > 0) server = parts[1];
        if (client is null)
        {
            // Very old clients have no --format; they are not worth supporting, but say what they are.
            return new DockerProbe(path, null, null, false, false, null, FirstLine(version.StdErrText) ?? "docker version failed");
        }

        var hasBuildx = buildxTask.Result.ExitCode == 0;
        var disabled = false;
        if (server is not null && !hasBuildx && !VersionAtLeast(client, 23, 0))
        {
            // Only the DOCKER_BUILDKIT=1 route asks the daemon whether its BuildKit is switched off.
            var info = await EngineProcess.RunAsync(path, ["info"], env, cancellationToken: ct);
            disabled = info.StdOutText.Contains("BuildKit disabled", StringComparison.OrdinalIgnoreCase)
                || info.StdErrText.Contains("BuildKit disabled", StringComparison.OrdinalIgnoreCase);
        }

        var context = contextTask.Result;
        var host = context.ExitCode == 0 && context.StdOutText.Trim() is { Length: > 0 } h ? h : Get(env, "DOCKER_HOST");
        return new DockerProbe(path, client, server, hasBuildx, disabled, host, server is null ? FirstLine(version.StdErrText) : null);
    }

    /// <summary>BUILDKIT_HOST names a buildkitd; buildx reaches it through a builder of the remote driver, made once per address.</summary>
    private static async Task<string> EnsureRemoteBuilderAsync(string client, string buildkitHost, IReadOnlyDictionary<string, string?>? env, IDiagnosticSink sink, CancellationToken ct)
    {
        var name = "containerize-" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(buildkitHost)))[..12];
        var inspect = await EngineProcess.RunAsync(client, ["buildx", "inspect", name], env, cancellationToken: ct);
        if (inspect.ExitCode == 0) return name;
        sink.Info($"creating buildx builder {name} for BUILDKIT_HOST={buildkitHost}");
        var create = await EngineProcess.RunAsync(client, ["buildx", "create", "--name", name, "--driver", "remote", buildkitHost], env, cancellationToken: ct);
        if (create.ExitCode != 0)
        {
            throw new ContainerizeException(
                HandoffErrors.DaemonUnreachable,
                $"cannot create a buildx builder for BUILDKIT_HOST={buildkitHost}: {FirstLine(create.StdErrText) ?? "exit code " + create.ExitCode}",
                hint: "check that buildkitd listens there (tcp://HOST:PORT, unix:///PATH) and that buildx supports the remote driver (0.8+)");
        }

        return name;
    }

    private static async Task<EngineClient> FindPodmanAsync(EngineLocatorOptions options, IDiagnosticSink sink, CancellationToken ct)
    {
        var candidates = Candidates("podman", options, InstallFolders(options));
        if (candidates.Count == 0)
        {
            throw new ContainerizeException(
                HandoffErrors.ClientNotFound,
                options.ClientPath is null ? "no podman found on PATH" : $"podman '{options.ClientPath}' not found",
                hint: "install podman and buildah (Debian: apt-get install podman buildah); " + HandoffErrors.BuiltinHint);
        }

        var path = candidates[0];
        var version = await EngineProcess.RunAsync(path, ["version", "--format", "{{.Client.Version}}"], options.Environment, cancellationToken: ct);
        if (version.ExitCode != 0)
        {
            throw new ContainerizeException(
                HandoffErrors.DaemonUnreachable,
                $"podman does not work here: {FirstLine(version.StdErrText) ?? "exit code " + version.ExitCode}",
                hint: "check CONTAINERS_CONF / CONTAINERS_STORAGE_CONF (runtime, cgroup manager, storage) and CONTAINER_HOST for a remote podman; "
                    + HandoffErrors.BuiltinHint);
        }

        sink.Detail($"probed {path}: podman {version.StdOutText.Trim()}");
        return new EngineClient(EngineKind.Podman, path, version.StdOutText.Trim(), null, BuilderKind.Buildah, Get(options.Environment, "CONTAINER_HOST"));
    }

    internal static bool VersionAtLeast(string version, int major, int minor)
    {
        // "20.10.24+dfsg1", "26.1.5+dfsg1", "18.09.1-ce": the leading numbers are enough.
        var parts = version.Split('.', '-', '+');
        return parts.Length >= 2 && int.TryParse(parts[0], out var ma) && int.TryParse(parts[1], out var mi)
            && (ma > major || (ma == major && mi >= minor));
    }

    private static string RealPath(string path)
    {
        try
        {
            var info = new FileInfo(path);
            var target = info.ResolveLinkTarget(returnFinalTarget: true);
            var full = target?.FullName ?? info.FullName;
            // Resolve a linked parent folder too (/bin -> /usr/bin).
            var dir = new DirectoryInfo(System.IO.Path.GetDirectoryName(full)!);
            var dirTarget = dir.ResolveLinkTarget(returnFinalTarget: true);
            return dirTarget is null ? full : System.IO.Path.Combine(dirTarget.FullName, System.IO.Path.GetFileName(full));
        }
        catch (IOException)
        {
            return path;
        }
    }

    internal static string? Get(IReadOnlyDictionary<string, string?>? env, string name)
    {
        if (env is not null && env.TryGetValue(name, out var v)) return string.IsNullOrEmpty(v) ? null : v;
        return System.Environment.GetEnvironmentVariable(name) is { Length: > 0 } value ? value : null;
    }

    internal static string? FirstLine(string text) =>
        text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault();
}
