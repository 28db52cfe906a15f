using System.Text.RegularExpressions;
using Containerize.Core.Diagnostics;

namespace Containerize.Core.Images.Oci;

/// <summary>
/// An image reference, parsed and normalised as Docker's distribution/reference does (ParseNormalizedNamed):
/// <c>ubuntu</c> is <c>docker.io/library/ubuntu</c>, a first component with a dot, a colon or exactly
/// <c>localhost</c> is a registry, and the tag defaults to <c>latest</c> only where a caller asks for it.
/// </summary>
public sealed partial record ImageReference
{
    public const string DefaultRegistry = "docker.io";
    public const string DefaultTag = "latest";
    private const int NameTotalLengthMax = 255;

    private ImageReference(string registry, string repository, string? tag, Digest? digest)
    {
        Registry = registry;
        Repository = repository;
        Tag = tag;
        Digest = digest;
    }

    /// <summary>The registry host and optional port: <c>docker.io</c>, <c>localhost:5000</c>.</summary>
    public string Registry { get; }

    /// <summary>The repository path inside the registry: <c>library/ubuntu</c>, <c>dotnet/aspnet</c>.</summary>
    public string Repository { get; }

    public string? Tag { get; }

    public Digest? Digest { get; }

    /// <summary><c>registry/repository</c>.</summary>
    public string Name => $"{Registry}/{Repository}";

    /// <summary>The host to send API requests to: Docker Hub's API is not served on docker.io itself.</summary>
    public string RegistryApiHost => Registry == DefaultRegistry ? "registry-1.docker.io" : Registry;

    /// <summary>The short form Docker shows: <c>ubuntu:22.04</c> rather than <c>docker.io/library/ubuntu:22.04</c>.</summary>
    public string FamiliarName
    {
        get
        {
            if (Registry != DefaultRegistry) return Name;
            return Repository.StartsWith("library/", StringComparison.Ordinal) && Repository.IndexOf('/', 8) < 0
                ? Repository[8..]
                : Repository;
        }
    }

    /// <summary>The familiar form with tag and digest: what <c>docker images</c> and RepoTags show.</summary>
    public string FamiliarString => FamiliarName + Suffix;

    /// <summary>The tag, else the digest, else <c>latest</c>: what to ask a registry's manifest endpoint for.</summary>
    public string ManifestReference => Digest?.ToString() ?? Tag ?? DefaultTag;

    public ImageReference WithDefaultTag() => Tag is null && Digest is null ? new ImageReference(Registry, Repository, DefaultTag, null) : this;

    public ImageReference WithTag(string tag)
    {
        if (!TagRegex().IsMatch(tag)) throw Invalid(tag, $"invalid tag '{tag}'");
        return new ImageReference(Registry, Repository, tag, null);
    }

    public ImageReference WithDigest(Digest digest) => new(Registry, Repository, Tag, digest);

    /// <summary>The same repository by digest alone (the store resolves such a reference by its content).</summary>
    public ImageReference ByDigest(Digest digest) => new(Registry, Repository, null, digest);

    /// <summary>The same repository and tag without a digest.</summary>
    public ImageReference WithoutDigest() => new(Registry, Repository, Tag, null);

    public ImageReference WithRegistry(string registry) => Parse($"{registry}/{Repository}{Suffix}");

    public override string ToString() => Name + Suffix;

    private string Suffix => (Tag is null ? "" : ":" + Tag) + (Digest is null ? "" : "@" + Digest);

    public static bool TryParse(string text, out ImageReference? reference)
    {
        try
        {
            reference = Parse(text);
            return true;
        }
        catch (ContainerizeException)
        {
            reference = null;
            return false;
        }
    }

    public static ImageReference Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (AnchoredIdentifierRegex().IsMatch(text))
        {
            throw Invalid(text, $"invalid repository name ({text}), cannot specify 64-byte hexadecimal strings");
        }

        var (registry, remainder) = SplitDomain(text);
        var tagSep = remainder.IndexOf(':');
        var remote = tagSep >= 0 ? remainder[..tagSep] : remainder;
        if (!string.Equals(remote.ToLowerInvariant(), remote, StringComparison.Ordinal))
        {
            throw Invalid(text, $"invalid reference format: repository name ({remote}) must be lowercase");
        }

        var full = registry + "/" + remainder;
        var m = ReferenceRegex().Match(full);
        if (!m.Success)
        {
            if (text.Length == 0) throw Invalid(text, "repository name must have at least one component");
            if (ReferenceRegex().IsMatch(full.ToLowerInvariant())) throw Invalid(text, "invalid reference format: repository name must be lowercase");
            throw Invalid(text, "invalid reference format");
        }

        var name = m.Groups["name"].Value;
        if (name.Length > NameTotalLengthMax)
        {
            throw Invalid(text, $"repository name must not be more than {NameTotalLengthMax} characters");
        }

        var slash = name.IndexOf('/');
        var repository = name[(slash + 1)..];
        var tag = m.Groups["tag"].Success ? m.Groups["tag"].Value : null;
        Digest? digest = null;
        if (m.Groups["digest"].Success)
        {
            if (!Oci.Digest.TryParse(m.Groups["digest"].Value, out var d)) throw Invalid(text, $"invalid digest '{m.Groups["digest"].Value}'");
            digest = d;
        }

        return new ImageReference(name[..slash], repository, tag, digest);
    }

    private static (string Registry, string Remainder) SplitDomain(string name)
    {
        string registry, remainder;
        var i = name.IndexOf('/');
        if (i < 0 || (name.AsSpan(0, i).IndexOfAny('.', ':') < 0 && name[..i] != "localhost" &&
                      string.Equals(name[..i].ToLowerInvariant(), name[..i], StringComparison.Ordinal)))
        {
            (registry, remainder) = (DefaultRegistry, name);
        }
        else
        {
            (registry, remainder) = (name[..i], name[(i + 1)..]);
        }

        if (registry == "index.docker.io") registry = DefaultRegistry;
        if (registry == DefaultRegistry && remainder.IndexOf('/') < 0) remainder = "library/" + remainder;
        return (registry, remainder);
    }

    private static ContainerizeException Invalid(string text, string message) =>
        new(ImageErrors.InvalidReference, message + (message.Contains(text, StringComparison.Ordinal) || text.Length == 0 ? "" : $": '{text}'"),
            hint: "an image reference looks like [registry[:port]/]repository[:tag][@sha256:digest], with a lower-case repository");

    private const string NameComponent = "[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*";
    private const string DomainComponent = "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])";
    private const string Domain = "(?:" + DomainComponent + "(?:\\." + DomainComponent + ")*|\\[(?:[a-fA-F0-9:]+)\\])(?::[0-9]+)?";
    private const string TagPattern = "[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}";
    private const string DigestPattern = "[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}";

    [GeneratedRegex("^(?<name>(?:" + Domain + "/)?" + NameComponent + "(?:/" + NameComponent + ")*)(?::(?<tag>" + TagPattern + "))?(?:@(?<digest>" + DigestPattern + "))?$", RegexOptions.CultureInvariant)]
    private static partial Regex ReferenceRegex();

    [GeneratedRegex("^" + TagPattern + "$", RegexOptions.CultureInvariant)]
    private static partial Regex TagRegex();

    [GeneratedRegex("^[a-f0-9]{64}$", RegexOptions.CultureInvariant)]
    private static partial Regex AnchoredIdentifierRegex();
}
