using Containerize.Core.Os;
using Containerize.Core.Diagnostics;

namespace Containerize.Core.Context;

/// <summary>
/// A build context: the folder, the Dockerfile, and the ignore file that applies. The source of truth for "what
/// is in the context", for our engine (BuildKit's semantics: Dockerfile and .dockerignore are ordinary files that
/// the ignore file may exclude) and for the Docker hand-off (<see cref="ForDockerClient"/>).
/// </summary>
public sealed class BuildContext
{
    private BuildContext(string root, string? dockerfile, string? ignoreFile, IReadOnlyList<IgnoreLine> lines, PatternMatcher excludes)
    {
        Root = root;
        DockerfilePath = dockerfile;
        IgnoreFilePath = ignoreFile;
        IgnoreLines = lines;
        Excludes = excludes;
    }

    /// <summary>The context folder, absolute, without a trailing separator.</summary>
    public string Root { get; }

    /// <summary>The Dockerfile, absolute (it may lie outside the context, or not exist when not given).</summary>
    public string? DockerfilePath { get; }

    /// <summary>The ignore file in use, or null when there is none.</summary>
    public string? IgnoreFilePath { get; }

    public IReadOnlyList<IgnoreLine> IgnoreLines { get; }

    public PatternMatcher Excludes { get; }

    /// <summary>
    /// Modes of context files ('/'-separated, relative) the caller knows, for file systems without modes
    /// (<see cref="ModeRule"/>): the app host and ContainerExecutable items 0755, package files 0744. Null: none known.
    /// </summary>
    public IReadOnlyDictionary<string, UnixFileMode>? FileModes { get; private init; }

    /// <summary>This context with the file modes the caller knows of (a Host-mode publish knows its app host and packages).</summary>
    public BuildContext WithFileModes(IReadOnlyDictionary<string, UnixFileMode>? modes) => modes is null ? this : new BuildContext(Root, DockerfilePath, IgnoreFilePath, IgnoreLines, Excludes)
    {
        FileModes = modes.ToDictionary(kv => kv.Key.Replace('\\', '/').TrimStart('/'), kv => kv.Value, HostRules.Current.PathComparer),
    };

    /// <summary>
    /// Opens a context folder. <paramref name="dockerfile"/> (absolute or relative to the folder) selects a
    /// <c>&lt;name&gt;.dockerignore</c> beside it; when null, <c>Dockerfile</c> in the folder is assumed.
    /// </summary>
    public static async Task<BuildContext> OpenAsync(string contextDir, string? dockerfile, CancellationToken cancellationToken)
    {
        var root = Path.TrimEndingDirectorySeparator(Path.GetFullPath(contextDir));
        if (root.Length == 0) root = "/";
        if (!Directory.Exists(root))
        {
            throw new ContainerizeException(ContextErrors.ContextNotFound, "the build context folder does not exist", contextDir, null,
                "pass the folder that holds the files the Dockerfile copies");
        }

        string dockerfilePath;
        if (dockerfile is null)
        {
            dockerfilePath = Path.Combine(root, "Dockerfile");
        }
        else
        {
            dockerfilePath = Path.GetFullPath(dockerfile, root);
            if (!File.Exists(dockerfilePath))
            {
                throw new ContainerizeException(ContextErrors.DockerfileNotFound, "the Dockerfile does not exist", dockerfile, null,
                    "check the -f path; it is relative to the current folder");
            }
        }

        var located = IgnoreFile.Locate(root, dockerfilePath);
        var ignoreFile = located?.Name;
        var lines = located is { } l ? await IgnoreFile.ReadAsync(l.Content, cancellationToken).ConfigureAwait(false) : [];
        var matcher = PatternMatcher.Create(lines, ignoreFile is null ? null : DisplayPath(ignoreFile));
        return new BuildContext(root, dockerfilePath, ignoreFile, lines, matcher);
    }

    /// <summary>
    /// The context as the docker CLI sends it: when the ignore file excludes the Dockerfile or itself, exceptions
    /// for both are appended (docker/cli TrimBuildFilesFromExcludes), because the daemon must read them.
    /// </summary>
    public BuildContext ForDockerClient()
    {
        var extra = new List<IgnoreLine>(IgnoreLines);
        var next = IgnoreLines.Count == 0 ? 1 : IgnoreLines[^1].Line + 1;
        foreach (var forced in new[] { IgnoreFilePath, DockerfilePath })
        {
            if (forced is null || RelativeInside(forced) is not { } rel) continue;
            if (Excludes.MatchesOrParentMatches(rel)) extra.Add(new IgnoreLine("!" + rel, next++));
        }

        return extra.Count == IgnoreLines.Count
            ? this
            : new BuildContext(Root, DockerfilePath, IgnoreFilePath, extra, PatternMatcher.Create(extra, Excludes.Patterns.FirstOrDefault()?.File)) { FileModes = FileModes };
    }

    public ContextWalker CreateWalker() => new(Root, new ContextFilter(Excludes));

    /// <summary>A walker that keeps each folder open during its visits and then hands it to <paramref name="folderDone"/>.</summary>
    internal ContextWalker CreateWalker(Action<nint> folderDone) =>
        new(Root, new ContextFilter(Excludes)) { KeepDirectoriesOpen = true, FolderDone = folderDone };

    /// <summary>
    /// Walks the kept entries. Sockets, FIFOs and devices are skipped with a CTZ2108 warning: they cannot be
    /// copied into an image.
    /// </summary>
    public void Walk(Func<WalkEntry, WalkAction> visit, IDiagnosticSink? sink, CancellationToken cancellationToken) =>
        Walk(CreateWalker(), visit, sink, cancellationToken);

    /// <summary><see cref="Walk(Func{WalkEntry, WalkAction}, IDiagnosticSink?, CancellationToken)"/> with a walker of the caller's (from <see cref="CreateWalker"/>).</summary>
    internal void Walk(ContextWalker walker, Func<WalkEntry, WalkAction> visit, IDiagnosticSink? sink, CancellationToken cancellationToken)
    {
        walker.Walk([System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)] (e) =>
        {
            if (e.Type is EntryType.File or EntryType.Directory or EntryType.Symlink) return visit(e);
            sink?.Report(new Diagnostic(ContextErrors.SpecialFileSkipped, Severity.Warning,
                $"skipped {Describe(e.Type)} '{e.Path}': only files, folders and symlinks can enter an image", DisplayPath(e.FullPath),
                Hint: "exclude it in .dockerignore to silence this warning"));
            return WalkAction.Continue;
        }, cancellationToken);
        foreach (var bad in walker.UnsupportedNames)
        {
            sink?.Report(new Diagnostic(ContextErrors.UnsupportedName, Severity.Warning,
                $"skipped a file whose name is not valid UTF-8 ('{bad}')", Root, Hint: "rename the file"));
        }
    }

    /// <summary>
    /// Writes what <c>context ls</c> prints: every kept file and symlink, one '/'-separated path a line, in walk
    /// order (byte-wise sorted), feeding the hygiene checks on the way.
    /// </summary>
    public void WriteListing(TextWriter output, ContextHygiene? hygiene, IDiagnosticSink? sink, CancellationToken cancellationToken)
    {
        Walk([System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)] (e) =>
        {
            hygiene?.Observe(e);
            if (e.Type is EntryType.File or EntryType.Symlink) output.WriteLine(e.Path);
            return WalkAction.Continue;
        }, sink, cancellationToken);
    }

    /// <summary>All kept entries (folders, files, symlinks) in walk order.</summary>
    public List<WalkEntry> List(IDiagnosticSink? sink, CancellationToken cancellationToken)
    {
        var result = new List<WalkEntry>();
        Walk(e =>
        {
            result.Add(e);
            return WalkAction.Continue;
        }, sink, cancellationToken);
        return result;
    }

    /// <summary>
    /// Explains a path (relative to the context, or absolute inside it): "included", or which line of the ignore
    /// file excludes it. Decided exactly as the walk decides.
    /// </summary>
    public string Explain(string path)
    {
        var rel = ToContextPath(path);
        if (rel == ".") return "included (the context root)";
        var outcome = Excludes.ExplainAsWalker(rel);
        var where = IgnoreFilePath is null ? "" : Path.GetFileName(IgnoreFilePath) + " ";
        if (outcome.Decider is null) return "included";
        return outcome.Matched
            ? $"excluded by {where}line {outcome.Decider.Line}: {outcome.Decider.Text}"
            : $"included by {where}line {outcome.Decider.Line}: {outcome.Decider.Text}";
    }

    /// <summary>Whether the ignore file excludes the path (relative to the context).</summary>
    public bool IsExcluded(string relativePath) => Excludes.ExplainAsWalker(relativePath).Matched;

    /// <summary>A path as the context names it: '/'-separated, relative, cleaned. CTZ2005 when it lies outside.</summary>
    public string ToContextPath(string path)
    {
        var p = path.Replace('\\', '/');
        if (Path.IsPathRooted(p))
        {
            var rel = RelativeInside(p) ?? throw new ContainerizeException(ContextErrors.PathOutsideContext,
                "the path is outside the build context", path, null, $"give a path inside {Root}");
            return rel;
        }

        var cleaned = GoPath.Clean(p);
        if (cleaned == ".." || cleaned.StartsWith("../", StringComparison.Ordinal))
        {
            throw new ContainerizeException(ContextErrors.PathOutsideContext, "the path is outside the build context", path, null,
                "give a path relative to the context folder");
        }

        return cleaned;
    }

    private string? RelativeInside(string absolute)
    {
        var rel = Path.GetRelativePath(Root, absolute).Replace('\\', '/');
        if (rel == ".") return ".";
        return rel == ".." || rel.StartsWith("../", StringComparison.Ordinal) || Path.IsPathRooted(rel) ? null : GoPath.Clean(rel);
    }

    internal static string DisplayPath(string full)
    {
        var rel = Path.GetRelativePath(Environment.CurrentDirectory, full);
        return rel.StartsWith("..", StringComparison.Ordinal) ? full : rel;
    }

    internal static string Describe(EntryType type) => type switch
    {
        EntryType.Fifo => "FIFO",
        EntryType.Socket => "socket",
        EntryType.CharDevice => "character device",
        EntryType.BlockDevice => "block device",
        _ => "special file",
    };
}
