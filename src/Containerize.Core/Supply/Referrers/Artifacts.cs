using System.Globalization;
using Containerize.Core.Images.Oci;
using Containerize.Core.Images.Store;

namespace Containerize.Core.Supply.Referrers;

/// <summary>One document to attach to an image: its artifact type (the document's media type) and bytes.</summary>
public sealed record Artifact(string ArtifactType, ReadOnlyMemory<byte> Content)
{
    /// <summary>Annotations of the document's layer (in-toto's predicate type, as BuildKit writes it).</summary>
    public IReadOnlyDictionary<string, string>? LayerAnnotations { get; init; }
}

/// <summary>
/// OCI 1.1 artifact manifests (image-spec "Guidelines for Artifact Usage"): the empty config, the document as the one
/// layer, <c>artifactType</c> set to the document's media type, and <c>subject</c> the image manifest, so registries
/// (the referrers API), the referrers tag schema and oras/cosign/ko all find it from the image.
/// </summary>
public static class Artifacts
{
    public const string EmptyMediaType = "application/vnd.oci.empty.v1+json";

    public static readonly byte[] EmptyContent = "{}"u8.ToArray();

    public static Descriptor EmptyConfig { get; } = new() { MediaType = EmptyMediaType, Digest = Digest.Sha256(EmptyContent), Size = EmptyContent.Length };

    /// <summary>
    /// Stores the artifact's blobs and manifest in the store and returns the manifest's descriptor as a referrers index
    /// lists it (with its artifactType and annotations). <paramref name="created"/> dates it (ContainerSourceDateEpoch)
    /// or, when null, nothing does: the same document gives the same manifest digest.
    /// </summary>
    public static async Task<Descriptor> StoreAsync(IContentStore store, Descriptor subject, Artifact artifact, DateTimeOffset? created, CancellationToken cancellationToken)
    {
        await store.PutBlobAsync(EmptyContent, EmptyMediaType, cancellationToken).ConfigureAwait(false);
        var layer = await store.PutBlobAsync(artifact.Content, artifact.ArtifactType, cancellationToken).ConfigureAwait(false);
        var annotations = created is { } c
            ? new SortedDictionary<string, string>(StringComparer.Ordinal) { [AnnotationKeys.Created] = c.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture) }
            : null;
        var manifest = new ImageManifest
        {
            MediaType = MediaTypes.OciManifest,
            ArtifactType = artifact.ArtifactType,
            Config = EmptyConfig,
            Layers = [layer with { MediaType = artifact.ArtifactType, Annotations = artifact.LayerAnnotations }],
            Subject = new Descriptor { MediaType = subject.MediaType, Digest = subject.Digest, Size = subject.Size },
            Annotations = annotations,
        };
        var stored = await store.PutBlobAsync(OciJson.Serialize(manifest), MediaTypes.OciManifest, cancellationToken).ConfigureAwait(false);
        return stored with { ArtifactType = artifact.ArtifactType, Annotations = annotations };
    }
}
