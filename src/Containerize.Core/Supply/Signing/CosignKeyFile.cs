using System.Security.Cryptography;
using System.Text.Json;
using Containerize.Core.Diagnostics;
using Org.BouncyCastle.Crypto.Engines;
using Org.BouncyCastle.Crypto.Generators;
using Org.BouncyCastle.Crypto.Macs;
using Org.BouncyCastle.Crypto.Parameters;

namespace Containerize.Core.Supply.Signing;

/// <summary>
/// cosign's own private key file (<c>cosign generate-key-pair</c>'s <c>cosign.key</c>, PEM <c>ENCRYPTED SIGSTORE
/// PRIVATE KEY</c>, <c>ENCRYPTED COSIGN PRIVATE KEY</c> before cosign 2): a JSON document holding a PKCS#8 key sealed
/// with NaCl's secretbox (XSalsa20-Poly1305) under a key scrypt derives from the password. The BCL has neither
/// primitive; BouncyCastle supplies both.
/// </summary>
internal static class CosignKeyFile
{
    private const int KeySize = 32;
    private const int NonceSize = 24;
    private const int TagSize = 16;

    /// <summary>The scrypt parameters cosign's library writes and accepts (legacy, standard, OWASP): memory stays bounded (128 MiB at most).</summary>
    private static readonly (int N, int R, int P)[] KnownParameters = [(32768, 8, 1), (65536, 8, 1), (131072, 8, 1)];

    /// <summary>The PKCS#8 DER inside. CTZ8041 when the document is not cosign's, CTZ8042 when the password does not open it.</summary>
    public static byte[] Decrypt(string path, byte[] document, string password, string variable)
    {
        var (n, r, p, salt, nonce, box) = Parse(path, document);
        var key = SCrypt.Generate(System.Text.Encoding.UTF8.GetBytes(password), salt, n, r, p, KeySize);
        try
        {
            // secretbox: the first 32 bytes of the XSalsa20 stream key Poly1305; the message is XORed with the rest.
            var stream = new XSalsa20Engine();
            stream.Init(true, new ParametersWithIV(new KeyParameter(key), nonce));
            var macKey = new byte[KeySize];
            stream.ProcessBytes(new byte[KeySize], 0, KeySize, macKey, 0);
            var mac = new Poly1305();
            mac.Init(new KeyParameter(macKey));
            mac.BlockUpdate(box, TagSize, box.Length - TagSize);
            var tag = new byte[TagSize];
            mac.DoFinal(tag, 0);
            CryptographicOperations.ZeroMemory(macKey);
            if (!CryptographicOperations.FixedTimeEquals(tag, box.AsSpan(0, TagSize)))
            {
                throw new ContainerizeException(SupplyErrors.KeyWrongPassword, $"the password in ${variable} does not open the cosign key file", path,
                    hint: $"set {variable} to the password given to cosign generate-key-pair");
            }

            var plain = new byte[box.Length - TagSize];
            stream.ProcessBytes(box, TagSize, plain.Length, plain, 0);
            return plain;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
        }
    }

    private static (int N, int R, int P, byte[] Salt, byte[] Nonce, byte[] Box) Parse(string path, byte[] document)
    {
        try
        {
            using var json = JsonDocument.Parse(document);
            var root = json.RootElement;
            var kdf = root.GetProperty("kdf");
            var parameters = kdf.GetProperty("params");
            var cipher = root.GetProperty("cipher");
            var (n, r, p) = (parameters.GetProperty("N").GetInt32(), parameters.GetProperty("r").GetInt32(), parameters.GetProperty("p").GetInt32());
            var salt = kdf.GetProperty("salt").GetBytesFromBase64();
            var nonce = cipher.GetProperty("nonce").GetBytesFromBase64();
            var box = root.GetProperty("ciphertext").GetBytesFromBase64();
            if (kdf.GetProperty("name").GetString() != "scrypt" || cipher.GetProperty("name").GetString() != "nacl/secretbox")
            {
                throw KeyFile.Unsupported(path, "a cosign key sealed otherwise than with scrypt and nacl/secretbox");
            }

            if (!KnownParameters.Contains((n, r, p)))
            {
                throw KeyFile.Malformed(path, $"asks for scrypt parameters cosign never writes (N={n}, r={r}, p={p})");
            }

            if (nonce.Length != NonceSize || box.Length <= TagSize || salt.Length == 0) throw KeyFile.Malformed(path, "is a cosign key with a truncated nonce or ciphertext");
            return (n, r, p, salt, nonce, box);
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw KeyFile.Malformed(path, "is not a cosign key document (the JSON of cosign generate-key-pair)");
        }
    }
}
