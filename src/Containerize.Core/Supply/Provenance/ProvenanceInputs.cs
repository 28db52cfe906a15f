namespace Containerize.Core.Supply.Provenance;

/// <summary>One image the build started from: its name as written and the digest it resolved to.</summary>
public sealed record ResolvedBase(string Name, string Digest);

/// <summary>
/// What a provenance statement records of one build. Every field is something a reader may see: no secret, no token,
/// no local path (<see cref="Project"/> is relative to the repository, build arguments pass <see cref="SecretNames"/>).
/// </summary>
public sealed record ProvenanceInputs
{
    /// <summary>The image's repository (<c>registry/name</c>, no tag): the statement's subject name.</summary>
    public required string ImageName { get; init; }

    public required string ManifestDigest { get; init; }

    public required string ToolVersion { get; init; }

    public string? SdkVersion { get; init; }

    /// <summary>The project file relative to the repository or context root, '/'-separated.</summary>
    public string? Project { get; init; }

    public string? RuntimeIdentifier { get; init; }

    /// <summary>The Dockerfile built (generated or the user's), by digest: its path is local.</summary>
    public string? DockerfileDigest { get; init; }

    public string? Target { get; init; }

    public IReadOnlyList<ResolvedBase> Bases { get; init; } = [];

    public IReadOnlyDictionary<string, string> BuildArgs { get; init; } = new Dictionary<string, string>();

    public string? RepositoryUrl { get; init; }

    public string? Revision { get; init; }

    /// <summary>ContainerSourceDateEpoch: the only date the statement carries (none without it, so it stays reproducible).</summary>
    public DateTimeOffset? BuildDate { get; init; }
}

/// <summary>What never enters a statement: build arguments named like secrets, and credentials inside URLs.</summary>
public static class SecretNames
{
    private static readonly string[] Markers = ["SECRET", "TOKEN", "PASSWORD", "PASSWD", "PWD", "KEY", "CREDENTIAL", "AUTH", "CERT", "PRIVATE", "SAS", "CONNECTIONSTRING"];

    /// <summary>True for an argument whose name says it holds a secret (NUGET_AUTH_TOKEN, API_KEY, DB_PASSWORD).</summary>
    public static bool LooksSecret(string name)
    {
        var upper = name.ToUpperInvariant().Replace("_", "").Replace("-", "");
        return Markers.Any(m => upper.Contains(m, StringComparison.Ordinal));
    }

    /// <summary>A repository URL fit to publish: http(s), ssh or git, without user or password; null for a local path.</summary>
    public static string? PublicUrl(string? url)
    {
        if (string.IsNullOrWhiteSpace(url) || !Uri.TryCreate(url.Trim(), UriKind.Absolute, out var uri)) return null;
        if (uri.Scheme is not ("https" or "http" or "ssh" or "git")) return null;
        var builder = new UriBuilder(uri) { UserName = "", Password = "", Query = "", Fragment = "" };
        return builder.Uri.GetComponents(UriComponents.AbsoluteUri, UriFormat.UriEscaped);
    }
}
