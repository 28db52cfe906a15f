using System.Globalization;
using System.Text.RegularExpressions;
using Containerize.Core.Diagnostics;
using Containerize.Core.Runtime.Bundles;

namespace Containerize.Core.Runtime.Containers;

/// <summary>One container as `ps` sees it: its record, where it lives, its state and exit code.</summary>
public sealed record ContainerView(ContainerInfo Info, string Folder, ContainerStatus Status, int? ExitCode);

/// <summary>
/// `containerize ps`, `logs`, `stop` and `rm` over the runtime's containers/ folder: each container is a folder named by
/// its id holding container.json, the bundle, output.log and, once it ended, exit-code (written by its shim). No daemon:
/// the state is the folder, and a running container is one whose runc process (the pid file) is alive.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed partial class ContainerManager(string runtimeRoot, string runc = "runc")
{
    public string Folder => Path.Combine(runtimeRoot, "containers");

    private string StateRoot => Path.Combine(runtimeRoot, "runc");

    public static string NewId() => Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));

    public IReadOnlyList<ContainerView> List()
    {
        if (!Directory.Exists(Folder)) return [];
        var result = new List<ContainerView>();
        foreach (var dir in Directory.EnumerateDirectories(Folder))
        {
            if (ContainerInfo.Read(dir) is { } info) result.Add(View(info, dir));
        }

        return [.. result.OrderByDescending(v => v.Info.Created).ThenBy(v => v.Info.Id, StringComparer.Ordinal)];
    }

    /// <summary>By full id, unique id prefix or name, as docker.</summary>
    public ContainerView Find(string reference)
    {
        var all = List();
        var match = all.FirstOrDefault(c => c.Info.Id == reference) ?? all.FirstOrDefault(c => c.Info.Name == reference);
        if (match is not null) return match;
        var prefixed = all.Where(c => c.Info.Id.StartsWith(reference, StringComparison.Ordinal)).ToList();
        return prefixed.Count switch
        {
            1 => prefixed[0],
            0 => throw new ContainerizeException(RuntimeErrors.NoSuchContainer, $"no such container: {reference}", hint: "containerize ps -a lists the containers"),
            _ => throw new ContainerizeException(RuntimeErrors.NoSuchContainer, $"'{reference}' matches {prefixed.Count} containers", hint: "give more of the id, or the name"),
        };
    }

    /// <summary>Checks a --name (docker's rule) and that no container has it; generates one when none is given.</summary>
    public string ClaimName(string? name, string id)
    {
        if (string.IsNullOrEmpty(name)) return "ctz_" + id[..8];
        if (!NameSyntax().IsMatch(name))
        {
            throw new ContainerizeException(RuntimeErrors.ContainerNameInUse, $"invalid container name '{name}'", hint: "use [a-zA-Z0-9][a-zA-Z0-9_.-]+");
        }

        if (List().FirstOrDefault(c => c.Info.Name == name) is { } other)
        {
            throw new ContainerizeException(RuntimeErrors.ContainerNameInUse, $"the container name '{name}' is already used by container {other.Info.ShortId}",
                hint: $"remove that container (containerize rm {name}) or choose another name");
        }

        return name;
    }

    public string LogPath(ContainerView container) => Path.Combine(container.Folder, DetachedShim.OutputFile);

    /// <summary>The image's STOPSIGNAL (SIGTERM by default), then SIGKILL when it still runs after <paramref name="timeout"/>, as docker stop.</summary>
    public async Task<ContainerView> StopAsync(ContainerView container, TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (container.Status != ContainerStatus.Running) return container;
        await RuncAsync(["kill", container.Info.Id, container.Info.StopSignal]).ConfigureAwait(false);
        if (!await WaitForExitAsync(container, timeout, cancellationToken).ConfigureAwait(false))
        {
            await RuncAsync(["kill", "--all", container.Info.Id, "KILL"]).ConfigureAwait(false);
            await WaitForExitAsync(container, TimeSpan.FromSeconds(30), cancellationToken).ConfigureAwait(false);
        }

        return Refresh(container);
    }

    /// <summary>Deletes the container (killing it first with <paramref name="force"/>): runc's state, its mounts, its folder.</summary>
    public async Task RemoveAsync(ContainerView container, bool force, CancellationToken cancellationToken)
    {
        if (container.Status == ContainerStatus.Running)
        {
            if (!force)
            {
                throw new ContainerizeException(RuntimeErrors.ContainerRunning, $"container {container.Info.ShortId} ({container.Info.Name}) is running",
                    hint: "stop it first (containerize stop), or use rm -f");
            }

            await RuncAsync(["kill", "--all", container.Info.Id, "KILL"]).ConfigureAwait(false);
            await WaitForExitAsync(container, TimeSpan.FromSeconds(30), cancellationToken).ConfigureAwait(false);
        }

        await RuncAsync(["delete", "--force", container.Info.Id]).ConfigureAwait(false);
        // Its shim stops the network when the container ends; a shim that was lost (a reboot, a kill) did not.
        Network.Slirp4Netns.Stop(container.Folder);
        ContainerRuntime.RemoveRunDirectory(container.Folder);
    }

    private ContainerView View(ContainerInfo info, string folder)
    {
        var exitFile = Path.Combine(folder, DetachedShim.ExitCodeFile);
        if (File.Exists(exitFile))
        {
            var text = File.ReadAllText(exitFile).Trim();
            return new ContainerView(info, folder, ContainerStatus.Exited, int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var code) ? code : null);
        }

        var pidFile = Path.Combine(folder, DetachedShim.PidFile);
        if (File.Exists(pidFile) && int.TryParse(File.ReadAllText(pidFile).Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var pid) && Directory.Exists($"/proc/{pid}"))
        {
            return new ContainerView(info, folder, ContainerStatus.Running, null);
        }

        // No exit code and no live process: starting, or its shim was lost (a reboot); `rm` cleans it up.
        return new ContainerView(info, folder, File.Exists(pidFile) ? ContainerStatus.Exited : ContainerStatus.Created, null);
    }

    private ContainerView Refresh(ContainerView container) =>
        ContainerInfo.Read(container.Folder) is { } info ? View(info, container.Folder) : container with { Status = ContainerStatus.Exited };

    private static async Task<bool> WaitForExitAsync(ContainerView container, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var exitFile = Path.Combine(container.Folder, DetachedShim.ExitCodeFile);
        var deadline = DateTime.UtcNow + timeout;
        while (!File.Exists(exitFile) && Directory.Exists(container.Folder))
        {
            if (DateTime.UtcNow >= deadline) return false;
            await Task.Delay(50, cancellationToken).ConfigureAwait(false);
        }

        return true;
    }

    private async Task RuncAsync(IEnumerable<string> args)
    {
        var path = RuncProcess.FindRunc(runc)
            ?? throw new ContainerizeException(RuntimeErrors.RuncNotFound, $"runc not found ('{runc}')", hint: "install runc (apt-get install runc)");
        var psi = new System.Diagnostics.ProcessStartInfo(path) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "--root", StateRoot }.Concat(args)) psi.ArgumentList.Add(a);
        if (Os.LibC.IsRootless) psi.Environment["XDG_RUNTIME_DIR"] = StateRoot;
        using var p = System.Diagnostics.Process.Start(psi)!;
        await Task.WhenAll(p.StandardOutput.ReadToEndAsync(), p.StandardError.ReadToEndAsync(), p.WaitForExitAsync()).ConfigureAwait(false);
    }

    [GeneratedRegex("^[a-zA-Z0-9][a-zA-Z0-9_.-]+$")]
    private static partial Regex NameSyntax();
}
