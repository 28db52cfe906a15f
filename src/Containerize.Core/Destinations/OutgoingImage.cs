using Containerize.Core.Images.Oci;

namespace Containerize.Core.Destinations;

/// <summary>
/// What a destination sends. <paramref name="Root"/> is what a registry, a layout and an OCI archive take (a manifest,
/// or an index); <paramref name="Names"/> are the image's names (the first names archives and loads; a registry
/// destination without names of its own pushes every one). Empty when a build had no -t.
/// </summary>
public sealed record OutgoingImage(Descriptor Root, IReadOnlyList<ImageReference> Names)
{
    /// <summary>
    /// What a one-image destination takes (a docker-archive, a daemon): the root, or one manifest of an index (a
    /// multi-RID publish loads this machine's). When it is an index, <see cref="Platform"/> picks the manifest.
    /// </summary>
    public Descriptor Loadable { get; init; } = Root;

    /// <summary>The manifest taken from an index by a one-image destination (save --platform, load-into).</summary>
    public Platform Platform { get; init; } = Platform.LinuxAmd64;

    /// <summary>The config digest of <see cref="Loadable"/>, when known: a daemon that holds it is not loaded again.</summary>
    public Digest? ImageId { get; init; }

    /// <summary>
    /// Artifact manifests in the store whose subject is <see cref="Root"/> (the SBOM, the provenance): a registry and an
    /// OCI layout carry them by the referrers tag schema (a registry with the referrers API by itself); an OCI archive,
    /// a docker-archive and a daemon load are one image for their loaders and leave them out (the store keeps them).
    /// </summary>
    public IReadOnlyList<Descriptor> Referrers { get; init; } = [];

    /// <summary>A registry that refuses the referrers fails the send (ContainerAttestationsRequired) instead of warning.</summary>
    public bool RequireReferrers { get; init; }
}
