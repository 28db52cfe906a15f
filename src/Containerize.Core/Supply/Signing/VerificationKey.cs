using System.Security.Cryptography;

namespace Containerize.Core.Supply.Signing;

/// <summary>
/// A public key that checks signatures: ECDSA P-256 from a PEM <c>PUBLIC KEY</c> (SubjectPublicKeyInfo) file, as
/// <c>cosign.pub</c> and <c>openssl ec -pubout</c> write it.
/// </summary>
public sealed class VerificationKey : IDisposable
{
    private readonly ECDsa _key;

    private VerificationKey(string path, ECDsa key)
    {
        Path = path;
        _key = key;
    }

    /// <summary>The file the key was read from (for messages).</summary>
    public string Path { get; }

    /// <summary>Reads a public key file: CTZ8040 unreadable, CTZ8041 not a PEM public key, CTZ8043 not ECDSA P-256.</summary>
    public static VerificationKey Load(string path)
    {
        var blocks = KeyFile.Blocks(path, KeyFile.Read(path));
        var block = blocks.FirstOrDefault(b => b.Label != "EC PARAMETERS") ?? throw KeyFile.Malformed(path, "holds EC parameters and no key");
        return block.Label switch
        {
            "PUBLIC KEY" => FromSubjectPublicKeyInfo(block.Der, path),
            "RSA PUBLIC KEY" => throw KeyFile.Unsupported(path, "an RSA key"),
            "CERTIFICATE" => throw KeyFile.Malformed(path, "holds a certificate, not a public key",
                "extract its key: openssl x509 -in CERT -pubkey -noout > key.pub"),
            var label when label.Contains("PRIVATE KEY", StringComparison.Ordinal) => throw KeyFile.Malformed(path, "holds a private key, not a public key",
                "verify with the public key (cosign.pub; openssl pkey -in KEY -pubout writes it)"),
            _ => throw KeyFile.Malformed(path, $"holds a '{block.Label}' block, not a public key"),
        };
    }

    internal static VerificationKey FromSubjectPublicKeyInfo(byte[] der, string path)
    {
        var (algorithm, curve) = KeyFile.AlgorithmOf(path, der, privateKey: false);
        if (algorithm != KeyAlgorithms.EcPublicKey || curve != KeyAlgorithms.P256)
        {
            throw KeyFile.Unsupported(path, KeyAlgorithms.Describe(algorithm, curve), KeyAlgorithms.HintFor(algorithm));
        }

        var key = ECDsa.Create();
        try
        {
            key.ImportSubjectPublicKeyInfo(der, out _);
            return new VerificationKey(path, key);
        }
        catch (CryptographicException)
        {
            key.Dispose();
            throw KeyFile.Malformed(path, "holds a P-256 public key that does not decode");
        }
    }

    /// <summary>Whether <paramref name="signature"/> (DER, as cosign writes it) is this key's signature of SHA-256(<paramref name="payload"/>).</summary>
    public bool Verify(ReadOnlySpan<byte> payload, ReadOnlySpan<byte> signature)
    {
        try
        {
            return _key.VerifyData(payload, signature, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);
        }
        catch (CryptographicException)
        {
            return false;
        }
    }

    /// <summary>Whether the annotation's text (base64 of the DER signature) verifies <paramref name="payload"/>.</summary>
    public bool VerifyBase64(ReadOnlySpan<byte> payload, string? base64Signature)
    {
        if (string.IsNullOrEmpty(base64Signature) || base64Signature.Length > 4096) return false;
        var buffer = new byte[base64Signature.Length];
        return Convert.TryFromBase64String(base64Signature, buffer, out var length) && Verify(payload, buffer.AsSpan(0, length));
    }

    public void Dispose() => _key.Dispose();
}
