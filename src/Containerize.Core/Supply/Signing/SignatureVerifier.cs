using Containerize.Core.Diagnostics;
using Containerize.Core.Images.Oci;

namespace Containerize.Core.Supply.Signing;

/// <summary>A signature that verified: the payload it signs and where it was found.</summary>
/// <param name="ManifestDigest">The payload's docker-manifest-digest: the image's digest.</param>
/// <param name="DockerReference">The identity the signer claimed.</param>
/// <param name="PayloadDigest">The digest of the signed payload blob (the layer's digest).</param>
/// <param name="Name">The signature image's full name.</param>
public sealed record VerifiedSignature(Digest ManifestDigest, string DockerReference, Digest PayloadDigest, string Name);

/// <summary>
/// Checks an image's cosign signatures with a public key, as <c>cosign verify --key</c> does for key-signed images
/// with no transparency log: a signature layer counts when its annotation verifies its payload blob with the key
/// and the payload is cosign's and names the image's digest.
/// </summary>
public static class SignatureVerifier
{
    /// <summary>
    /// The first signature of <paramref name="manifest"/> that <paramref name="key"/> verifies. CTZ8045 when the
    /// image has no signature image (or it has no signature layer); CTZ8044 when none of them verifies.
    /// </summary>
    public static async Task<VerifiedSignature> VerifyAsync(SignatureTarget target, Digest manifest, VerificationKey key, CancellationToken cancellationToken = default)
    {
        var tag = CosignFormat.SignatureTag(manifest);
        var name = target.NameOf(tag);
        var found = await SignatureImages.ReadAsync(target, tag, cancellationToken).ConfigureAwait(false);
        var layers = found?.Manifest.Layers.Where(l => l.MediaType == CosignFormat.SimpleSigningMediaType && l.Annotation(CosignFormat.SignatureAnnotation) is not null).ToList() ?? [];
        if (layers.Count == 0)
        {
            throw new ContainerizeException(SupplyErrors.NoSignature, $"{manifest} has no signature: {name} " + (found is null ? "does not exist" : "holds no signature layer"),
                hint: "sign it with 'containerize sign' or cosign; a signature is tied to the digest, so a rebuilt image needs a new one");
        }

        var rejected = new List<string>();
        foreach (var layer in layers)
        {
            if (layer.Size > SimpleSigningPayload.MaxSize)
            {
                rejected.Add($"{layer.Digest.ShortId}: payload too large");
                continue;
            }

            var payload = await target.ReadBlobAsync(layer, SimpleSigningPayload.MaxSize, cancellationToken).ConfigureAwait(false);
            if (!key.VerifyBase64(payload, layer.Annotation(CosignFormat.SignatureAnnotation)))
            {
                rejected.Add($"{layer.Digest.ShortId}: not signed by this key");
                continue;
            }

            var parsed = SimpleSigningPayload.TryParse(payload);
            if (parsed is null)
            {
                rejected.Add($"{layer.Digest.ShortId}: not a cosign payload");
                continue;
            }

            if (parsed.ManifestDigest != manifest)
            {
                rejected.Add($"{layer.Digest.ShortId}: signs {parsed.ManifestDigest}, another image");
                continue;
            }

            return new VerifiedSignature(parsed.ManifestDigest, parsed.DockerReference, layer.Digest, name);
        }

        throw new ContainerizeException(SupplyErrors.SignatureInvalid,
            $"no signature of {manifest} verifies with the key {key.Path} ({layers.Count} in {name}: {string.Join("; ", rejected)})",
            hint: "check that this is the public key of the signing key; an image signed with another key needs that key's public half");
    }
}
