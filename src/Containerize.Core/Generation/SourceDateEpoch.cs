using System.Diagnostics;
using System.Globalization;

namespace Containerize.Core.Generation;

/// <summary>
/// The time ContainerSourceDateEpoch stands for when the project does not set it: SOURCE_DATE_EPOCH from the environment,
/// else the time of the last git commit of the project's repository, else the fixed epoch (1970), so that the same
/// inputs give the same digest. It dates
/// the config, the history and the created label; layer file times stay at the fixed epoch whatever it is.
/// </summary>
public static class SourceDateEpoch
{
    /// <summary>The fixed epoch when nothing else dates the image: 1970, as the layer times.</summary>
    public const string FixedEpoch = "0";

    public static async Task<string> ResolveAsync(string? property, string projectDirectory, Func<string, string?> environment, CancellationToken cancellationToken)
    {
        if (!string.IsNullOrWhiteSpace(property)) return property.Trim();
        if (environment("SOURCE_DATE_EPOCH") is { Length: > 0 } fromEnv) return fromEnv.Trim();
        return await LastCommitTimeAsync(projectDirectory, cancellationToken).ConfigureAwait(false) ?? FixedEpoch;
    }

    /// <summary><c>git log -1 --format=%ct</c> in the folder; null outside a repository or without git.</summary>
    public static async Task<string?> LastCommitTimeAsync(string directory, CancellationToken cancellationToken)
    {
        if (!InsideGitRepository(directory)) return null;
        try
        {
            var start = new ProcessStartInfo("git") { WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var a in new[] { "log", "-1", "--format=%ct" }) start.ArgumentList.Add(a);
            using var git = Process.Start(start);
            if (git is null) return null;
            var stdout = git.StandardOutput.ReadToEndAsync(cancellationToken);
            _ = git.StandardError.ReadToEndAsync(cancellationToken);
            await git.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
            var text = (await stdout.ConfigureAwait(false)).Trim();
            return git.ExitCode == 0 && long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out _) ? text : null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            // No git on PATH: the fixed epoch.
            return null;
        }
    }

    // Spares a process start outside repositories (most test folders, CI artifacts).
    private static bool InsideGitRepository(string directory)
    {
        for (var d = new DirectoryInfo(directory); d is not null; d = d.Parent)
        {
            var git = Path.Combine(d.FullName, ".git");
            if (Directory.Exists(git) || File.Exists(git)) return true;
        }

        return false;
    }
}
