using System.Globalization;
using Containerize.Core.Diagnostics;
using Containerize.Core.Runtime.Bundles;
using Containerize.Core.Os;

namespace Containerize.Core.Runtime.Network;

/// <summary>
/// A container's own network (<see cref="NetworkMode.Bridge"/>): runc creates the namespace, a createRuntime hook
/// hands us the container's pid and holds the start until slirp4netns serves the namespace and the ports are published,
/// so the process starts with its network up and a failed port is an error before anything ran.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
internal static class ContainerNetwork
{
    public const string HookScript = "network-hook.sh";

    private const string PidFile = "network.pid";

    private const string ReadyFile = "network.ready";

    /// <summary>The hook waits this long for us; runc's own timeout for it is a little longer.</summary>
    public const int HookTimeoutSeconds = 90;

    // runc runs it on the host (the runtime's namespaces) with the container's state as JSON on stdin.
    private const string Script = """
        #!/bin/sh
        # containerize createRuntime hook: the container's pid for its network, then wait until the network is up.
        dir="$1"
        pid=$(tr -d '\n' | sed -n 's/.*"pid"[[:space:]]*:[[:space:]]*\([0-9][0-9]*\).*/\1/p')
        [ -n "$pid" ] || { echo "no pid in the container state" >&2; exit 1; }
        echo "$pid" > "$dir/network.pid.tmp" && mv "$dir/network.pid.tmp" "$dir/network.pid"
        end=$(( $(date +%s) + 90 ))
        while [ ! -f "$dir/network.ready" ]; do
          [ "$(date +%s)" -gt "$end" ] && { echo "containerize never set up the network" >&2; exit 1; }
          sleep 0.02
        done
        [ "$(cat "$dir/network.ready")" = ok ]
        """;

    /// <summary>Writes the hook script into the container's folder and returns the hook for config.json.</summary>
    public static OciHook WriteHook(string folder)
    {
        var path = Path.Combine(folder, HookScript);
        File.WriteAllText(path, Script.ReplaceLineEndings("\n") + "\n");
        File.Delete(Path.Combine(folder, PidFile));
        File.Delete(Path.Combine(folder, ReadyFile));
        return new OciHook("/bin/sh", ["sh", path, folder], HookTimeoutSeconds + 10);
    }

    /// <summary>
    /// Waits for the hook's pid, starts slirp4netns and publishes <paramref name="ports"/> (a port taken meanwhile is
    /// placed again when it was "any free port"); returns the ports as published. Whatever fails, the hook is
    /// released with a refusal (runc then stops the container) and slirp4netns is stopped.
    /// </summary>
    public static async Task<IReadOnlyList<PortBinding>> SetUpAsync(string folder, IReadOnlyList<PortBinding> requested, IReadOnlyList<PortBinding> ports,
        Func<bool> containerEnded, CancellationToken cancellationToken)
    {
        var ok = false;
        try
        {
            var pid = await WaitForPidAsync(folder, containerEnded, cancellationToken).ConfigureAwait(false);
            if (pid is null) return ports;
            var slirp = Slirp4Netns.Find() ?? throw Slirp4Netns.Missing();
            await Slirp4Netns.StartAsync(slirp, pid.Value, folder, cancellationToken).ConfigureAwait(false);
            var published = new List<PortBinding>();
            for (var i = 0; i < ports.Count; i++)
            {
                var binding = ports[i];
                for (var attempt = 0; !await Slirp4Netns.AddForwardAsync(folder, binding, cancellationToken).ConfigureAwait(false); attempt++)
                {
                    // Taken since it was found free: another port when any will do, else docker's error.
                    if (requested[i].HostPort != 0 || attempt == 4) throw PortAllocator.Allocated(binding.HostIp, binding.HostPort.ToString(CultureInfo.InvariantCulture));
                    var avoid = published.Select(p => (p.HostIp, p.HostPort, p.Protocol)).Append((binding.HostIp, binding.HostPort, binding.Protocol)).ToHashSet();
                    binding = PortAllocator.Allocate([requested[i]], avoid)[0];
                }

                published.Add(binding);
            }

            await AtomicFile.WriteAsync(Path.Combine(folder, ReadyFile), "ok"u8.ToArray(), AtomicWriteOptions.Cache, cancellationToken).ConfigureAwait(false);
            ok = true;
            return published;
        }
        finally
        {
            if (!ok)
            {
                Slirp4Netns.Stop(folder);
                try
                {
                    File.WriteAllText(Path.Combine(folder, ReadyFile), "refused");
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException or DirectoryNotFoundException)
                {
                    // The folder is gone: the container is too.
                }
            }
        }
    }

    private static async Task<int?> WaitForPidAsync(string folder, Func<bool> containerEnded, CancellationToken cancellationToken)
    {
        var path = Path.Combine(folder, PidFile);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(HookTimeoutSeconds);
        while (true)
        {
            if (File.Exists(path) && int.TryParse(File.ReadAllText(path).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var pid)) return pid;

            // runc failed before its hooks ran: its own error is the one to report.
            if (containerEnded()) return null;
            if (DateTime.UtcNow > deadline)
            {
                throw new ContainerizeException(RuntimeErrors.NetworkSetupFailed, "runc never ran the network hook of the container",
                    hint: "see runc.log in the container's folder");
            }

            await Task.Delay(10, cancellationToken).ConfigureAwait(false);
        }
    }
}
