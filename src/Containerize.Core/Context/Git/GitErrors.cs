namespace Containerize.Core.Context.Git;

/// <summary>
/// A git URL context's codes (CTZ2150-2169, docs/errors.md). Every message that names the URL shows it redacted
/// (<see cref="GitUrl.Redact"/>), and git's own one-line reason is included, redacted too.
/// </summary>
public static class GitErrors
{
    public const string BadUrl = "CTZ2150";
    public const string GitNotFound = "CTZ2151";
    public const string Unreachable = "CTZ2152";
    public const string UnknownRef = "CTZ2153";
    public const string AccessDenied = "CTZ2154";
    public const string SubdirNotFound = "CTZ2155";
    public const string OutsideClone = "CTZ2156";
    public const string TimedOut = "CTZ2157";
    public const string GitFailed = "CTZ2158";
    public const string DockerfileNotFound = "CTZ2159";
    public const string HttpContext = "CTZ2160";
}
