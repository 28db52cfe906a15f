using Containerize.Core.Os;
using Containerize.Core.Diagnostics;

namespace Containerize.Core.Context;

/// <summary>Thresholds for the hygiene checks, and whether their warnings are errors.</summary>
public sealed record HygieneOptions(long MaxBytes, int MaxFiles, bool Strict)
{
    public static HygieneOptions Default { get; } = new(1L << 30, 100_000, false);
}

/// <summary>
/// Warns about contexts that are slow or leak secrets: the context is / or a home folder, too large, carries
/// .git, bin/ or obj/, or likely secrets (private keys, *.pfx, *.pem, .env, .npmrc, a nuget.config with a
/// cleartext password). Observes entries as a walk reports them, so it costs no extra pass over the tree.
/// Warnings are CTZ21xx; with <see cref="HygieneOptions.Strict"/> they are errors and <see cref="Finish"/> throws.
/// </summary>
public sealed class ContextHygiene(BuildContext context, HygieneOptions options)
{
    private const int MaxListed = 5;
    private readonly List<Diagnostic> _found = [];
    private readonly List<string> _buildOutput = [];
    private long _files;
    private long _bytes;
    private bool _gitReported;

    public IReadOnlyList<Diagnostic> Found => _found;

    /// <summary>Looks at one kept entry; <paramref name="size"/> is known when the caller has stat'ed it.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public void Observe(WalkEntry entry, long size = 0)
    {
        var slash = entry.Path.LastIndexOf('/');
        var name = slash < 0 ? entry.Path.AsSpan() : entry.Path.AsSpan(slash + 1);
        switch (entry.Type)
        {
            case EntryType.Directory:
                if (name is ".git" && !_gitReported)
                {
                    _gitReported = true;
                    Add(ContextErrors.GitFolder, $"'{entry.Path}/' is in the build context: the repository history is sent with every build",
                        "add .git to .dockerignore", BuildContext.DisplayPath(entry.FullPath));
                }
                else if (name is "bin" or "obj")
                {
                    _buildOutput.Add(entry.Path + "/");
                }

                break;
            case EntryType.File:
                _files++;
                _bytes += size;
                if (MaybeSecret(name) && SecretKind(name.ToString(), entry.FullPath) is { } what)
                {
                    Add(ContextErrors.LikelySecret, $"'{entry.Path}' looks like {what} and is in the build context",
                        "exclude it in .dockerignore; pass secrets with RUN --mount=type=secret instead", BuildContext.DisplayPath(entry.FullPath));
                }

                break;
            case EntryType.Symlink:
                if (PointsOutside(entry))
                {
                    Add(ContextErrors.SymlinkOutside, $"symlink '{entry.Path}' points outside the build context; it is copied as a link and will dangle",
                        "copy the target into the context, or exclude the link", BuildContext.DisplayPath(entry.FullPath));
                }

                break;
        }
    }

    /// <summary>Reports what was found (and the whole-context checks). Throws the first problem when strict.</summary>
    public void Finish(IDiagnosticSink sink)
    {
        var root = context.Root;
        var home = Environment.GetEnvironmentVariable("HOME");
        if (root == "/" || (home is { Length: > 1 } && Path.TrimEndingDirectorySeparator(home) == root) || IsHomeFolder(root))
        {
            _found.Insert(0, Make(ContextErrors.RootOrHome, $"the build context is '{root}', a system root or home folder: every file under it is read",
                "use the project's own folder as the context", root));
        }

        if (_buildOutput.Count > 0)
        {
            var listed = string.Join(", ", _buildOutput.Take(MaxListed)) + (_buildOutput.Count > MaxListed ? $" and {_buildOutput.Count - MaxListed} more" : "");
            Add(ContextErrors.BuildOutput, $"build output folders are in the build context: {listed}", "add **/bin and **/obj to .dockerignore");
        }

        if (_files > options.MaxFiles || _bytes > options.MaxBytes)
        {
            Add(ContextErrors.TooLarge, $"the build context is large: {_files} files, {_bytes} bytes (limits {options.MaxFiles} files, {options.MaxBytes} bytes)",
                "exclude what the build does not copy in .dockerignore; 'containerize context ls' lists what is sent");
        }

        foreach (var d in _found) sink.Report(d);
        if (options.Strict && _found.Count > 0)
        {
            var first = _found[0];
            throw new ContainerizeException(first.Code, $"{_found.Count} build-context problem(s), the first: {first.Message}", first.File, first.Line,
                "fix them, or run without --strict to have warnings only");
        }
    }

    /// <summary>
    /// Checks COPY/ADD sources (from the Dockerfile, with their lines) against the ignore file: a source that is
    /// excluded makes the build fail or silently miss it (CTZ2106).
    /// </summary>
    public static IReadOnlyList<Diagnostic> CheckSources(BuildContext context, IEnumerable<(string Source, int Line)> sources, string? dockerfile, bool strict = false)
    {
        var result = new List<Diagnostic>();
        foreach (var (source, line) in sources)
        {
            if (source.Contains("://", StringComparison.Ordinal) || source.StartsWith("git@", StringComparison.Ordinal)) continue;
            var cleaned = GoPath.Clean(source.Replace('\\', '/').TrimStart('/'));
            if (cleaned is "." or "" || cleaned.StartsWith("..", StringComparison.Ordinal)) continue;

            // With wildcards, the folders before the first wildcard must be in the context for anything to match.
            var probe = cleaned;
            var wildcard = cleaned.AsSpan().IndexOfAny("*?[");
            if (wildcard >= 0)
            {
                var slash = cleaned.LastIndexOf('/', wildcard);
                if (slash <= 0) continue;
                probe = cleaned[..slash];
            }

            var outcome = context.Excludes.ExplainAsWalker(probe);
            if (!outcome.Matched) continue;
            var ignore = context.IgnoreFilePath is null ? ".dockerignore" : Path.GetFileName(context.IgnoreFilePath);
            result.Add(new Diagnostic(ContextErrors.SourceExcluded, strict ? Severity.Error : Severity.Warning,
                $"COPY/ADD source '{source}' is excluded by {ignore} line {outcome.Decider!.Line}: {outcome.Decider.Text}; the build will fail or miss it",
                dockerfile, line, $"remove the pattern or add '!{probe}' to {ignore}"));
        }

        return result;
    }

    private void Add(string code, string message, string hint, string? file = null) => _found.Add(Make(code, message, hint, file));

    private Diagnostic Make(string code, string message, string hint, string? file = null) =>
        new(code, options.Strict ? Severity.Error : Severity.Warning, message, file, null, hint);

    private static bool IsHomeFolder(string root)
    {
        if (root == "/root") return true;
        var parent = Path.GetDirectoryName(root);
        return parent is "/home" or "/Users";
    }

    private bool PointsOutside(WalkEntry entry)
    {
        string? target;
        try
        {
            target = new FileInfo(entry.FullPath).LinkTarget;
        }
        catch (IOException)
        {
            return false;
        }

        // Absolute targets resolve inside the image, not on this machine; only '..' that climbs out is a problem.
        if (target is null || target.StartsWith('/')) return false;
        var dir = GoPath.Dir(entry.Path);
        var resolved = GoPath.Clean((dir == "." ? "" : dir + "/") + target);
        return resolved == ".." || resolved.StartsWith("../", StringComparison.Ordinal);
    }

    // Most names are none of these: decide that without allocating.
    private static bool MaybeSecret(ReadOnlySpan<char> name)
    {
        if (name.Length == 0) return false;
        if (name[0] == '.' || name.StartsWith("id_", StringComparison.Ordinal) || name.EndsWith("config", StringComparison.OrdinalIgnoreCase)) return true;
        var dot = name.LastIndexOf('.');
        return dot >= 0 && name.Length - dot == 4 && IsSecretExtension(name[dot..]);
    }

    private static string? SecretKind(string name, string fullPath)
    {
        var lower = name.ToLowerInvariant();
        if (lower is "id_rsa" or "id_dsa" or "id_ecdsa" or "id_ed25519") return "an SSH private key";
        if (lower.EndsWith(".pfx", StringComparison.Ordinal) || lower.EndsWith(".p12", StringComparison.Ordinal)) return "a certificate with its private key (PKCS#12)";
        if (lower.EndsWith(".pem", StringComparison.Ordinal)) return "a PEM key or certificate";
        if (lower.EndsWith(".key", StringComparison.Ordinal) && StartsWithPrivateKey(fullPath)) return "a private key";
        if (lower == ".env" || (lower.StartsWith(".env.", StringComparison.Ordinal) && !lower.EndsWith(".example", StringComparison.Ordinal))) return "an environment file with secrets";
        if (lower == ".npmrc") return "an npm configuration with registry tokens";
        if (lower == "nuget.config" && HasClearTextPassword(fullPath)) return "a NuGet configuration with a cleartext password";
        return null;
    }

    private static bool IsSecretExtension(ReadOnlySpan<char> ext) =>
        ext.Equals(".pfx", StringComparison.OrdinalIgnoreCase) || ext.Equals(".p12", StringComparison.OrdinalIgnoreCase)
        || ext.Equals(".pem", StringComparison.OrdinalIgnoreCase) || ext.Equals(".key", StringComparison.OrdinalIgnoreCase);

    private static bool StartsWithPrivateKey(string path) => ReadHead(path).Contains("PRIVATE KEY", StringComparison.Ordinal);

    private static bool HasClearTextPassword(string path) => ReadHead(path, 1 << 20).Contains("ClearTextPassword", StringComparison.OrdinalIgnoreCase);

    private static string ReadHead(string path, int max = 4096)
    {
        try
        {
            using var f = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1, FileOptions.None);
            var buffer = new byte[Math.Min(max, Math.Max(1, (int)Math.Min(f.Length, max)))];
            var n = f.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
            return System.Text.Encoding.UTF8.GetString(buffer, 0, n);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return "";
        }
    }
}
