using System.Security.Cryptography;

namespace Containerize.Core.Supply.Signing;

/// <summary>The object identifiers of key algorithms and curves, and how a message names an unsupported one.</summary>
internal static class KeyAlgorithms
{
    public const string EcPublicKey = "1.2.840.10045.2.1";
    public const string P256 = "1.2.840.10045.3.1.7";

    /// <summary>Whether an imported key's curve is P-256 (OpenSSL names it by OID, other platforms by friendly name).</summary>
    public static bool IsP256(ECDsa key)
    {
        var curve = key.ExportParameters(includePrivateParameters: false).Curve;
        return curve.IsNamed && (curve.Oid.Value == P256 || curve.Oid.FriendlyName is "nistP256" or "ECDSA_P256" or "prime256v1" or "secp256r1");
    }

    /// <summary>"an RSA key", "an ECDSA P-384 key"...: what a message says of a key we do not sign with.</summary>
    public static string Describe(string algorithm, string? curve) => algorithm switch
    {
        "1.2.840.113549.1.1.1" or "1.2.840.113549.1.1.10" => "an RSA key",
        "1.3.101.112" => "an Ed25519 key",
        "1.3.101.113" => "an Ed448 key",
        "1.2.840.10040.4.1" => "a DSA key",
        EcPublicKey => "an ECDSA key on " + curve switch
        {
            "1.3.132.0.34" => "P-384",
            "1.3.132.0.35" => "P-521",
            "1.3.132.0.10" => "secp256k1",
            null => "an unnamed curve",
            _ => "curve " + curve,
        },
        _ => "a key of algorithm " + algorithm,
    };

    /// <summary>The hint for an Ed25519 key: cosign signs with it, this implementation does not yet.</summary>
    public static string? HintFor(string algorithm) => algorithm == "1.3.101.112"
        ? "Ed25519 signatures are not made here yet; make an ECDSA P-256 key: openssl ecparam -name prime256v1 -genkey -noout | openssl pkcs8 -topk8 -v2 aes-256-cbc -out cosign-ec.key"
        : null;
}
