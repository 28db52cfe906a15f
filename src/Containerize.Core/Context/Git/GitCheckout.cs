using Containerize.Core.Diagnostics;

namespace Containerize.Core.Context.Git;

/// <summary>Limits of a checkout.</summary>
public sealed record GitCheckoutOptions
{
    /// <summary>The time each git command may take (default 10 minutes; CONTAINERIZE_GIT_TIMEOUT in seconds).</summary>
    public TimeSpan Timeout { get; init; } = FromEnvironment();

    /// <summary>The folder the temporary clone goes under (default: the temp folder).</summary>
    public string? TempRoot { get; init; }

    private static TimeSpan FromEnvironment() =>
        int.TryParse(Environment.GetEnvironmentVariable("CONTAINERIZE_GIT_TIMEOUT"), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var s) && s > 0
            ? TimeSpan.FromSeconds(s)
            : TimeSpan.FromMinutes(10);
}

/// <summary>
/// A git URL checked out as a build context, as BuildKit's git source makes one: a shallow fetch of the ref alone
/// (<c>git init</c>, <c>remote add</c>, <c>fetch --depth=1 origin REF</c>; a commit id the server will not serve
/// shallow is fetched with the history), a detached checkout, submodules at depth 1, no <c>.git</c> in the tree.
/// <see cref="ContextFolder"/> is the checkout or its SUBDIR (which must stay inside it, also through symlinks). The
/// temporary folder is removed on <see cref="Dispose"/>, and on every failure or cancellation before that.
/// </summary>
public sealed class GitCheckout : IDisposable
{
    private readonly string _temp;

    private GitCheckout(string temp, string tree, string contextFolder, string commit, GitUrl url)
    {
        _temp = temp;
        Tree = tree;
        ContextFolder = contextFolder;
        Commit = commit;
        Url = url;
    }

    public GitUrl Url { get; }

    /// <summary>The whole checked-out tree.</summary>
    public string Tree { get; }

    /// <summary>The context: the tree, or its SUBDIR.</summary>
    public string ContextFolder { get; }

    /// <summary>The commit checked out.</summary>
    public string Commit { get; }

    public static async Task<GitCheckout> CreateAsync(GitUrl url, GitCheckoutOptions? options, IDiagnosticSink? sink, CancellationToken cancellationToken)
    {
        options ??= new GitCheckoutOptions();
        var redact = Redactor(url);
        var git = GitProcess.Locate(options.Timeout, redact);
        var temp = options.TempRoot is null
            ? Directory.CreateTempSubdirectory("containerize-git-").FullName
            : Directory.CreateDirectory(Path.Combine(options.TempRoot, "containerize-git-" + Guid.NewGuid().ToString("N")[..12])).FullName;
        try
        {
            sink?.Info($"cloning {url.Display}");
            var tree = Path.Combine(temp, "tree");
            // The repository lives beside the tree, so the tree never has a .git folder to leave out.
            await RequireAsync(git, temp, url, ["init", "-q", "--separate-git-dir=" + Path.Combine(temp, "git"), tree], cancellationToken).ConfigureAwait(false);
            await RequireAsync(git, tree, url, ["remote", "add", "origin", url.Remote], cancellationToken).ConfigureAwait(false);
            var checkoutTarget = await FetchAsync(git, tree, url, cancellationToken).ConfigureAwait(false);
            // The repository's bytes, as BuildKit checks them out: no line-ending conversion from this machine's config
            // (Git for Windows sets core.autocrlf=true), so every machine builds the same image; .gitattributes still apply.
            await RequireAsync(git, tree, url, ["-c", "advice.detachedHead=false", "-c", "core.autocrlf=false", "checkout", "-q", "--detach", checkoutTarget, "--"], cancellationToken).ConfigureAwait(false);
            if (File.Exists(Path.Combine(tree, ".gitmodules")))
            {
                // A repository may not point its submodules at this machine's files (moby: protocol.file.allow=never).
                await RequireAsync(git, tree, url, ["-c", "protocol.file.allow=never", "submodule", "update", "--init", "--recursive", "--depth=1"], cancellationToken).ConfigureAwait(false);
            }

            var commit = (await RequireAsync(git, tree, url, ["rev-parse", "HEAD"], cancellationToken).ConfigureAwait(false)).StdOut.Trim();
            RemoveGitLinks(tree);
            var contextFolder = url.Subdir is { } subdir ? ResolveSubdir(tree, subdir, url) : tree;
            return new GitCheckout(temp, tree, contextFolder, commit, url);
        }
        catch
        {
            Remove(temp);
            throw;
        }
    }

    /// <summary>
    /// The Dockerfile named by <c>-f</c> with a git context: relative to <see cref="ContextFolder"/> (as docker: it
    /// names a file of the context), and inside it. An absolute path is a file of this machine, as the docker CLI takes it.
    /// </summary>
    public string DockerfilePath(string? dockerfile)
    {
        if (dockerfile is not null && Path.IsPathRooted(dockerfile)) return dockerfile;
        var name = dockerfile ?? "Dockerfile";
        var resolved = ResolveInside(ContextFolder, name)
            ?? throw new ContainerizeException(GitErrors.OutsideClone, $"git context '{Url.Display}': the Dockerfile '{name}' lies outside the context",
                hint: "with a git context, -f names a file relative to the context's folder (the URL's SUBDIR)");
        if (!File.Exists(resolved))
        {
            throw new ContainerizeException(GitErrors.DockerfileNotFound, $"git context '{Url.Display}' has no Dockerfile '{name}' (commit {Commit[..Math.Min(12, Commit.Length)]})",
                hint: "with a git context, -f names a file relative to the context's folder (the URL's SUBDIR)");
        }

        return resolved;
    }

    public void Dispose() => Remove(_temp);

    private static void Remove(string folder)
    {
        try
        {
            if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
        }
        catch (IOException)
        {
            // A temp folder left behind is no failure of the build.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    /// <summary>
    /// The fetch, returning what to check out. No ref: the remote's HEAD. A full commit id: that commit alone when the
    /// server allows it (protocol v2 and uploadpack.allowReachableSHA1InWant do), else the history with tags, as
    /// BuildKit fetches a commit. Any other ref: the remote resolves it (branch, tag, or a full ref name).
    /// </summary>
    private static async Task<string> FetchAsync(GitProcess git, string tree, GitUrl url, CancellationToken cancellationToken)
    {
        if (url.Ref is null)
        {
            await RequireAsync(git, tree, url, ["fetch", "-q", "--depth=1", "--no-tags", "origin", "HEAD"], cancellationToken).ConfigureAwait(false);
            return "FETCH_HEAD";
        }

        if (!url.RefIsCommit)
        {
            await RequireAsync(git, tree, url, ["fetch", "-q", "--depth=1", "--no-tags", "origin", "--", url.Ref], cancellationToken).ConfigureAwait(false);
            return "FETCH_HEAD";
        }

        var shallow = await git.RunAsync(tree, ["fetch", "-q", "--depth=1", "--no-tags", "origin", "--", url.Ref], cancellationToken).ConfigureAwait(false);
        if (!shallow.Succeeded)
        {
            // Only a refusal of the commit is worth the full fetch; an unreachable server or a denied login is final.
            var failure = Classify(shallow, url);
            if (failure.Code != GitErrors.UnknownRef) throw failure;
            var full = await git.RunAsync(tree, ["fetch", "-q", "--tags", "origin", "+refs/heads/*:refs/remotes/origin/*"], cancellationToken).ConfigureAwait(false);
            if (!full.Succeeded) throw Classify(full, url);
            var exists = await git.RunAsync(tree, ["cat-file", "-e", url.Ref + "^{commit}"], cancellationToken).ConfigureAwait(false);
            if (!exists.Succeeded)
            {
                throw new ContainerizeException(GitErrors.UnknownRef, $"git context '{url.Display}': commit {url.Ref} is not in the repository",
                    hint: "check the commit id; a commit must be reachable from a branch or a tag of the remote");
            }
        }

        return url.Ref;
    }

    private static async Task<GitOutput> RequireAsync(GitProcess git, string folder, GitUrl url, IReadOnlyList<string> arguments, CancellationToken cancellationToken)
    {
        var output = await git.RunAsync(folder, arguments, cancellationToken).ConfigureAwait(false);
        return output.Succeeded ? output : throw Classify(output, url);
    }

    /// <summary>git's failure as a coded error: its own last "fatal:" line (redacted) says why.</summary>
    internal static ContainerizeException Classify(GitOutput output, GitUrl url)
    {
        var text = output.StdErr;
        var reason = Reason(text);
        bool Has(string s) => text.Contains(s, StringComparison.OrdinalIgnoreCase);
        if (Has("couldn't find remote ref") || Has("not our ref") || Has("no such remote ref") || Has("unadvertised object")
            || Has("unknown revision") || Has("did not match any") || Has("reference is not a tree") || Has("invalid refspec") || Has("not a valid object name"))
        {
            return new ContainerizeException(GitErrors.UnknownRef, $"git context '{url.Display}': ref '{url.Ref ?? "HEAD"}' not found: {reason}",
                hint: "give a branch, a tag or a full commit id after '#' (git ls-remote URL lists them)");
        }

        if (Has("authentication failed") || Has("could not read username") || Has("could not read password") || Has("terminal prompts disabled")
            || Has("permission denied") || Has("returned error: 401") || Has("returned error: 403") || Has("access denied")
            || Has("repository not found") || Has("' not found") || Has("returned error: 404") || Has("does not appear to be a git repository") || Has("host key verification failed"))
        {
            return new ContainerizeException(GitErrors.AccessDenied, $"git context '{url.Display}': access denied or no such repository: {reason}",
                hint: "check the URL; credentials come from git's own helpers (git config credential.helper) or the ssh agent, and no prompt is shown");
        }

        if (Has("could not resolve host") || Has("connection refused") || Has("failed to connect") || Has("unable to connect") || Has("couldn't connect")
            || Has("network is unreachable") || Has("connection timed out") || Has("no route to host") || Has("could not read from remote repository")
            || Has("unable to access") || Has("connection reset") || Has("temporary failure in name resolution") || Has("name or service not known"))
        {
            return new ContainerizeException(GitErrors.Unreachable, $"git context '{url.Display}': the remote cannot be reached: {reason}",
                hint: "check the network (offline?), the host name and port, and any proxy (git uses http.proxy / HTTPS_PROXY)");
        }

        return new ContainerizeException(GitErrors.GitFailed, $"git context '{url.Display}': git failed (exit code {output.ExitCode}): {reason}",
            hint: "run the same git fetch yourself to see the whole message");
    }

    /// <summary>git's last "fatal:"/"error:" line, else its last line: one line for the message.</summary>
    private static string Reason(string stderr)
    {
        var lines = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var line = lines.LastOrDefault(l => l.StartsWith("fatal:", StringComparison.Ordinal)) ?? lines.LastOrDefault(l => l.StartsWith("error:", StringComparison.Ordinal)) ?? lines.LastOrDefault() ?? "no message";
        return line.Length > 300 ? line[..300] + "…" : line;
    }

    /// <summary>
    /// The redactor for one URL: <see cref="GitUrl.Redact"/>, plus the password itself (as written and decoded),
    /// wherever git's message repeats it without its URL.
    /// </summary>
    internal static Func<string, string> Redactor(GitUrl url)
    {
        var secrets = new List<string>();
        if (Uri.TryCreate(url.Remote, UriKind.Absolute, out var uri) && uri.UserInfo.IndexOf(':', StringComparison.Ordinal) is var colon and >= 0)
        {
            var password = uri.UserInfo[(colon + 1)..];
            if (password.Length >= 3)
            {
                secrets.Add(password);
                var decoded = Uri.UnescapeDataString(password);
                if (decoded != password) secrets.Add(decoded);
            }
        }

        return text =>
        {
            text = GitUrl.Redact(text);
            foreach (var s in secrets) text = text.Replace(s, "xxxxx", StringComparison.Ordinal);
            return text;
        };
    }

    /// <summary>Submodules' checkouts hold a <c>.git</c> file naming the repository: none stays in the context.</summary>
    private static void RemoveGitLinks(string tree)
    {
        var top = Path.Combine(tree, ".git");
        if (File.Exists(top)) File.Delete(top);
        if (!File.Exists(Path.Combine(tree, ".gitmodules"))) return;
        foreach (var file in Directory.EnumerateFiles(tree, ".git", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0, IgnoreInaccessible = true }))
        {
            File.Delete(file);
        }
    }

    private static string ResolveSubdir(string tree, string subdir, GitUrl url)
    {
        var resolved = ResolveInside(tree, subdir)
            ?? throw new ContainerizeException(GitErrors.OutsideClone, $"git context '{url.Display}': the folder '{subdir}' lies outside the repository",
                hint: "SUBDIR (after '#REF:') is a folder of the repository; neither '..' nor a symlink may lead out of it");
        return Directory.Exists(resolved) ? resolved : throw new ContainerizeException(GitErrors.SubdirNotFound,
            $"git context '{url.Display}': no folder '{subdir}' in the repository",
            hint: "SUBDIR (after '#REF:') is a folder of the repository at that ref, relative to its root");
    }

    /// <summary>
    /// <paramref name="relative"/> under <paramref name="root"/> with symlinks followed, or null when a '..' or a link
    /// (an absolute target, or a relative one climbing above the root) leads out of it. A missing component is kept.
    /// </summary>
    internal static string? ResolveInside(string root, string relative)
    {
        var pending = new Queue<string>(relative.Replace('\\', '/').Split('/', StringSplitOptions.RemoveEmptyEntries));
        var resolved = new List<string>();
        var links = 0;
        while (pending.TryDequeue(out var part))
        {
            if (part == ".") continue;
            if (part == "..")
            {
                if (resolved.Count == 0) return null;
                resolved.RemoveAt(resolved.Count - 1);
                continue;
            }

            var candidate = Path.Combine(root, Path.Combine([.. resolved, part]));
            var target = new FileInfo(candidate).LinkTarget;
            if (target is null)
            {
                resolved.Add(part);
                continue;
            }

            if (++links > 40 || target.StartsWith('/')) return null;
            // The link's own folder is where its relative target starts; the rest of the path follows it.
            var rest = pending.ToList();
            pending = new Queue<string>(target.Split('/', StringSplitOptions.RemoveEmptyEntries).Concat(rest));
        }

        return resolved.Count == 0 ? root : Path.Combine(root, Path.Combine([.. resolved]));
    }
}
