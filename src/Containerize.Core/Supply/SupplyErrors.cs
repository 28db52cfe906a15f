namespace Containerize.Core.Supply;

/// <summary>
/// CTZ8xxx: the supply chain: the SBOM, the provenance statement, their attachment as OCI referrers, and signatures.
/// docs/errors.md lists each with its hint.
/// </summary>
public static class SupplyErrors
{
    /// <summary>The project's project.assets.json is missing: an SBOM that lists no package would be a silent lie.</summary>
    public const string AssetsMissing = "CTZ8001";

    /// <summary>project.assets.json belongs to another project, or has no target for the published framework and RID.</summary>
    public const string AssetsForeign = "CTZ8002";

    /// <summary>project.assets.json is not the JSON NuGet writes (truncated, hand-edited, hostile).</summary>
    public const string AssetsMalformed = "CTZ8003";

    /// <summary>ContainerSbomFormat (or --sbom-format) names no format we write.</summary>
    public const string UnknownSbomFormat = "CTZ8004";

    /// <summary>Warning: the base image's OS package database could not be read (too large, malformed): the SBOM lists no OS package.</summary>
    public const string OsPackagesUnreadable = "CTZ8005";

    /// <summary>Warning (an error with ContainerAttestationsRequired): the registry refused an artifact manifest or its subject; the image itself is pushed.</summary>
    public const string AttachRefused = "CTZ8020";

    /// <summary>The image has no SBOM, attestation or signature of the kind asked for.</summary>
    public const string NoAttestations = "CTZ8021";

    /// <summary>A referrers index or artifact manifest found for the image is not what the OCI specs describe.</summary>
    public const string MalformedReferrer = "CTZ8022";

    /// <summary>The signing key file cannot be read (missing, a folder, no permission).</summary>
    public const string KeyUnreadable = "CTZ8040";

    /// <summary>The signing or verification key file is not a PEM key we can parse.</summary>
    public const string KeyMalformed = "CTZ8041";

    /// <summary>The encrypted private key needs a password, and the one given (or none) does not open it.</summary>
    public const string KeyWrongPassword = "CTZ8042";

    /// <summary>The key is of a type we do not sign with (RSA, a curve other than P-256).</summary>
    public const string KeyUnsupported = "CTZ8043";

    /// <summary>No signature of the image verifies with the given public key.</summary>
    public const string SignatureInvalid = "CTZ8044";

    /// <summary>The image has no signature at all.</summary>
    public const string NoSignature = "CTZ8045";
}
