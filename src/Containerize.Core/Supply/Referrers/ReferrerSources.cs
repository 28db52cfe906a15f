using Containerize.Core.Diagnostics;
using Containerize.Core.Images.Oci;
using Containerize.Core.Images.Store;
using Containerize.Core.Registry;

namespace Containerize.Core.Supply.Referrers;

/// <summary>Where an image's referrers are read from: the store or an OCI layout, or a registry.</summary>
public interface IReferrerSource
{
    /// <summary>The image's manifest (or index), by its name.</summary>
    Task<Descriptor> ResolveAsync(CancellationToken cancellationToken);

    Task<IReadOnlyList<Descriptor>> ListAsync(Digest subject, CancellationToken cancellationToken);

    Task<byte[]> ReadAsync(Descriptor blob, CancellationToken cancellationToken);
}

/// <summary>
/// Reading what is attached to an image: its referrers, each artifact's manifest and document. Everything read is the
/// source's text: sizes are capped and the artifact manifest must name the image as its subject.
/// </summary>
public static class ReferrerReader
{
    /// <summary>An SBOM of a large image is a few MB; a document larger than this is refused, not read into memory.</summary>
    public const long MaxDocumentBytes = 64L << 20;

    public sealed record Attached(Descriptor Manifest, string ArtifactType, Descriptor Document);

    public static async Task<IReadOnlyList<Attached>> ListAsync(IReferrerSource source, Descriptor subject, string? artifactType, CancellationToken cancellationToken)
    {
        var result = new List<Attached>();
        foreach (var entry in await source.ListAsync(subject.Digest, cancellationToken).ConfigureAwait(false))
        {
            if (artifactType is not null && entry.ArtifactType is { } t && t != artifactType) continue;
            if (entry.Size > MaxDocumentBytes) throw Malformed($"the artifact manifest {entry.Digest} is {entry.Size} bytes");
            var manifest = OciJson.DeserializeManifest(await source.ReadAsync(entry, cancellationToken).ConfigureAwait(false), $"artifact manifest {entry.Digest}");
            if (manifest.Subject?.Digest != subject.Digest) throw Malformed($"the artifact manifest {entry.Digest} is listed for {subject.Digest} but its subject is {manifest.Subject?.Digest.ToString() ?? "missing"}");
            var type = manifest.ArtifactType ?? manifest.Config.MediaType;
            if (artifactType is not null && type != artifactType) continue;
            if (manifest.Layers.Count == 0) continue;
            result.Add(new Attached(entry, type, manifest.Layers[0]));
        }

        return result;
    }

    public static async Task<byte[]> ReadDocumentAsync(IReferrerSource source, Attached attached, CancellationToken cancellationToken)
    {
        if (attached.Document.Size > MaxDocumentBytes) throw Malformed($"the document {attached.Document.Digest} is {attached.Document.Size} bytes");
        var bytes = await source.ReadAsync(attached.Document, cancellationToken).ConfigureAwait(false);
        if (Digest.Sha256(bytes) != attached.Document.Digest) throw Malformed($"the document read does not have the digest {attached.Document.Digest}");
        return bytes;
    }

    private static ContainerizeException Malformed(string what) =>
        new(SupplyErrors.MalformedReferrer, what, hint: "the referrers were not written by a tool that follows the OCI image spec; publish the image again");
}

/// <summary>The local store or an OCI layout: the referrers tag schema's index under the image's repository (store) or bare tag (layout).</summary>
public sealed class LayoutReferrerSource(OciLayoutStore layout, ImageReference? name, string? layoutTag = null) : IReferrerSource
{
    public async Task<Descriptor> ResolveAsync(CancellationToken cancellationToken)
    {
        if (name is not null) return await layout.ResolveRequiredAsync(name, cancellationToken).ConfigureAwait(false);
        var index = await layout.ReadIndexAsync(cancellationToken).ConfigureAwait(false);
        var tag = layoutTag ?? ImageReference.DefaultTag;
        return index.Manifests.FirstOrDefault(m => m.Annotation(AnnotationKeys.RefName) == tag)
            ?? throw new ContainerizeException(StoreErrors.ImageNotFound, $"{layout.Root} has no image tagged {tag}", hint: "name the tag: oci-layout://DIR:TAG");
    }

    public async Task<IReadOnlyList<Descriptor>> ListAsync(Digest subject, CancellationToken cancellationToken)
    {
        var tag = ReferrersIndex.TagOf(subject);
        var entries = (await layout.ReadIndexAsync(cancellationToken).ConfigureAwait(false)).Manifests;
        var tagged = entries.FirstOrDefault(m => m.Annotation(AnnotationKeys.RefName) is { } r
            && (r == tag || (name is not null && r == name.WithTag(tag).ToString())));
        if (tagged is null) return [];
        return OciJson.DeserializeIndex(await ReadAsync(tagged, cancellationToken).ConfigureAwait(false), $"referrers index {tag}").Manifests;
    }

    public Task<byte[]> ReadAsync(Descriptor blob, CancellationToken cancellationToken) => layout.ReadBlobBytesAsync(blob, cancellationToken);
}

/// <summary>A registry: the referrers API where it has one, else the tag schema's index.</summary>
public sealed class RegistryReferrerSource(RegistryClient client, ImageReference name) : IReferrerSource
{
    public async Task<Descriptor> ResolveAsync(CancellationToken cancellationToken) =>
        await client.HeadManifestAsync(name.WithDefaultTag(), cancellationToken).ConfigureAwait(false)
        ?? throw new ContainerizeException(RegistryErrors.NotFound, $"{name} is not in the registry", hint: "check the name and tag");

    public async Task<IReadOnlyList<Descriptor>> ListAsync(Digest subject, CancellationToken cancellationToken) =>
        (await new RegistryReferrers(client).ListAsync(name, subject, cancellationToken).ConfigureAwait(false))?.Manifests ?? [];

    public async Task<byte[]> ReadAsync(Descriptor blob, CancellationToken cancellationToken)
    {
        if (MediaTypes.IsManifest(blob.MediaType) || MediaTypes.IsIndex(blob.MediaType))
        {
            return (await client.GetManifestAsync(name.ByDigest(blob.Digest), cancellationToken).ConfigureAwait(false)).Content;
        }

        await using var stream = await client.OpenBlobStreamAsync(name.Registry, name.Repository, blob, cancellationToken).ConfigureAwait(false);
        using var buffer = new MemoryStream();
        await stream.CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
        return buffer.ToArray();
    }
}
