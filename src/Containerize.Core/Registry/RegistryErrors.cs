namespace Containerize.Core.Registry;

/// <summary>CTZ4xxx: talking to registries. docs/errors.md lists each with its hint.</summary>
public static class RegistryErrors
{
    /// <summary>401: the registry wants credentials we do not have, or rejected the ones we sent.</summary>
    public const string Unauthorized = "CTZ4001";

    /// <summary>403: authenticated, but not allowed to do this on the repository.</summary>
    public const string Denied = "CTZ4002";

    /// <summary>404: no such repository, tag, manifest or blob.</summary>
    public const string NotFound = "CTZ4003";

    /// <summary>The registry could not be reached (DNS, refused, TLS, timeouts), after retries.</summary>
    public const string Unreachable = "CTZ4004";

    /// <summary>Content whose digest or size is not what its descriptor says.</summary>
    public const string DigestMismatch = "CTZ4005";

    /// <summary>An unexpected HTTP status, after retries where retrying made sense.</summary>
    public const string UnexpectedStatus = "CTZ4006";

    /// <summary>An index has no manifest for the platform asked for.</summary>
    public const string NoMatchingPlatform = "CTZ4007";

    /// <summary>Offline mode, or an unreachable registry, and the image is not in the store.</summary>
    public const string NotCached = "CTZ4008";

    /// <summary>A docker-credential-* helper failed or is missing.</summary>
    public const string CredentialHelperFailed = "CTZ4009";

    /// <summary>The CA file given by option or SSL_CERT_FILE cannot be read.</summary>
    public const string BadCaFile = "CTZ4010";

    /// <summary>The registry answered something the distribution spec does not allow (no Location, bad Range, bad JSON).</summary>
    public const string ProtocolError = "CTZ4011";

    /// <summary>The token server of a bearer challenge refused or failed.</summary>
    public const string TokenFailed = "CTZ4012";

    /// <summary>A manifest media type we cannot handle (schema 1, an artifact).</summary>
    public const string UnsupportedManifest = "CTZ4013";

    /// <summary>A .NET runtime identifier that maps to no Linux platform.</summary>
    public const string UnknownRuntimeIdentifier = "CTZ4014";

    /// <summary>The Docker config file (config.json) is not valid JSON.</summary>
    public const string BadDockerConfig = "CTZ4015";

    /// <summary>Pushing needs content that the local store does not have.</summary>
    public const string MissingLocalContent = "CTZ4016";
}
