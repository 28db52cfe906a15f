using System.Diagnostics;
using System.Text;
using Containerize.Core.Diagnostics;

namespace Containerize.Core.Runtime.Bundles;

/// <summary>How a container ended: its exit code and the last lines of its combined output.</summary>
public sealed record ContainerExit(int ExitCode, IReadOnlyList<string> OutputTail);

/// <summary>
/// Runs one bundle with `runc run` (no daemon, no detach): the container's stdin is closed, stdout and stderr are
/// read line by line and handed to a callback as they come. runc's own messages go to a log file, so that a failure
/// of runc is told apart from a failing command by the pid file runc writes once the process has started.
/// </summary>
public sealed class RuncProcess(string runcPath, string stateRoot)
{
    public const int TailLines = 20;

    public string RuncPath { get; } = runcPath;

    public string StateRoot { get; } = stateRoot;

    public static string? FindRunc(string? configured = null) =>
        Os.ExecutableLookup.Find(string.IsNullOrEmpty(configured) ? "runc" : configured, new Os.ExecutableSearch
        {
            // A process started without PATH (a service) still finds the system's programs, as execvp's default PATH does.
            SearchPath = Environment.GetEnvironmentVariable("PATH") ?? "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
            Fallbacks = ["/usr/sbin", "/usr/bin", "/sbin"],
        });

    public async Task<ContainerExit> RunAsync(string bundle, string containerId, Action<string>? onOutput, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(StateRoot);
        var pidFile = Path.Combine(bundle, "container.pid");
        var logFile = Path.Combine(bundle, "runc.log");
        var psi = new ProcessStartInfo(RuncPath)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = bundle,
        };
        foreach (var a in new[] { "--root", StateRoot, "--log", logFile, "run", "--bundle", bundle, "--pid-file", pidFile, containerId })
            psi.ArgumentList.Add(a);
        // runc's rootless mode looks here for its state when it is not given --root; keep it inside our state.
        if (Os.LibC.IsRootless) psi.Environment["XDG_RUNTIME_DIR"] = StateRoot;

        // runc copies the container's stdout and stderr through two pipes of its own, so lines of the two streams
        // arrive in the order runc forwards them, which may differ from a terminal's (as with docker build).
        var tail = new Queue<string>();
        var sync = new object();
        void Line(string? line)
        {
            if (line is null) return;
            lock (sync)
            {
                tail.Enqueue(line);
                if (tail.Count > TailLines) tail.Dequeue();
                onOutput?.Invoke(line);
            }
        }

        using var process = new Process { StartInfo = psi };
        try
        {
            process.Start();
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new ContainerizeException(RuntimeErrors.RuncNotFound, $"could not start runc ({RuncPath}): {e.Message}",
                hint: "install runc (apt-get install runc) or set the runtime's runc path", inner: e);
        }

        // RUN has no stdin: the command reads end-of-file, as under docker build.
        process.StandardInput.Close();
        var stdout = PumpAsync(process.StandardOutput, Line);
        var stderr = PumpAsync(process.StandardError, Line);
        try
        {
            await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            await KillAsync(containerId).ConfigureAwait(false);
            try
            {
                using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                await process.WaitForExitAsync(grace.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
            }

            await DeleteAsync(containerId).ConfigureAwait(false);
            throw;
        }

        await Task.WhenAll(stdout, stderr).ConfigureAwait(false);
        var started = File.Exists(pidFile);
        if (!started)
        {
            var log = ReadRuncLog(logFile);
            await DeleteAsync(containerId).ConfigureAwait(false);
            throw new ContainerizeException(RuntimeErrors.RuncFailed,
                $"runc could not start the container (exit {process.ExitCode}): {log}",
                file: Path.Combine(bundle, "config.json"),
                hint: "the bundle is kept in the folder named above; runc's own log is runc.log beside config.json");
        }

        // A foreground `runc run` removes its container when the process exits: no `runc delete` needed here.
        lock (sync) return new ContainerExit(process.ExitCode, tail.ToArray());
    }

    /// <summary>Kills the container's processes; used on cancellation.</summary>
    public async Task KillAsync(string containerId)
    {
        await RuncAsync(["--root", StateRoot, "kill", "--all", containerId, "KILL"]).ConfigureAwait(false);
    }

    /// <summary>Removes runc's state of a container, killing it first when it still runs.</summary>
    public async Task DeleteAsync(string containerId)
    {
        await RuncAsync(["--root", StateRoot, "delete", "--force", containerId]).ConfigureAwait(false);
    }

    private async Task<int> RuncAsync(IEnumerable<string> args)
    {
        var psi = new ProcessStartInfo(RuncPath) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) psi.ArgumentList.Add(a);
        if (Os.LibC.IsRootless) psi.Environment["XDG_RUNTIME_DIR"] = StateRoot;
        using var p = Process.Start(psi)!;
        var drain = Task.WhenAll(p.StandardOutput.ReadToEndAsync(), p.StandardError.ReadToEndAsync());
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            await p.WaitForExitAsync(limit.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            p.Kill(entireProcessTree: true);
        }

        await drain.ConfigureAwait(false);
        return p.HasExited ? p.ExitCode : -1;
    }

    private static async Task PumpAsync(StreamReader reader, Action<string?> line)
    {
        while (await reader.ReadLineAsync().ConfigureAwait(false) is { } l) line(l);
    }

    private static string ReadRuncLog(string logFile)
    {
        if (!File.Exists(logFile)) return "(no log)";
        var messages = new StringBuilder();
        foreach (var l in File.ReadLines(logFile))
        {
            // runc logs JSON-less text lines: time="..." level=error msg="..."
            var msg = l.IndexOf("msg=", StringComparison.Ordinal);
            if (l.Contains("level=error", StringComparison.Ordinal) || l.Contains("level=fatal", StringComparison.Ordinal))
                messages.Append(msg >= 0 ? l[(msg + 4)..].Trim('"') : l).Append("; ");
        }

        return messages.Length > 0 ? messages.ToString().TrimEnd(' ', ';') : string.Join(" ", File.ReadLines(logFile).TakeLast(3));
    }
}
