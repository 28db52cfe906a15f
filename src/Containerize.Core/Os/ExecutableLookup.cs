namespace Containerize.Core.Os;

/// <summary>Where <see cref="ExecutableLookup"/> looks: a PATH value, the environment it reads the rest from, and folders tried after PATH.</summary>
public sealed record ExecutableSearch
{
    /// <summary>The PATH to search; the environment's <c>PATH</c> when null.</summary>
    public string? SearchPath { get; init; }

    /// <summary>Variables as the caller sees them (PATH, PATHEXT, ProgramFiles, HOME); the process's by default.</summary>
    public Func<string, string?> Environment { get; init; } = System.Environment.GetEnvironmentVariable;

    /// <summary>Folders tried after every PATH entry, in order (install folders GUI-started processes lack on PATH).</summary>
    public IReadOnlyList<string> Fallbacks { get; init; } = [];
}

/// <summary>
/// Finds a program as the host's shell would, by <see cref="HostRules.Current"/>: on Windows PATH is split on ';'
/// (quotes and empty entries dropped) and each PATHEXT extension is tried (default <c>.COM;.EXE;.BAT;.CMD</c>),
/// names compared without case; on Unix PATH is split on ':' and only a file with an execute bit counts, so a
/// stray non-executable file of the same name does not hide the real program further down PATH.
/// </summary>
public static class ExecutableLookup
{
    private const string DefaultPathExt = ".COM;.EXE;.BAT;.CMD";

    /// <summary>The first match of <paramref name="name"/> (a bare name, or a path checked as it is), or null.</summary>
    public static string? Find(string name, ExecutableSearch? search = null) => Enumerate(name, search ?? new ExecutableSearch()).FirstOrDefault();

    /// <summary>Every match in search order (PATH, then the fallbacks), each folder once.</summary>
    public static IReadOnlyList<string> FindAll(string name, ExecutableSearch? search = null) => Enumerate(name, search ?? new ExecutableSearch()).ToList();

    /// <summary>The folders of a PATH value by the current rules, in order, without empty entries or quotes.</summary>
    public static IReadOnlyList<string> SplitPath(string? value)
    {
        var rules = HostRules.Current;
        var folders = new List<string>();
        foreach (var raw in (value ?? "").Split(rules.PathListSeparator))
        {
            // Windows keeps quotes in PATH entries that hold ';' or spaces; cmd.exe drops them, and so do we.
            var entry = rules.IsWindows ? raw.Trim().Replace("\"", "", StringComparison.Ordinal) : raw;
            if (entry.Length > 0) folders.Add(entry);
        }

        return folders;
    }

    /// <summary>The extensions tried on Windows, from PATHEXT (default when unset), each with its leading dot.</summary>
    public static IReadOnlyList<string> Extensions(string? pathExt)
    {
        var list = (string.IsNullOrWhiteSpace(pathExt) ? DefaultPathExt : pathExt)
            .Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(e => e.StartsWith('.') ? e : "." + e)
            .Distinct(StringComparer.OrdinalIgnoreCase)
            .ToList();
        return list.Count > 0 ? list : DefaultPathExt.Split(';');
    }

    /// <summary>
    /// Where Docker Desktop and Podman install their command-line tools (client, credential helpers) on the current
    /// OS: a process started from a desktop (an IDE, Finder) often has a PATH without them.
    /// </summary>
    public static IReadOnlyList<string> ContainerToolFolders(Func<string, string?>? environment = null)
    {
        environment ??= System.Environment.GetEnvironmentVariable;
        var rules = HostRules.Current;
        switch (rules.Os)
        {
            case HostOs.Windows:
            {
                var programFiles = environment("ProgramFiles") is { Length: > 0 } pf ? pf : "C:\\Program Files";
                return [Path.Combine(programFiles, "Docker", "Docker", "resources", "bin"), Path.Combine(programFiles, "RedHat", "Podman")];
            }

            case HostOs.MacOS:
            {
                var folders = new List<string> { "/Applications/Docker.app/Contents/Resources/bin" };
                if (environment("HOME") is { Length: > 0 } home) folders.Add(Path.Combine(home, ".docker", "bin"));
                folders.AddRange(["/opt/podman/bin", "/usr/local/bin", "/opt/homebrew/bin"]);
                return folders;
            }

            default:
                return ["/usr/bin", "/usr/local/bin"];
        }
    }

    private static IEnumerable<string> Enumerate(string name, ExecutableSearch search)
    {
        if (name.Length == 0) yield break;
        var rules = HostRules.Current;
        var extensions = rules.IsWindows ? Extensions(search.Environment("PATHEXT")) : [];
        if (name.IndexOfAny([.. rules.DirectorySeparators]) >= 0)
        {
            // A path is taken as it is (with PATHEXT on Windows), never searched for.
            if (Match(Path.GetFullPath(name), rules, extensions) is { } direct) yield return direct;
            yield break;
        }

        var seen = new HashSet<string>(rules.PathComparer);
        foreach (var folder in SplitPath(search.SearchPath ?? search.Environment("PATH")).Concat(search.Fallbacks))
        {
            if (!seen.Add(folder)) continue;
            if (Match(Path.Combine(folder, name), rules, extensions) is { } found) yield return found;
        }
    }

    private static string? Match(string candidate, HostRules rules, IReadOnlyList<string> extensions)
    {
        if (!rules.IsWindows) return File.Exists(candidate) && IsExecutable(candidate) ? candidate : null;

        // Windows: a name that already ends in one of PATHEXT's extensions is tried as it is, then each extension is
        // appended in PATHEXT's order (docker → docker.exe, docker-credential-desktop → .exe, a helper → .cmd).
        var ext = Path.GetExtension(candidate);
        if (ext.Length > 0 && extensions.Contains(ext, StringComparer.OrdinalIgnoreCase) && ExistsIgnoringCase(candidate) is { } asIs) return asIs;
        foreach (var e in extensions)
        {
            if (ExistsIgnoringCase(candidate + e) is { } withExt) return withExt;
        }

        return null;
    }

    /// <summary>
    /// The file as it is named in its folder when a name differing only in case exists: Windows' own file systems
    /// ignore case, so this only lists the folder where Windows rules are applied to a case-sensitive one (CI).
    /// </summary>
    private static string? ExistsIgnoringCase(string path)
    {
        if (File.Exists(path)) return path;
        if (OperatingSystem.IsWindows() || OperatingSystem.IsMacOS()) return null;
        var folder = Path.GetDirectoryName(path);
        if (folder is null || !Directory.Exists(folder)) return null;
        var name = Path.GetFileName(path);
        try
        {
            return Directory.EnumerateFiles(folder).FirstOrDefault(f => string.Equals(Path.GetFileName(f), name, StringComparison.OrdinalIgnoreCase));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static bool IsExecutable(string path)
    {
        // Unix rules applied on a Windows machine (never in practice): no mode bits to ask.
        if (OperatingSystem.IsWindows()) return true;
        try
        {
            // GetUnixFileMode follows a symlink, so a link counts by what it points at, as execve sees it.
            return (File.GetUnixFileMode(path) & (UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute)) != 0;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }
}
