using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Text;
using Containerize.Core.Diagnostics;

namespace Containerize.Core.Supply.Signing;

/// <summary>
/// Reading a PEM key file: bounded, and with errors that name the file and never its content (a key, even a
/// malformed one, must not reach a log).
/// </summary>
internal static class KeyFile
{
    /// <summary>A PEM key is a few hundred bytes; a chain-sized file is already far beyond any key we read.</summary>
    internal const int MaxSize = 64 * 1024;

    /// <summary>One PEM block: its label and its decoded DER. The DER is the caller's to clear.</summary>
    internal sealed record PemBlock(string Label, byte[] Der);

    /// <summary>The file's text: at most <see cref="MaxSize"/> bytes, or a coded error.</summary>
    public static string Read(string path)
    {
        byte[] buffer;
        int length;
        try
        {
            if (Directory.Exists(path)) throw Unreadable(path, "is a folder");
            // Read at most one byte past the limit: a huge file or a device never becomes a huge allocation.
            using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.None);
            buffer = new byte[MaxSize + 1];
            length = 0;
            int read;
            while (length < buffer.Length && (read = file.Read(buffer, length, buffer.Length - length)) > 0) length += read;
        }
        catch (FileNotFoundException)
        {
            throw Unreadable(path, "does not exist");
        }
        catch (DirectoryNotFoundException)
        {
            throw Unreadable(path, "does not exist");
        }
        catch (UnauthorizedAccessException)
        {
            throw Unreadable(path, "cannot be read (permission denied)");
        }
        catch (IOException e) when (e is not PathTooLongException)
        {
            throw Unreadable(path, "cannot be read");
        }

        try
        {
            if (length > MaxSize) throw Malformed(path, $"is larger than {MaxSize / 1024} KiB: not a PEM key");
            return Encoding.ASCII.GetString(buffer, 0, length);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(buffer);
        }
    }

    /// <summary>The PEM blocks of the text, in order; a block whose base64 does not decode is a coded error.</summary>
    public static List<PemBlock> Blocks(string path, string text)
    {
        var blocks = new List<PemBlock>();
        var rest = text.AsSpan();
        while (PemEncoding.TryFind(rest, out var fields))
        {
            var label = rest[fields.Label].ToString();
            var data = rest[fields.Base64Data];
            var der = new byte[fields.DecodedDataLength];
            if (!Convert.TryFromBase64Chars(data, der, out var written) || written != der.Length) throw Malformed(path, $"has a '{label}' block whose base64 does not decode");
            blocks.Add(new PemBlock(label, der));
            rest = rest[fields.Location.End..];
        }

        if (blocks.Count == 0) throw Malformed(path, "holds no PEM block (-----BEGIN ...-----)");
        return blocks;
    }

    /// <summary>The key algorithm of a PKCS#8 PrivateKeyInfo or a SubjectPublicKeyInfo, with the curve of an EC key.</summary>
    public static (string Algorithm, string? Curve) AlgorithmOf(string path, byte[] der, bool privateKey)
    {
        try
        {
            var reader = new AsnReader(der, AsnEncodingRules.DER);
            var info = reader.ReadSequence();
            if (privateKey) info.ReadInteger();
            var identifier = info.ReadSequence();
            var algorithm = identifier.ReadObjectIdentifier();
            var curve = identifier.HasData && identifier.PeekTag().HasSameClassAndValue(Asn1Tag.ObjectIdentifier) ? identifier.ReadObjectIdentifier() : null;
            return (algorithm, curve);
        }
        catch (AsnContentException)
        {
            throw Malformed(path, privateKey ? "is not a PKCS#8 private key" : "is not a SubjectPublicKeyInfo public key");
        }
    }

    /// <summary>The curve named in a SEC1 ECPrivateKey ([0] parameters), or null when it names none.</summary>
    public static string? CurveOfSec1(string path, byte[] der)
    {
        try
        {
            var key = new AsnReader(der, AsnEncodingRules.DER).ReadSequence();
            key.ReadInteger();
            key.ReadOctetString();
            var parameters = new Asn1Tag(TagClass.ContextSpecific, 0, isConstructed: true);
            if (!key.HasData || !key.PeekTag().HasSameClassAndValue(parameters)) return null;
            var inner = key.ReadSequence(parameters);
            return inner.PeekTag().HasSameClassAndValue(Asn1Tag.ObjectIdentifier) ? inner.ReadObjectIdentifier() : null;
        }
        catch (AsnContentException)
        {
            throw Malformed(path, "is not a SEC1 EC private key");
        }
    }

    internal static ContainerizeException Unreadable(string path, string why) =>
        new(SupplyErrors.KeyUnreadable, $"the key file {why}", path,
            hint: "give the path of a PEM key file (ContainerSigningKey, or --key)");

    internal static ContainerizeException Malformed(string path, string why, string? hint = null) =>
        new(SupplyErrors.KeyMalformed, $"the key file {why}", path,
            hint: hint ?? "a private key is cosign's cosign.key or a PEM 'PRIVATE KEY', 'EC PRIVATE KEY' or 'ENCRYPTED PRIVATE KEY'; a verification key is a PEM 'PUBLIC KEY' (as cosign.pub)");

    internal static ContainerizeException Unsupported(string path, string what, string? hint = null) =>
        new(SupplyErrors.KeyUnsupported, $"the key file holds {what}; signatures are made with ECDSA P-256 keys", path,
            hint: hint ?? "use cosign generate-key-pair's cosign.key, or make a P-256 key: openssl ecparam -name prime256v1 -genkey -noout | openssl pkcs8 -topk8 -v2 aes-256-cbc -out cosign-ec.key");
}
