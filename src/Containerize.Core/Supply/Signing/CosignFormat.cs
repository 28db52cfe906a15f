using Containerize.Core.Images.Oci;

namespace Containerize.Core.Supply.Signing;

/// <summary>
/// The names cosign gives a signature image (its "tag-based" format, the one every cosign release reads): the tag
/// <c>sha256-HEX.sig</c> beside the image in its repository, one layer per signature, the payload as the layer's
/// blob and the base64 DER signature in the layer's annotation.
/// </summary>
public static class CosignFormat
{
    /// <summary>The media type of a signature layer: the blob is a simple signing payload.</summary>
    public const string SimpleSigningMediaType = "application/vnd.dev.cosign.simplesigning.v1+json";

    /// <summary>The layer annotation that holds the base64 of the DER (ASN.1) ECDSA signature.</summary>
    public const string SignatureAnnotation = "dev.cosignproject.cosign/signature";

    /// <summary>critical.type of a payload cosign writes and accepts.</summary>
    public const string PayloadType = "cosign container image signature";

    /// <summary>The tag of the signature image of <paramref name="manifest"/>: <c>sha256:HEX</c> becomes <c>sha256-HEX.sig</c>.</summary>
    public static string SignatureTag(Digest manifest) => $"{manifest.Algorithm}-{manifest.Encoded}.sig";

    /// <summary>
    /// The identity cosign claims by default: the repository's full name as go-containerregistry spells it
    /// (<c>docker.io</c> is written <c>index.docker.io</c>, official images keep <c>library/</c>), with no tag.
    /// </summary>
    public static string DockerReference(ImageReference image) =>
        (image.Registry == ImageReference.DefaultRegistry ? "index.docker.io" : image.Registry) + "/" + image.Repository;
}
