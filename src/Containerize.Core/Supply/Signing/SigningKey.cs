using System.Security.Cryptography;
using Containerize.Core.Diagnostics;

namespace Containerize.Core.Supply.Signing;

/// <summary>
/// A private key that signs images: ECDSA P-256, the key type of <c>cosign generate-key-pair</c>, read from a PEM
/// file: cosign's own <c>cosign.key</c> (<c>ENCRYPTED SIGSTORE PRIVATE KEY</c>), PKCS#8 <c>PRIVATE KEY</c>, SEC1
/// <c>EC PRIVATE KEY</c>, or password-protected PKCS#8 <c>ENCRYPTED PRIVATE KEY</c>; the password of an encrypted
/// key comes from an environment variable. Load it before anything is pushed, so that a bad key fails
/// the publish first; no message ever holds key material or the password, only the file's path.
/// </summary>
public sealed class SigningKey : IDisposable
{
    /// <summary>The variable cosign reads the key's password from.</summary>
    public const string DefaultPasswordVariable = "COSIGN_PASSWORD";

    private readonly ECDsa _key;

    private SigningKey(string path, ECDsa key)
    {
        Path = path;
        _key = key;
        PublicKey = VerificationKey.FromSubjectPublicKeyInfo(key.ExportSubjectPublicKeyInfo(), path);
    }

    /// <summary>The file the key was read from (for messages).</summary>
    public string Path { get; }

    /// <summary>The matching verification key: a new signature is checked against existing ones with it.</summary>
    public VerificationKey PublicKey { get; }

    /// <summary>
    /// Reads a private key file. Coded errors: CTZ8040 (missing, a folder, unreadable), CTZ8041 (not a PEM key, over
    /// 64 KiB), CTZ8042 (encrypted, and the password is missing or does not open it), CTZ8043 (RSA, Ed25519, a curve
    /// other than P-256).
    /// </summary>
    /// <param name="path">The PEM file.</param>
    /// <param name="passwordVariable">The NAME of the environment variable holding the password of an encrypted key (default COSIGN_PASSWORD).</param>
    /// <param name="environment">Reads an environment variable (default: the process's environment).</param>
    public static SigningKey Load(string path, string? passwordVariable = DefaultPasswordVariable, Func<string, string?>? environment = null)
    {
        var variable = string.IsNullOrEmpty(passwordVariable) ? DefaultPasswordVariable : passwordVariable;
        var blocks = KeyFile.Blocks(path, KeyFile.Read(path));
        try
        {
            // openssl ecparam -genkey writes an EC PARAMETERS block before the key unless told -noout.
            var block = blocks.FirstOrDefault(b => b.Label != "EC PARAMETERS") ?? throw KeyFile.Malformed(path, "holds EC parameters and no key");
            return new SigningKey(path, block.Label switch
            {
                "PRIVATE KEY" => ImportPkcs8(path, block.Der),
                "EC PRIVATE KEY" => ImportSec1(path, block.Der),
                "ENCRYPTED PRIVATE KEY" => ImportEncrypted(path, block.Der, variable, environment ?? Environment.GetEnvironmentVariable),
                "RSA PRIVATE KEY" => throw KeyFile.Unsupported(path, "an RSA key"),
                "ENCRYPTED SIGSTORE PRIVATE KEY" or "ENCRYPTED COSIGN PRIVATE KEY" => ImportCosign(path, block.Der, variable, environment ?? Environment.GetEnvironmentVariable),
                "OPENSSH PRIVATE KEY" => throw KeyFile.Unsupported(path, "an OpenSSH key",
                    "convert it to PKCS#8 with ssh-keygen -p -m PKCS8 -f FILE, or make a P-256 key with openssl"),
                "PUBLIC KEY" or "CERTIFICATE" => throw KeyFile.Malformed(path, $"holds a {block.Label.ToLowerInvariant()}, not a private key",
                    "signing needs the private key (cosign.key's PEM counterpart); the public key verifies"),
                _ => throw KeyFile.Malformed(path, $"holds a '{block.Label}' block, not a private key"),
            });
        }
        finally
        {
            foreach (var b in blocks) CryptographicOperations.ZeroMemory(b.Der);
        }
    }

    /// <summary>
    /// Signs <paramref name="payload"/> as cosign does with an ECDSA key: SHA-256 of the bytes, the signature
    /// DER-encoded (ASN.1 SEQUENCE of r and s). ECDSA is randomized: two signatures of the same payload differ.
    /// </summary>
    public byte[] Sign(ReadOnlySpan<byte> payload) => _key.SignData(payload, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);

    public void Dispose()
    {
        _key.Dispose();
        PublicKey.Dispose();
    }

    private static ECDsa ImportPkcs8(string path, byte[] der)
    {
        var (algorithm, curve) = KeyFile.AlgorithmOf(path, der, privateKey: true);
        RequireP256(path, algorithm, curve);
        return Import(path, key => key.ImportPkcs8PrivateKey(der, out _));
    }

    private static ECDsa ImportCosign(string path, byte[] document, string variable, Func<string, string?> environment)
    {
        var der = CosignKeyFile.Decrypt(path, document, Password(path, variable, environment), variable);
        try
        {
            return ImportPkcs8(path, der);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(der);
        }
    }

    /// <summary>The password of an encrypted key: the variable's value, or CTZ8042 naming the variable when it is not set.</summary>
    private static string Password(string path, string variable, Func<string, string?> environment) =>
        environment(variable) ?? throw new ContainerizeException(SupplyErrors.KeyWrongPassword, $"the key file is encrypted and ${variable} is not set", path,
            hint: $"set the environment variable {variable} to the key's password (ContainerSigningKeyPasswordVariable names another variable)");

    private static ECDsa ImportSec1(string path, byte[] der)
    {
        var curve = KeyFile.CurveOfSec1(path, der) ?? throw KeyFile.Malformed(path, "holds an EC private key that names no curve");
        RequireP256(path, KeyAlgorithms.EcPublicKey, curve);
        return Import(path, key => key.ImportECPrivateKey(der, out _));
    }

    private static ECDsa ImportEncrypted(string path, byte[] der, string variable, Func<string, string?> environment)
    {
        var password = Password(path, variable, environment);
        var key = ECDsa.Create();
        try
        {
            key.ImportEncryptedPkcs8PrivateKey(password, der, out _);
        }
        catch (CryptographicException)
        {
            key.Dispose();
            // The password may be right and the key not an EC key: RSA is the one other type .NET opens here.
            using (var rsa = RSA.Create())
            {
                try
                {
                    rsa.ImportEncryptedPkcs8PrivateKey(password, der, out _);
                }
                catch (CryptographicException)
                {
                    throw new ContainerizeException(SupplyErrors.KeyWrongPassword, $"the password in ${variable} does not open the key file", path,
                        hint: $"set {variable} to the key's password; an encrypted key must be ECDSA P-256 (PBES2, as openssl pkcs8 -topk8 -v2 aes-256-cbc writes it)");
                }
            }

            throw KeyFile.Unsupported(path, "an RSA key");
        }

        if (!KeyAlgorithms.IsP256(key))
        {
            key.Dispose();
            throw KeyFile.Unsupported(path, "an ECDSA key on another curve than P-256");
        }

        return key;
    }

    private static void RequireP256(string path, string algorithm, string? curve)
    {
        if (algorithm != KeyAlgorithms.EcPublicKey || curve != KeyAlgorithms.P256)
        {
            throw KeyFile.Unsupported(path, KeyAlgorithms.Describe(algorithm, curve), KeyAlgorithms.HintFor(algorithm));
        }
    }

    private static ECDsa Import(string path, Action<ECDsa> import)
    {
        var key = ECDsa.Create();
        try
        {
            import(key);
            return key;
        }
        catch (CryptographicException)
        {
            key.Dispose();
            throw KeyFile.Malformed(path, "holds a P-256 key that does not decode");
        }
    }
}
