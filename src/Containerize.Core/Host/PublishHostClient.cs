using System.ComponentModel;
using System.Diagnostics;
using System.Text;
using Containerize.Core.Diagnostics;
using Containerize.Core.Os;
using Containerize.Core.Publishing;

namespace Containerize.Core.Host;

/// <summary>What became of a publish handed to the native host.</summary>
/// <param name="Ran">False when the host could not start or spoke another protocol: the caller publishes itself.</param>
/// <param name="Succeeded">The host published; its outputs are in obj/container/image.json.</param>
/// <param name="Why">Why the host did not run, for the detailed log.</param>
public sealed record PublishHostOutcome(bool Ran, bool Succeeded, string? Why = null);

/// <summary>
/// Runs a publish in the native (NativeAOT) <c>containerize</c> shipped in the package instead of MSBuild's process.
/// In MSBuild every generic instantiation of our async state machines and JSON metadata is compiled by the JIT on each
/// publish, and ReadyToRun cannot precompile them: that JIT was most of a clean publish's container part. The host has
/// none. Its protocol lines are replayed into the task's sink, so errors keep their codes, files, lines and hints.
/// Closing its standard input cancels it: a cancelled build, or an MSBuild node that dies, stops it.
/// </summary>
public sealed class PublishHostClient(string hostPath, IDiagnosticSink sink)
{
    private static readonly TimeSpan KillAfter = TimeSpan.FromSeconds(10);

    /// <summary>Why <paramref name="hostPath"/> cannot run here, or null when it can (made executable if NuGet dropped the bit).</summary>
    public static string? WhyUnusable(string? hostPath) => WhyUnusable(hostPath, LibC.GlibcVersion);

    /// <summary>
    /// As <see cref="WhyUnusable(string?)"/>, on a machine whose glibc is <paramref name="glibc"/> (null: not glibc, e.g.
    /// musl). The host is a glibc program: one that needs a newer glibc than the machine's, or any glibc on musl,
    /// would only fail to start, so it is not started at all.
    /// </summary>
    internal static string? WhyUnusable(string? hostPath, Version? glibc)
    {
        if (string.IsNullOrWhiteSpace(hostPath)) return "no native publish host for this machine";
        if (!OperatingSystem.IsLinux()) return "the native publish host runs on Linux only";
        if (!File.Exists(hostPath)) return $"no native publish host at {hostPath}";
        if (WhyNotThisCLibrary(hostPath, glibc) is { } why) return why;
        try
        {
            // NuGet extracts packages without file modes.
            var mode = File.GetUnixFileMode(hostPath);
            const UnixFileMode execute = UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;
            if ((mode & UnixFileMode.UserExecute) == 0) File.SetUnixFileMode(hostPath, mode | execute);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return $"the native publish host {hostPath} is not executable and cannot be made so ({e.Message})";
        }

        return null;
    }

    private static string? WhyNotThisCLibrary(string hostPath, Version? glibc)
    {
        ElfVersionNeeds? needs;
        try
        {
            needs = ElfVersionNeeds.Read(hostPath);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return $"the native publish host {hostPath} cannot be read ({e.Message})";
        }

        // Not an ELF file we read (a script in tests), or one that needs no glibc: the start decides.
        if (needs?.HighestGlibc is not { } needed) return null;
        if (glibc is null) return $"the native publish host {hostPath} needs glibc {needed} and this machine's C library is not glibc (musl?)";
        return glibc < needed ? $"the native publish host {hostPath} needs glibc {needed} and this machine has glibc {glibc}" : null;
    }

    public async Task<PublishHostOutcome> RunAsync(ContainerPublishRequest request, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(hostPath)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            // As MSBuild runs tasks: relative paths a setting may still hold resolve from the project.
            WorkingDirectory = request.Project.ProjectDirectory,
            StandardInputEncoding = new UTF8Encoding(false),
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        foreach (var a in (string[])["msbuild-host", "--request", "-"]) start.ArgumentList.Add(a);
        Process process;
        try
        {
            process = Process.Start(start) ?? throw new Win32Exception("no process");
        }
        catch (Win32Exception e)
        {
            return new PublishHostOutcome(false, false, $"the native publish host {hostPath} did not start: {e.Message}");
        }

        using (process)
        {
            // Started first: the request is written while the host starts up.
            var output = new OutputLines(sink, process);
            process.OutputDataReceived += (_, e) => output.Add(e.Data);
            process.ErrorDataReceived += (_, e) => output.AddError(e.Data);
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            try
            {
                var json = PublishRequestWriter.ToUtf8(request);
                var stdin = process.StandardInput.BaseStream;
                await stdin.WriteAsync(json, cancellationToken).ConfigureAwait(false);
                stdin.WriteByte((byte)'\n');
                await stdin.FlushAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (IOException)
            {
                // It exited without reading: what it said tells why, below.
            }

            PhaseTimer.Mark("host: request written");
            using (cancellationToken.Register(() => Cancel(process)))
            {
                await process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
                // Without a timeout, this one also waits until both streams are read to their end.
                process.WaitForExit();
            }

            PhaseTimer.Mark("host: exited");
            cancellationToken.ThrowIfCancellationRequested();
            if (output.Protocol != DiagnosticLines.ProtocolVersion)
            {
                return new PublishHostOutcome(false, false, output.Protocol is null
                    ? $"the native publish host {hostPath} exited with code {process.ExitCode} before it answered{Said(output.Unanswered)}"
                    : $"the native publish host {hostPath} speaks protocol {output.Protocol}, this task {DiagnosticLines.ProtocolVersion}");
            }

            if (process.ExitCode != 0 && !output.ReportedError)
            {
                // A crash (a signal, out of memory) reports nothing itself.
                sink.Report(new Diagnostic(GeneralErrors.Unexpected, Severity.Error,
                    $"the native publish host exited with code {process.ExitCode} without reporting an error{Said(output.Unanswered)}",
                    request.Project.ProjectPath, Hint: "-p:ContainerizeInProcess=true runs the publish in MSBuild's process; please report the failure"));
            }

            return new PublishHostOutcome(true, process.ExitCode == 0);
        }
    }

    private static string Said(string text) => text.Trim() is { Length: > 0 } t ? ": " + (t.Length <= 2000 ? t : "..." + t[^2000..]) : "";

    private static void Cancel(Process process)
    {
        try
        {
            process.StandardInput.Close();
        }
        catch (Exception e) when (e is IOException or InvalidOperationException)
        {
            // Already gone.
        }

        _ = Task.Delay(KillAfter).ContinueWith(_ => Kill(process), TaskScheduler.Default);
    }

    private static void Kill(Process process)
    {
        try
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
        }
        catch (Exception e) when (e is InvalidOperationException or Win32Exception or NotSupportedException)
        {
            // Exited meanwhile.
        }
    }

    /// <summary>
    /// The host's two streams, line by line, as they arrive: protocol lines are replayed into the sink once the host
    /// said hello; its CONTAINERIZE_TIMINGS report (standard error) goes to the log as it does in-process; anything
    /// else is kept for a failure message.
    /// </summary>
    private sealed class OutputLines(IDiagnosticSink sink, Process process)
    {
        private readonly Lock _lock = new();
        private readonly StringBuilder _unanswered = new();
        private readonly Sink _sink = new(sink);

        public int? Protocol { get; private set; }

        public bool ReportedError => _sink.ReportedError;

        public string Unanswered
        {
            get
            {
                lock (_lock) return _unanswered.ToString();
            }
        }

        public void Add(string? line)
        {
            if (line is null) return;
            if (Protocol is null)
            {
                if (DiagnosticLines.TryReplay(line, _sink, out var hello) && hello is { } version)
                {
                    Protocol = version;
                    if (version != DiagnosticLines.ProtocolVersion) Kill(process);
                    return;
                }

                Keep(line);
                return;
            }

            if (Protocol == DiagnosticLines.ProtocolVersion && !DiagnosticLines.TryReplay(line, _sink, out _)) sink.Detail(line);
        }

        public void AddError(string? line)
        {
            if (line is null) return;
            if (line.StartsWith("timing ", StringComparison.Ordinal)) sink.Info("host " + line);
            else Keep(line);
        }

        private void Keep(string line)
        {
            lock (_lock)
            {
                if (_unanswered.Length < 64 * 1024) _unanswered.AppendLine(line);
            }
        }
    }

    private sealed class Sink(IDiagnosticSink inner) : IDiagnosticSink
    {
        public bool ReportedError { get; private set; }

        public void Report(Diagnostic diagnostic)
        {
            if (diagnostic.Severity == Severity.Error) ReportedError = true;
            inner.Report(diagnostic);
        }

        public void Info(string message) => inner.Info(message);

        public void Detail(string message) => inner.Detail(message);
    }
}
