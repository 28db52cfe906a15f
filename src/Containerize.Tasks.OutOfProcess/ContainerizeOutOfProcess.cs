using System;
using System.Collections.Generic;
using System.ComponentModel;
using System.Diagnostics;
using System.IO;
using System.Runtime.InteropServices;
using System.Text;
using System.Threading;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

namespace Containerize.Tasks.OutOfProcess;

/// <summary>
/// ContainerizeBuild or ContainerizeIndex for an MSBuild that cannot load the net10.0 tasks: it writes the targets'
/// inputs, unmapped, as one JSON line to <c>containerize msbuild-host --inputs -</c> and replays the host's protocol
/// lines into the log, so codes, files, lines and hints are those of the in-process task. The host is the package's
/// native one where it runs (linux-x64), else <c>dotnet containerize.dll</c> on a .NET 10 (or later) runtime.
/// Closing the host's input cancels it.
/// </summary>
public sealed class ContainerizeOutOfProcess : Task, ICancelableTask
{
    private const int ProtocolVersion = 1;
    private const string Unexpected = "CTZ0004";
    private const string CancelledCode = "CTZ0005";
    private const string NoDotnetForHost = "CTZ6037";
    private static readonly TimeSpan KillAfter = TimeSpan.FromSeconds(10);

    private readonly CancellationTokenSource _cancellation = new();

    /// <summary>ContainerizeBuild or ContainerizeIndex: which of Core's mappings the host applies.</summary>
    [Required] public string TaskName { get; set; } = "";

    /// <summary>The targets' input items, as the net10.0 task gets them.</summary>
    [Required] public ITaskItem[] Inputs { get; set; } = [];

    /// <summary>The package's native containerize for this machine; tried first when it exists.</summary>
    public string? HostPath { get; set; }

    /// <summary>The package's framework-dependent containerize.dll.</summary>
    [Required] public string CliAssembly { get; set; } = "";

    /// <summary>The dotnet that runs it: DOTNET_HOST_PATH, else dotnet on PATH.</summary>
    public string? DotnetHost { get; set; }

    [Output] public bool Built { get; private set; }

    public void Cancel() => _cancellation.Cancel();

    public override bool Execute()
    {
        var projectPath = ProjectPath();
        byte[] inputs = InputsJson.ToUtf8(TaskName, Inputs);
        var said = new StringBuilder();
        if (!string.IsNullOrEmpty(HostPath) && File.Exists(HostPath))
        {
            var native = Run(HostPath!, "msbuild-host --inputs -", inputs, "the native host " + HostPath);
            if (native.NotStarted && MadeExecutable(HostPath!)) native = Run(HostPath!, "msbuild-host --inputs -", inputs, "the native host " + HostPath);
            if (native.Answered) return Finish(native, projectPath);
            said.AppendLine($"the native host {HostPath}: {native.Why}");
        }

        var dotnet = string.IsNullOrEmpty(DotnetHost) ? "dotnet" : DotnetHost!;
        // Major: a machine with a later runtime only (say .NET 11) runs it too.
        var run = Run(dotnet, $"exec --roll-forward Major {Quote(CliAssembly)} msbuild-host --inputs -", inputs, $"{dotnet} {CliAssembly}");
        if (run.Answered) return Finish(run, projectPath);
        said.Append(run.Why);
        if (!_cancellation.IsCancellationRequested)
        {
            // One line: MSBuild's summary shows an error's first line only.
            var why = string.Join(" ", said.ToString().Split(new[] { '\r', '\n' }, StringSplitOptions.RemoveEmptyEntries)).Trim();
            Log.LogError(null, NoDotnetForHost, null, projectPath, 0, 0, 0, 0,
                $"Containerize's out-of-process host did not start (this MSBuild runs on {RuntimeInformation.FrameworkDescription} and cannot load the net10.0 tasks, or ContainerizeTaskHost=OutOfProcess): {why} " +
                "(hint: install the .NET 10 runtime or SDK (https://dot.net), or set DOTNET_HOST_PATH to a dotnet that has it; the dotnet CLI of the .NET 10 SDK runs the tasks in its own process)");
        }

        return Done();
    }

    // NuGet extracts packages without file modes; netstandard2.0 has no chmod of its own.
    private static bool MadeExecutable(string path)
    {
        if (RuntimeInformation.IsOSPlatform(OSPlatform.Windows)) return false;
        try
        {
            using var chmod = Process.Start(new ProcessStartInfo("chmod", "+x " + Quote(path)) { UseShellExecute = false, CreateNoWindow = true });
            if (chmod is null) return false;
            chmod.WaitForExit();
            return chmod.ExitCode == 0;
        }
        catch (Win32Exception)
        {
            return false;
        }
    }

    private bool Finish(HostRun run, string projectPath)
    {
        if (_cancellation.IsCancellationRequested) return Done();
        if (run.ExitCode != 0 && !run.ReportedError)
        {
            // A crash (a signal, out of memory) reports nothing itself.
            Log.LogError(null, Unexpected, null, projectPath, 0, 0, 0, 0,
                $"the publish host exited with code {run.ExitCode} without reporting an error{Said(run.Unanswered)} (hint: please report the failure with the detailed log, -v:d)");
        }

        Built = run.ExitCode == 0;
        return Done();
    }

    private bool Done()
    {
        if (_cancellation.IsCancellationRequested) Log.LogWarning(null, CancelledCode, null, null, 0, 0, 0, 0, "cancelled");
        return !Log.HasLoggedErrors;
    }

    private string ProjectPath()
    {
        foreach (var i in Inputs)
        {
            if (i.ItemSpec == "ProjectPath" && i.GetMetadata("ContainerizeList").Length == 0) return i.GetMetadata("ContainerizeValue");
        }

        return "";
    }

    private HostRun Run(string fileName, string arguments, byte[] inputs, string what)
    {
        var start = new ProcessStartInfo(fileName, arguments)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            CreateNoWindow = true,
            // As MSBuild runs tasks: relative paths a setting may still hold resolve from the project.
            WorkingDirectory = Path.GetDirectoryName(Path.GetFullPath(ProjectPath())) ?? "",
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        Process process;
        try
        {
            process = Process.Start(start) ?? throw new Win32Exception("no process");
        }
        catch (Win32Exception e)
        {
            return HostRun.Failed($"did not start ({e.Message})");
        }

        using (process)
        {
            Log.LogMessage(MessageImportance.Normal, $"Containerize: image build out of MSBuild's process, in {what}");
            var run = new HostRun(this);
            process.OutputDataReceived += (_, e) => run.Add(e.Data);
            process.ErrorDataReceived += (_, e) => run.AddError(e.Data);
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            try
            {
                var stdin = process.StandardInput.BaseStream;
                stdin.Write(inputs, 0, inputs.Length);
                stdin.WriteByte((byte)'\n');
                stdin.Flush();
            }
            catch (IOException)
            {
                // It exited without reading: what it said tells why, below.
            }

            using (_cancellation.Token.Register(() => Stop(process)))
            {
                // Without a timeout, this also waits until both streams are read to their end.
                process.WaitForExit();
            }

            run.ExitCode = process.ExitCode;
            if (run.Protocol is null) run.Why = $"exited with code {process.ExitCode} before it answered{Said(run.Unanswered)}";
            else if (run.Protocol != ProtocolVersion) run.Why = $"speaks protocol {run.Protocol}, this task {ProtocolVersion}";
            return run;
        }
    }

    private static void Stop(Process process)
    {
        try
        {
            process.StandardInput.Close();
        }
        catch (Exception e) when (e is IOException or InvalidOperationException)
        {
            // Already gone.
        }

        System.Threading.Tasks.Task.Delay(KillAfter).ContinueWith(_ =>
        {
            try
            {
                if (!process.HasExited) process.Kill();
            }
            catch (Exception e) when (e is InvalidOperationException or Win32Exception)
            {
                // Exited meanwhile.
            }
        }, System.Threading.Tasks.TaskScheduler.Default);
    }

    private static string Said(string text) => text.Trim() is { Length: > 0 } t ? ": " + (t.Length <= 2000 ? t : "..." + t.Substring(t.Length - 2000)) : "";

    // Windows' command-line rules, which .NET also applies when it splits the arguments on Unix.
    private static string Quote(string arg)
    {
        var b = new StringBuilder("\"");
        var backslashes = 0;
        foreach (var c in arg)
        {
            if (c == '\\')
            {
                backslashes++;
                continue;
            }

            b.Append('\\', c == '"' ? backslashes * 2 + 1 : backslashes).Append(c);
            backslashes = 0;
        }

        return b.Append('\\', backslashes * 2).Append('"').ToString();
    }

    /// <summary>The host's two streams, line by line: protocol lines replayed into the log once it said hello.</summary>
    private sealed class HostRun(ContainerizeOutOfProcess task)
    {
        private readonly object _lock = new();
        private readonly StringBuilder _unanswered = new();

        public int? Protocol { get; private set; }

        public bool ReportedError { get; private set; }

        public int ExitCode { get; set; }

        public string Why { get; set; } = "";

        public bool Answered => Protocol == ProtocolVersion;

        public string Unanswered
        {
            get
            {
                lock (_lock) return _unanswered.ToString();
            }
        }

        public bool NotStarted { get; private set; }

        public static HostRun Failed(string why) => new(null!) { Why = why, NotStarted = true };

        public void Add(string? line)
        {
            if (line is null) return;
            var fields = line.StartsWith("{", StringComparison.Ordinal) ? ProtocolLine.Parse(line) : null;
            lock (_lock)
            {
                if (Protocol is null)
                {
                    if (fields is not null && Get(fields, "kind") == "hello")
                    {
                        Protocol = int.TryParse(Get(fields, "protocol"), out var v) ? v : 0;
                        return;
                    }

                    Keep(line);
                    return;
                }

                if (Protocol != ProtocolVersion) return;
                if (fields is null || !Replay(fields)) task.Log.LogMessage(MessageImportance.Low, line);
            }
        }

        public void AddError(string? line)
        {
            if (line is null) return;
            lock (_lock)
            {
                if (line.StartsWith("timing ", StringComparison.Ordinal)) task.Log.LogMessage(MessageImportance.High, "host " + line);
                else Keep(line);
            }
        }

        // As the in-process task's MSBuildSink logs a diagnostic.
        private bool Replay(Dictionary<string, string> fields)
        {
            var message = Get(fields, "message") ?? "";
            switch (Get(fields, "kind"))
            {
                case "report":
                    var hint = Get(fields, "hint");
                    var text = hint is null ? message : $"{message} (hint: {hint})";
                    var code = Get(fields, "code") ?? Unexpected;
                    var file = Get(fields, "file");
                    var line = int.TryParse(Get(fields, "line"), out var l) ? l : 0;
                    switch (Get(fields, "severity"))
                    {
                        case "Warning":
                            task.Log.LogWarning(null, code, null, file, line, 0, 0, 0, text);
                            break;
                        case "Error":
                        case null:
                            ReportedError = true;
                            task.Log.LogError(null, code, null, file, line, 0, 0, 0, text);
                            break;
                        default:
                            task.Log.LogMessage(MessageImportance.High, $"{code}: {text}");
                            break;
                    }

                    return true;
                case "info":
                    task.Log.LogMessage(MessageImportance.High, message);
                    return true;
                case "detail":
                    task.Log.LogMessage(MessageImportance.Low, message);
                    return true;
                default:
                    return false;
            }
        }

        private void Keep(string line)
        {
            if (_unanswered.Length < 64 * 1024) _unanswered.AppendLine(line);
        }

        private static string? Get(Dictionary<string, string> fields, string name) => fields.TryGetValue(name, out var v) ? v : null;
    }
}
