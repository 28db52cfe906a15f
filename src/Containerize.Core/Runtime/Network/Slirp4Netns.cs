using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Containerize.Core.Diagnostics;
using Containerize.Core.Runtime.Bundles;

namespace Containerize.Core.Runtime.Network;

/// <summary>
/// The user-mode network of a container (slirp4netns, as rootless Docker and Podman use): a tap device in the
/// container's namespace with 10.0.2.100, outbound TCP/UDP through the host's sockets, DNS at 10.0.2.3, and published
/// ports through its API socket. It runs as the caller (no root needed, no firewall rules, nothing left on the host but
/// the listening sockets, which go with the process). It lives in its own session, so a detached container keeps its
/// network after the CLI exits; whoever sees the container end stops it (<see cref="Stop"/>).
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
internal static class Slirp4Netns
{
    public const string GuestAddress = "10.0.2.100";

    public const string DnsAddress = "10.0.2.3";

    public const string PidFile = "slirp4netns.pid";

    private const string ReadyFile = "slirp4netns.ready";


    private const string LogFile = "slirp4netns.log";

    public static string? Find() => RuncProcess.FindRunc("slirp4netns");

    public static ContainerizeException Missing() =>
        new(RuntimeErrors.NetworkToolMissing, "publishing ports (-p, -P) and --network bridge need slirp4netns, which is not installed",
            hint: "install it (apt-get install slirp4netns, dnf install slirp4netns, apk add slirp4netns), or run with --network host and no -p");

    /// <summary>
    /// Starts slirp4netns on the network namespace of <paramref name="pid"/> and waits until the namespace's interface
    /// is up. The container's folder gets its pid, API socket and log.
    /// </summary>
    public static async Task StartAsync(string slirp, int pid, string folder, CancellationToken cancellationToken)
    {
        var ready = Path.Combine(folder, ReadyFile);
        var log = Path.Combine(folder, LogFile);
        File.Delete(ready);
        var socketPath = SocketPath(folder);
        File.Delete(socketPath);
        // It must outlive this process (a detached container) and hold no pipe of ours: setsid -f starts a shell in a
        // session of its own, which writes its pid and becomes slirp4netns (exec keeps the pid) with its output in the log.
        const string Launcher = """
            slirp="$1"; dir="$2"; pid="$3"; socket="$4"
            echo $$ > "$dir/slirp4netns.pid.tmp" && mv "$dir/slirp4netns.pid.tmp" "$dir/slirp4netns.pid"
            exec "$slirp" --configure --mtu=65520 --disable-host-loopback --api-socket "$socket" --ready-fd 3 "$pid" tap0 \
              </dev/null >"$dir/slirp4netns.log" 2>&1 3>"$dir/slirp4netns.ready"
            """;
        var setsid = RuncProcess.FindRunc("setsid")
            ?? throw new ContainerizeException(RuntimeErrors.NetworkToolMissing, "setsid not found: a container network needs it", hint: "install util-linux");
        var psi = new ProcessStartInfo(setsid) { UseShellExecute = false, RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "-f", "/bin/sh", "-c", Launcher.ReplaceLineEndings("\n"), "sh", slirp, folder, pid.ToString(CultureInfo.InvariantCulture), socketPath }) psi.ArgumentList.Add(a);
        File.Delete(Path.Combine(folder, PidFile));
        using (var launcher = Process.Start(psi)!)
        {
            launcher.StandardInput.Close();
            var output = Task.WhenAll(launcher.StandardOutput.ReadToEndAsync(cancellationToken), launcher.StandardError.ReadToEndAsync(cancellationToken));
            await launcher.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
            await output.ConfigureAwait(false);
        }

        // --ready-fd: slirp4netns writes "1" there once the tap device is configured.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (!(File.Exists(ready) && new FileInfo(ready).Length > 0))
        {
            // Its pid is there once the launcher ran; a process gone (or a zombie) before it was ready failed.
            if ((ReadPid(folder) is { } slirpPid && !IsSlirp(slirpPid)) || DateTime.UtcNow > deadline)
            {
                var reason = File.Exists(log) ? string.Join(" ", File.ReadLines(log).Where(l => l.Length > 0).TakeLast(3)) : "(no log)";
                Stop(folder);
                throw new ContainerizeException(RuntimeErrors.NetworkSetupFailed, $"slirp4netns could not set up the container's network: {reason}",
                    hint: TunHint() ?? "see slirp4netns.log in the container's folder; --network host needs no network set-up");
            }

            await Task.Delay(10, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Publishes one port through the API socket; false when slirp4netns could not bind the host port.</summary>
    public static async Task<bool> AddForwardAsync(string folder, PortBinding binding, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("execute", "add_hostfwd");
            json.WriteStartObject("arguments");
            json.WriteString("proto", binding.Protocol);
            json.WriteString("host_addr", binding.HostIp);
            json.WriteNumber("host_port", binding.HostPort);
            json.WriteString("guest_addr", GuestAddress);
            json.WriteNumber("guest_port", binding.ContainerPort);
            json.WriteEndObject();
            json.WriteEndObject();
        }

        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await socket.ConnectAsync(new UnixDomainSocketEndPoint(SocketPath(folder)), cancellationToken).ConfigureAwait(false);
        await socket.SendAsync(buffer.ToArray(), SocketFlags.None, cancellationToken).ConfigureAwait(false);
        socket.Shutdown(SocketShutdown.Send);
        var answer = new StringBuilder();
        var chunk = new byte[4096];
        int read;
        while ((read = await socket.ReceiveAsync(chunk, SocketFlags.None, cancellationToken).ConfigureAwait(false)) > 0) answer.Append(Encoding.UTF8.GetString(chunk, 0, read));
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(answer.ToString());
        }
        catch (JsonException)
        {
            throw new ContainerizeException(RuntimeErrors.NetworkSetupFailed, $"slirp4netns answered what is not JSON to publishing {binding.HostEndpoint}: {answer.ToString()[..Math.Min(200, answer.Length)]}",
                hint: "see slirp4netns.log in the container's folder; slirp4netns 1.x is expected");
        }

        using var owned = doc;
        if (doc.RootElement.TryGetProperty("return", out _)) return true;
        var description = doc.RootElement.TryGetProperty("error", out var error) && error.TryGetProperty("desc", out var desc) ? desc.GetString() : answer.ToString();
        // slirp4netns says only "slirp_add_hostfwd failed": the host port could not be bound.
        if (description?.Contains("slirp_add_hostfwd failed", StringComparison.Ordinal) == true) return false;
        throw new ContainerizeException(RuntimeErrors.NetworkSetupFailed, $"slirp4netns refused to publish {binding.HostEndpoint}->{binding.ContainerKey}: {description}",
            hint: "see slirp4netns.log in the container's folder");
    }

    /// <summary>Stops the container's slirp4netns (its published ports close with it); nothing when there is none.</summary>
    public static void Stop(string folder)
    {
        try
        {
            File.Delete(SocketPath(folder));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ContainerizeException)
        {
        }

        if (ReadPid(folder) is not { } pid || !IsSlirp(pid)) return;
        try
        {
            using var process = Process.GetProcessById(pid);
            process.Kill();
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            // Gone already.
        }

        // It is not our child (setsid -f): wait until it is gone or a zombie (its sockets closed), at most 5 s, so its
        // ports are free when the caller returns.
        for (var i = 0; i < 250 && IsSlirp(pid); i++) Thread.Sleep(20);
    }

    /// <summary>Rootless: the tun device must be open to this user (distributions ship it 0666; some hosts make it 0600).</summary>
    public static string? TunHint()
    {
        try
        {
            using var tun = new FileStream("/dev/net/tun", FileMode.Open, FileAccess.ReadWrite);
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return $"this user cannot open /dev/net/tun ({e.Message}): a root user can make it usable with chmod 0666 /dev/net/tun, as distributions ship it; or run as root";
        }
    }

    /// <summary>
    /// The API socket: a socket path has room for 107 bytes, which a container folder can pass, so it lives in a short
    /// folder of this user's under the temp folder (0700, refused when another user owns it), named by the container.
    /// </summary>
    internal static string SocketPath(string folder)
    {
        var uid = Os.LibC.GetEuid().ToString(CultureInfo.InvariantCulture);
        var sockets = Path.Combine(Path.GetTempPath(), "containerize-net-" + uid);
        Directory.CreateDirectory(sockets, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        if (Os.LibC.LStat(sockets) is not { } status || status.Uid != Os.LibC.GetEuid() || !status.IsDirectory)
        {
            throw new ContainerizeException(RuntimeErrors.NetworkSetupFailed, $"{sockets} is not a folder of this user's",
                hint: "remove it (another user made it), or set TMPDIR to a folder of yours");
        }

        // Containers are named by 64 hex digits: 24 of them keep the name unique and the path short.
        var name = Path.GetFileName(Path.TrimEndingDirectorySeparator(folder));
        return Path.Combine(sockets, name[..Math.Min(24, name.Length)] + ".sock");
    }

    private static int? ReadPid(string folder)
    {
        try
        {
            return int.TryParse(File.ReadAllText(Path.Combine(folder, PidFile)).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) ? pid : null;
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>The pid is still our slirp4netns, alive (not a reused pid, not a zombie): its command line names it.</summary>
    private static bool IsSlirp(int pid)
    {
        try
        {
            // A zombie has an empty command line.
            return File.ReadAllText($"/proc/{pid}/cmdline").Contains("slirp4netns", StringComparison.Ordinal);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }
}
