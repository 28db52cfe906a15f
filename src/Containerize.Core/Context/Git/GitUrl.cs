using System.Text.RegularExpressions;
using Containerize.Core.Diagnostics;

namespace Containerize.Core.Context.Git;

/// <summary>
/// A build context given as a git URL, as `docker build` / buildx decide it: <c>git://</c>, <c>ssh://</c>,
/// <c>git@HOST:PATH</c> (any scp-like <c>USER@HOST:PATH</c>, BuildKit's implicit ssh), <c>github.com/PATH</c> (https),
/// and <c>http(s)://</c> URLs whose path ends in <c>.git</c> (moby's <c>\.git(?:#.+)?$</c>, BuildKit's ParseGitRef).
/// The fragment is <c>#REF:SUBDIR</c> (split at the first ':'); no REF means the remote's HEAD (BuildKit; moby's
/// classic builder said master). Callers check for a local folder first: docker's CLI does (a folder named
/// <c>github.com/x</c> is a folder).
/// </summary>
public sealed partial record GitUrl
{
    private GitUrl(string original, string remote, string? reference, string? subdir)
    {
        Original = original;
        Remote = remote;
        Ref = reference;
        Subdir = subdir;
    }

    /// <summary>What the user wrote (may hold a password: show <see cref="Display"/>).</summary>
    public string Original { get; }

    /// <summary>The URL git fetches from: without the fragment, <c>github.com/</c> made https.</summary>
    public string Remote { get; }

    /// <summary>A branch, a tag, a full commit id, or any ref the remote resolves; null for the remote's HEAD.</summary>
    public string? Ref { get; }

    /// <summary>The folder of the checkout that is the context; null for its root.</summary>
    public string? Subdir { get; }

    /// <summary>The URL as it may be printed: a password shown as <c>xxxxx</c> (Go's url.Redacted, as BuildKit prints it).</summary>
    public string Display => Redact(Original);

    /// <summary>True when the ref is a full commit id (SHA-1 or SHA-256), which needs no name lookup on the remote.</summary>
    public bool RefIsCommit => Ref is { } r && CommitId().IsMatch(r);

    public override string ToString() => Display;

    /// <summary>Whether <paramref name="value"/> is a git URL by docker's and buildx's rules (no file system check).</summary>
    public static bool IsGitUrl(string value) => TryParse(value, out _);

    /// <summary>
    /// An http(s) URL that is not a git URL: docker reads it as a tarball or a Dockerfile, which this engine does not
    /// download (a coded error rather than "folder not found").
    /// </summary>
    public static bool IsHttpUrl(string value) =>
        value.StartsWith("http://", StringComparison.OrdinalIgnoreCase) || value.StartsWith("https://", StringComparison.OrdinalIgnoreCase);

    public static bool TryParse(string value, out GitUrl? url)
    {
        url = null;
        if (string.IsNullOrEmpty(value) || value.StartsWith("./", StringComparison.Ordinal) || value.StartsWith("../", StringComparison.Ordinal)) return false;

        var (body, fragment) = SplitFragment(value);
        if (value.StartsWith("github.com/", StringComparison.Ordinal))
        {
            url = Create(value, "https://" + body, fragment);
            return true;
        }

        if (Scheme().Match(value) is { Success: true } scheme)
        {
            switch (scheme.Groups[1].Value.ToLowerInvariant())
            {
                case "git" or "ssh":
                    url = Create(value, body, fragment);
                    return true;
                case "http" or "https":
                    // Only the path counts (a query such as ?x=1 is not part of it), as BuildKit's url.Parse then HasSuffix.
                    if (!Uri.TryCreate(body, UriKind.Absolute, out var uri) || !uri.AbsolutePath.EndsWith(".git", StringComparison.Ordinal)) return false;
                    url = Create(value, body, fragment);
                    return true;
                default:
                    return false;
            }
        }

        // scp-like: USER@HOST:PATH (git@github.com:org/repo.git), BuildKit's sshutil.IsImplicitSSHTransport.
        if (ScpLike().IsMatch(body))
        {
            url = Create(value, body, fragment);
            return true;
        }

        return false;
    }

    /// <summary>Parses a value already known to be a git URL; a malformed fragment is CTZ2150.</summary>
    public static GitUrl Parse(string value) =>
        TryParse(value, out var url) ? url! : throw new ContainerizeException(GitErrors.BadUrl, $"'{Redact(value)}' is not a git URL",
            hint: "write https://HOST/REPO.git#REF:SUBDIR, git://HOST/REPO.git, ssh://HOST/REPO.git or git@HOST:REPO.git");

    private static GitUrl Create(string original, string remote, string? fragment)
    {
        string? reference = null, subdir = null;
        if (!string.IsNullOrEmpty(fragment))
        {
            var colon = fragment.IndexOf(':', StringComparison.Ordinal);
            reference = colon < 0 ? fragment : fragment[..colon];
            subdir = colon < 0 ? null : fragment[(colon + 1)..];
        }

        if (reference is "") reference = null;
        if (subdir is "" or "/" or ".") subdir = null;
        // moby rejects a ref that git would read as an option ("invalid refspec"); a control character is no ref either.
        if (reference is not null && (reference.StartsWith('-') || reference.Any(char.IsControl) || reference.Contains(' ', StringComparison.Ordinal)))
        {
            throw new ContainerizeException(GitErrors.BadUrl, $"git context '{Redact(original)}': invalid ref '{reference}'",
                hint: "the fragment is #REF:SUBDIR, REF a branch, a tag or a commit id");
        }

        if (remote.Length == 0 || remote.StartsWith('-'))
        {
            throw new ContainerizeException(GitErrors.BadUrl, $"git context '{Redact(original)}' names no repository",
                hint: "write https://HOST/REPO.git#REF:SUBDIR");
        }

        return new GitUrl(original, remote, reference, subdir);
    }

    private static (string Body, string? Fragment) SplitFragment(string value)
    {
        var hash = value.IndexOf('#', StringComparison.Ordinal);
        return hash < 0 ? (value, null) : (value[..hash], value[(hash + 1)..]);
    }

    /// <summary>
    /// Every <c>scheme://user:password@</c> in <paramref name="text"/> with the password replaced by <c>xxxxx</c>
    /// (a URL's own text, or git's stderr quoting it).
    /// </summary>
    public static string Redact(string text) => UserInfo().Replace(text, m => m.Groups[1].Value + ":xxxxx@");

    [GeneratedRegex(@"^([a-zA-Z][a-zA-Z0-9+.-]*)://")]
    private static partial Regex Scheme();

    // BuildKit's gitutil: a user, '@', a host, ':' and a path (not "host:port/": a URL has "://", checked before).
    [GeneratedRegex(@"^[a-zA-Z0-9_.-]+@[a-zA-Z0-9_.-]+:.+$")]
    private static partial Regex ScpLike();

    [GeneratedRegex(@"^([0-9a-f]{40}|[0-9a-f]{64})$")]
    private static partial Regex CommitId();

    [GeneratedRegex(@"([a-zA-Z][a-zA-Z0-9+.-]*://[^/@:\s'""]*):[^/@\s'""]*@")]
    private static partial Regex UserInfo();
}
