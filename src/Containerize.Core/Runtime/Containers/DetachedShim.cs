using System.Diagnostics;
using Containerize.Core.Diagnostics;
using Containerize.Core.Runtime.Bundles;

namespace Containerize.Core.Runtime.Containers;

/// <summary>
/// What keeps a detached container's exit code with no daemon: a small shell in its own session (setsid) that runs
/// `runc run` in the foreground with the output appended to output.log, then writes exit-code (temp file + rename),
/// unmounts the rootfs and, for --rm, deletes the folder. The CLI that started it may exit at once.
/// </summary>
internal static class DetachedShim
{
    public const string OutputFile = "output.log";

    public const string ExitCodeFile = "exit-code";

    public const string PidFile = "container.pid";

    private const string Script = """
        #!/bin/sh
        # containerize detached container shim: runc run in the foreground, then the exit code.
        runc="$1"; state="$2"; dir="$3"; id="$4"; remove="$5"
        exec </dev/null >/dev/null 2>&1
        "$runc" --root "$state" --log "$dir/runc.log" run --bundle "$dir" --pid-file "$dir/container.pid" "$id" </dev/null >>"$dir/output.log" 2>&1
        code=$?
        # The container's network (and its published ports) ends with it.
        # Wait (at most 5 s) until it is gone or a zombie, so its ports are free once exit-code says the container ended.
        if [ -f "$dir/slirp4netns.pid" ]; then
          net=$(cat "$dir/slirp4netns.pid"); kill "$net" 2>/dev/null; i=0
          while [ "$i" -lt 250 ]; do
            state=$(cut -d' ' -f3 "/proc/$net/stat" 2>/dev/null); { [ -z "$state" ] || [ "$state" = Z ]; } && break
            i=$((i+1)); sleep 0.02
          done
        fi
        umount "$dir/rootfs" 2>/dev/null
        echo "$code" > "$dir/exit-code.tmp" && mv "$dir/exit-code.tmp" "$dir/exit-code"
        if [ "$remove" = 1 ]; then rm -rf "$dir"; fi
        """;

    public static async Task StartAsync(string runc, string stateRoot, string folder, string id, bool removeOnExit, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(stateRoot);
        var script = Path.Combine(folder, "shim.sh");
        await File.WriteAllTextAsync(script, Script.ReplaceLineEndings("\n") + "\n", cancellationToken).ConfigureAwait(false);
        await File.WriteAllTextAsync(Path.Combine(folder, OutputFile), "", cancellationToken).ConfigureAwait(false);
        var setsid = RuncProcess.FindRunc("setsid")
            ?? throw new ContainerizeException(RuntimeErrors.RuncNotFound, "setsid not found: a detached container needs it", hint: "install util-linux");
        var psi = new ProcessStartInfo(setsid)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = folder,
        };
        foreach (var a in new[] { "-f", "/bin/sh", script, runc, stateRoot, folder, id, removeOnExit ? "1" : "0" }) psi.ArgumentList.Add(a);
        if (Os.LibC.IsRootless) psi.Environment["XDG_RUNTIME_DIR"] = stateRoot;
        using (var setsidProcess = Process.Start(psi)!)
        {
            setsidProcess.StandardInput.Close();
            await setsidProcess.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        }

        // Started when runc wrote the pid file; ended at once when the exit code is there; runc's failure leaves no pid file.
        var pid = Path.Combine(folder, PidFile);
        var exit = Path.Combine(folder, ExitCodeFile);
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(TimeSpan.FromMinutes(1));
        while (!File.Exists(pid))
        {
            if (File.Exists(exit) || !Directory.Exists(folder))
            {
                if (File.Exists(pid) || !Directory.Exists(folder)) return;
                var log = Path.Combine(folder, "runc.log");
                throw new ContainerizeException(RuntimeErrors.RuncFailed,
                    $"runc could not start the container: {(File.Exists(log) ? string.Join(" ", File.ReadLines(log).TakeLast(3)) : "(no log)")}",
                    file: Path.Combine(folder, "config.json"), hint: "the bundle is kept; runc's own log is runc.log beside config.json");
            }

            try
            {
                await Task.Delay(20, limit.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new ContainerizeException(RuntimeErrors.RuncFailed, "the container did not start within a minute",
                    file: Path.Combine(folder, "config.json"), hint: "see runc.log beside config.json");
            }
        }
    }
}
