using System.Diagnostics;
using Containerize.Core.Diagnostics;
using Containerize.Core.Os;

namespace Containerize.Core.Context.Git;

/// <summary>The outcome of one git command: its exit code and its stderr (already redacted).</summary>
public sealed record GitOutput(int ExitCode, string StdOut, string StdErr)
{
    public bool Succeeded => ExitCode == 0;
}

/// <summary>
/// Runs the <c>git</c> program (it brings the user's credential helpers, ssh, proxies and config): never a prompt
/// (<c>GIT_TERMINAL_PROMPT=0</c>, stdin closed), English messages (<c>LC_ALL=C</c>, so failures can be classified),
/// no protocol a repository may pick for itself beyond http(s)/git/ssh (<c>GIT_PROTOCOL_FROM_USER=0</c>, as moby),
/// a time limit per command, and the whole process tree killed on cancellation or timeout.
/// </summary>
public sealed class GitProcess
{
    private readonly string _program;
    private readonly TimeSpan _timeout;
    private readonly Func<string, string> _redact;

    private GitProcess(string program, TimeSpan timeout, Func<string, string> redact)
    {
        _program = program;
        _timeout = timeout;
        _redact = redact;
    }

    /// <summary>Finds git on PATH; CTZ2151 when it is not installed.</summary>
    public static GitProcess Locate(TimeSpan timeout, Func<string, string> redact) =>
        new(ExecutableLookup.Find("git") ?? throw new ContainerizeException(GitErrors.GitNotFound,
                "a git URL context needs the git program, which is not on PATH",
                hint: "install git (apt-get install git, or git-scm.com), or clone the repository yourself and build the folder"),
            timeout, redact);

    public async Task<GitOutput> RunAsync(string workingDirectory, IReadOnlyList<string> arguments, CancellationToken cancellationToken)
    {
        var psi = new ProcessStartInfo(_program)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in arguments) psi.ArgumentList.Add(a);
        psi.Environment["GIT_TERMINAL_PROMPT"] = "0";
        psi.Environment["GIT_PROTOCOL_FROM_USER"] = "0";
        psi.Environment["LC_ALL"] = "C";
        psi.Environment["LANGUAGE"] = "C";
        // The repository of the folder we run in is ours: no GIT_DIR or work tree from the caller's environment.
        foreach (var variable in new[] { "GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_OBJECT_DIRECTORY", "GIT_ALTERNATE_OBJECT_DIRECTORIES", "GIT_NAMESPACE", "GIT_CEILING_DIRECTORIES" })
        {
            psi.Environment.Remove(variable);
        }

        using var process = Process.Start(psi) ?? throw new ContainerizeException(GitErrors.GitFailed, "git could not be started", hint: "check the git installation");
        process.StandardInput.Close();
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(_timeout);
        var stdout = process.StandardOutput.ReadToEndAsync(limit.Token);
        var stderr = process.StandardError.ReadToEndAsync(limit.Token);
        try
        {
            await process.WaitForExitAsync(limit.Token).ConfigureAwait(false);
            return new GitOutput(process.ExitCode, await stdout.ConfigureAwait(false), _redact(await stderr.ConfigureAwait(false)));
        }
        catch (OperationCanceledException)
        {
            try
            {
                process.Kill(entireProcessTree: true);
            }
            catch (InvalidOperationException)
            {
                // It exited in between.
            }

            await process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();
            throw new ContainerizeException(GitErrors.TimedOut, $"git {Describe(arguments)} did not finish within {_timeout.TotalSeconds:0} s",
                hint: "check the network and the remote; CONTAINERIZE_GIT_TIMEOUT sets the limit in seconds");
        }
    }

    /// <summary>The git command's name (fetch, checkout), for a message: never a URL.</summary>
    private static string Describe(IReadOnlyList<string> arguments) =>
        arguments.FirstOrDefault(a => !a.StartsWith('-') && !a.Contains('=', StringComparison.Ordinal) && !a.Contains(':', StringComparison.Ordinal)) ?? "";
}
