using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Containerize.Core.Diagnostics;

namespace Containerize.Core.Registry;

/// <summary>
/// Certificate checks: the system's trust, plus the CA certificates of a PEM file (option, else SSL_CERT_FILE); none
/// at all for hosts the user declared insecure.
/// </summary>
internal sealed class RegistryTls
{
    private readonly Lazy<X509Certificate2Collection> _extraRoots;
    private readonly Func<string, bool> _isInsecure;

    /// <param name="caFile">Extra trusted roots (a PEM file), or null.</param>
    /// <param name="lazy">
    /// Read the file on the first certificate that the system's roots reject, not now: SSL_CERT_FILE often names the
    /// whole system bundle (about 150 certificates, tens of milliseconds to parse), which every publish would pay for
    /// while most registries it talks to are trusted already or plain HTTP on loopback.
    /// </param>
    public RegistryTls(string? caFile, Func<string, bool> isInsecure, bool lazy = false)
    {
        _isInsecure = isInsecure;
        _extraRoots = new Lazy<X509Certificate2Collection>(() => caFile is null ? [] : Load(caFile), LazyThreadSafetyMode.ExecutionAndPublication);
        if (!lazy) _ = _extraRoots.Value;
    }

    private static X509Certificate2Collection Load(string caFile)
    {
        var roots = new X509Certificate2Collection();
        try
        {
            roots.ImportFromPemFile(caFile);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or CryptographicException)
        {
            throw new ContainerizeException(RegistryErrors.BadCaFile, $"cannot read CA certificates from {caFile}: {e.Message}", caFile,
                hint: "give a PEM file of one or more CERTIFICATE blocks", inner: e);
        }

        if (roots.Count == 0)
        {
            throw new ContainerizeException(RegistryErrors.BadCaFile, $"no certificate in {caFile}", caFile,
                hint: "give a PEM file of one or more CERTIFICATE blocks");
        }

        return roots;
    }

    public bool Validate(string host, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        if (errors == SslPolicyErrors.None) return true;
        if (_isInsecure(host)) return true;
        if (certificate is null) return false;
        X509Certificate2Collection extraRoots;
        try
        {
            extraRoots = _extraRoots.Value;
        }
        catch (ContainerizeException)
        {
            // A lazily read SSL_CERT_FILE that cannot be read adds no roots; the handshake then fails as untrusted.
            return false;
        }

        if (extraRoots.Count == 0) return false;
        if ((errors & ~SslPolicyErrors.RemoteCertificateChainErrors) != 0) return false;
        using var custom = new X509Chain();
        custom.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        custom.ChainPolicy.CustomTrustStore.AddRange(extraRoots);
        custom.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        if (chain is not null)
        {
            foreach (var element in chain.ChainElements) custom.ChainPolicy.ExtraStore.Add(element.Certificate);
        }

        using var leaf = new X509Certificate2(certificate);
        return custom.Build(leaf);
    }
}
