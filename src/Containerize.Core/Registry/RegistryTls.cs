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
    private readonly X509Certificate2Collection _extraRoots = [];
    private readonly Func<string, bool> _isInsecure;

    public RegistryTls(string? caFile, Func<string, bool> isInsecure)
    {
        _isInsecure = isInsecure;
        if (caFile is null) return;
        try
        {
            _extraRoots.ImportFromPemFile(caFile);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or CryptographicException)
        {
            throw new ContainerizeException(RegistryErrors.BadCaFile, $"cannot read CA certificates from {caFile}: {e.Message}", caFile,
                hint: "give a PEM file of one or more CERTIFICATE blocks", inner: e);
        }

        if (_extraRoots.Count == 0)
        {
            throw new ContainerizeException(RegistryErrors.BadCaFile, $"no certificate in {caFile}", caFile,
                hint: "give a PEM file of one or more CERTIFICATE blocks");
        }
    }

    public bool Validate(string host, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        if (errors == SslPolicyErrors.None) return true;
        if (_isInsecure(host)) return true;
        if (certificate is null || _extraRoots.Count == 0) return false;
        if ((errors & ~SslPolicyErrors.RemoteCertificateChainErrors) != 0) return false;
        using var custom = new X509Chain();
        custom.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        custom.ChainPolicy.CustomTrustStore.AddRange(_extraRoots);
        custom.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        if (chain is not null)
        {
            foreach (var element in chain.ChainElements) custom.ChainPolicy.ExtraStore.Add(element.Certificate);
        }

        using var leaf = new X509Certificate2(certificate);
        return custom.Build(leaf);
    }
}
