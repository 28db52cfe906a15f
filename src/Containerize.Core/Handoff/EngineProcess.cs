using System.Diagnostics;
using System.Text.RegularExpressions;
using System.Text;

namespace Containerize.Core.Handoff;

/// <summary>The outcome of one client invocation; Output holds stdout and stderr lines in arrival order.</summary>
public sealed record EngineProcessResult(int ExitCode, IReadOnlyList<string> StdOut, IReadOnlyList<string> StdErr)
{
    public string StdOutText => string.Join('\n', StdOut);

    public string StdErrText => string.Join('\n', StdErr);
}

/// <summary>
/// Runs an engine client (docker, podman) with a streamed stdin, handing every output line to a callback as it
/// arrives so that a long build shows progress in the log instead of at the end.
/// </summary>
public static partial class EngineProcess
{
    public static async Task<EngineProcessResult> RunAsync(
        string fileName,
        IEnumerable<string> arguments,
        IReadOnlyDictionary<string, string?>? environment = null,
        Func<Stream, CancellationToken, Task>? stdin = null,
        Action<string, bool>? onLine = null,
        CancellationToken cancellationToken = default)
    {
        var psi = new ProcessStartInfo(fileName)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        foreach (var a in arguments) psi.ArgumentList.Add(a);
        if (environment is not null)
        {
            foreach (var (k, v) in environment)
            {
                if (v is null) psi.Environment.Remove(k);
                else psi.Environment[k] = v;
            }
        }

        Process process;
        try
        {
            process = Process.Start(psi) ?? throw new InvalidOperationException("Process.Start returned null");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new Diagnostics.ContainerizeException(
                HandoffErrors.ClientNotFound, $"cannot run {fileName}: {e.Message}", hint: "install the engine's client, " + HandoffErrors.BuiltinHint);
        }

        using (process)
        {
            var stdout = new List<string>();
            var stderr = new List<string>();
            var gate = new object();
            IOException? stdinError = null;
            var outTask = PumpAsync(process.StandardOutput, stdout, false);
            var errTask = PumpAsync(process.StandardError, stderr, true);

            using var registration = cancellationToken.Register(() =>
            {
                try
                {
                    process.Kill(entireProcessTree: true);
                }
                catch (InvalidOperationException)
                {
                }
            });

            try
            {
                if (stdin is not null) await stdin(process.StandardInput.BaseStream, cancellationToken);
            }
            catch (IOException e)
            {
                // The client exited before reading all of the context (a bad option, a dead daemon):
                // its own message, read below, says why; a broken pipe would hide it, so it only goes to the log.
                stdinError = e;
            }
            finally
            {
                try
                {
                    process.StandardInput.Close();
                }
                catch (IOException)
                {
                }
            }

            await process.WaitForExitAsync(CancellationToken.None);
            await Task.WhenAll(outTask, errTask);
            cancellationToken.ThrowIfCancellationRequested();
            if (stdinError is not null && process.ExitCode != 0) onLine?.Invoke($"(writing to {Path.GetFileName(fileName)}'s stdin stopped: {stdinError.Message})", true);
            return new EngineProcessResult(process.ExitCode, stdout, stderr);

            async Task PumpAsync(StreamReader reader, List<string> into, bool isError)
            {
                while (await reader.ReadLineAsync(CancellationToken.None) is { } raw)
                {
                    var line = StripAnsi(raw);
                    lock (gate)
                    {
                        into.Add(line);
                        onLine?.Invoke(line, isError);
                    }
                }
            }
        }
    }

    /// <summary>The classic builder colours a RUN step's stderr (ESC[91m ... ESC[0m) even when not on a terminal.</summary>
    public static string StripAnsi(string line) => line.Contains('\u001b') ? AnsiPattern().Replace(line, "") : line;

    [GeneratedRegex(@"\u001b\[[0-9;?]*[A-Za-z]")]
    private static partial Regex AnsiPattern();
}
