using Containerize.Core.Diagnostics;
using Containerize.Core.Images.Oci;

namespace Containerize.Core.Supply.Signing;

/// <summary>What signing did: where the signature image is, its digest, and whether a signature was added.</summary>
/// <param name="Name">The signature image's full name (<c>localhost:5000/app:sha256-HEX.sig</c>).</param>
/// <param name="Tag">The tag alone (<c>sha256-HEX.sig</c>).</param>
/// <param name="SignatureManifest">The digest of the signature image's manifest after signing.</param>
/// <param name="Added">False when a signature of this payload by this key was already there: nothing was written.</param>
public sealed record SignResult(string Name, string Tag, Digest SignatureManifest, bool Added);

/// <summary>
/// Signs images in cosign's tag-based format, with no cosign: the payload names the manifest digest and the claimed
/// identity, the key signs it, and the signature is appended as a layer of the <c>sha256-HEX.sig</c> image beside
/// the image (its existing signatures kept). cosign verify accepts the result, and <c>openssl dgst -sha256 -verify</c>
/// checks it.
/// </summary>
public static class ImageSigner
{
    /// <summary>
    /// Signs <paramref name="manifest"/> (the digest of a manifest, or of an index: cosign signs the index of a
    /// multi-platform image). When the signature image already holds a signature of the same payload that this key
    /// verifies, nothing is written (ECDSA signatures are randomized, so a new one would be a second layer).
    /// The signature image is read, extended and written back, as cosign does: two signers of one digest at the same
    /// moment can lose one signature (the registry has no compare-and-swap on a tag); sign again to restore it.
    /// </summary>
    /// <param name="target">Where the image is: <see cref="SignatureTarget.InRegistry"/>, <see cref="SignatureTarget.InStore"/>, <see cref="SignatureTarget.InLayout"/>.</param>
    /// <param name="manifest">The digest of what is signed.</param>
    /// <param name="dockerReference">The identity claimed; cosign's default is <see cref="CosignFormat.DockerReference"/> of the pushed name.</param>
    /// <param name="key">From <see cref="SigningKey.Load"/>.</param>
    public static async Task<SignResult> SignAsync(SignatureTarget target, Digest manifest, string dockerReference, SigningKey key, CancellationToken cancellationToken = default)
    {
        var tag = CosignFormat.SignatureTag(manifest);
        var payload = new SimpleSigningPayload(dockerReference, manifest).ToBytes();
        var payloadDigest = Digest.Sha256(payload);

        var existing = await SignatureImages.ReadAsync(target, tag, cancellationToken).ConfigureAwait(false);
        var layers = existing?.Manifest.Layers ?? [];
        // The same payload is the same blob: a layer of that digest whose signature this key verifies is this signature.
        if (existing is { } found && layers.Any(l => l.MediaType == CosignFormat.SimpleSigningMediaType && l.Digest == payloadDigest &&
            key.PublicKey.VerifyBase64(payload, l.Annotation(CosignFormat.SignatureAnnotation))))
        {
            return new SignResult(target.NameOf(tag), tag, found.Digest, Added: false);
        }

        var layer = SignatureImage.Layer(payload, key.Sign(payload));
        var (manifestBytes, config, configDescriptor) = SignatureImage.Build([.. layers, layer]);
        await target.PutBlobAsync(layer with { Annotations = null }, payload, cancellationToken).ConfigureAwait(false);
        await target.PutBlobAsync(configDescriptor, config, cancellationToken).ConfigureAwait(false);
        await target.PutManifestAsync(tag, manifestBytes, cancellationToken).ConfigureAwait(false);
        return new SignResult(target.NameOf(tag), tag, Digest.Sha256(manifestBytes), Added: true);
    }
}

/// <summary>Reading the signature image under a tag.</summary>
internal static class SignatureImages
{
    public static async Task<(ImageManifest Manifest, Digest Digest)?> ReadAsync(SignatureTarget target, string tag, CancellationToken cancellationToken)
    {
        if (await target.GetManifestAsync(tag, cancellationToken).ConfigureAwait(false) is not { } found) return null;
        if (!MediaTypes.IsManifest(OciJson.PeekMediaType(found.Content)))
        {
            throw new ContainerizeException(SupplyErrors.MalformedReferrer, $"{target.NameOf(tag)} is not an image manifest, so not a signature image",
                hint: "something else uses cosign's signature tag; delete that tag and sign again");
        }

        try
        {
            return (OciJson.DeserializeManifest(found.Content, $"signature image {target.NameOf(tag)}"), found.Digest);
        }
        catch (ContainerizeException e) when (e.Code == Images.ImageErrors.MalformedJson)
        {
            throw new ContainerizeException(SupplyErrors.MalformedReferrer, e.Diagnostic.Message,
                hint: "the signature image was not written by cosign or containerize; delete its tag and sign again", inner: e);
        }
    }
}
