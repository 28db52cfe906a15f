using Containerize.Core.Diagnostics;
using Containerize.Core.Images.Oci;
using Containerize.Core.Images.Store;
using Containerize.Core.Registry;

namespace Containerize.Core.Supply.Signing;

/// <summary>
/// Where an image's signature image lives, under the tag <c>sha256-HEX.sig</c>: the image's repository in a
/// registry (<see cref="InRegistry"/>), the local store beside the image's name (<see cref="InStore"/>), or an OCI
/// layout, where tags are bare ref names (<see cref="InLayout"/>).
/// </summary>
public abstract record SignatureTarget
{
    private protected SignatureTarget()
    {
    }

    /// <summary>The repository of <paramref name="image"/> in its registry (the tag or digest of the reference is ignored).</summary>
    public static SignatureTarget InRegistry(RegistryClient client, ImageReference image) => new RegistrySignatures(client, image.Registry, image.Repository);

    /// <summary>The local store: the signature image is tagged <c>REGISTRY/REPO:sha256-HEX.sig</c> beside <paramref name="image"/>'s name.</summary>
    public static SignatureTarget InStore(OciLayoutStore store, ImageReference image) => new StoreSignatures(store, image);

    /// <summary>An OCI layout: the signature image is the index.json entry named <c>sha256-HEX.sig</c>.</summary>
    public static SignatureTarget InLayout(OciLayoutStore layout) => new LayoutSignatures(layout);

    /// <summary>The full name of a tag of this target, for messages: <c>localhost:5000/app:sha256-HEX.sig</c>.</summary>
    public abstract string NameOf(string tag);

    /// <summary>The manifest under <paramref name="tag"/> (its exact bytes), or null when there is none.</summary>
    internal abstract Task<(byte[] Content, Digest Digest)?> GetManifestAsync(string tag, CancellationToken cancellationToken);

    /// <summary>A small blob the manifest names, verified by digest; larger than <paramref name="maxSize"/> is refused.</summary>
    internal abstract Task<byte[]> ReadBlobAsync(Descriptor blob, long maxSize, CancellationToken cancellationToken);

    /// <summary>Stores a blob unless the target has it. Returns whether bytes were written or sent.</summary>
    internal abstract Task<bool> PutBlobAsync(Descriptor blob, byte[] content, CancellationToken cancellationToken);

    /// <summary>Stores an OCI manifest and points <paramref name="tag"/> at it.</summary>
    internal abstract Task PutManifestAsync(string tag, byte[] content, CancellationToken cancellationToken);

    private protected static void CheckSize(Descriptor blob, long maxSize, string where)
    {
        if (blob.Size < 0 || blob.Size > maxSize)
        {
            throw new ContainerizeException(SupplyErrors.MalformedReferrer, $"{where}: the signature blob {blob.Digest} is {blob.Size} bytes, more than a signature payload can be",
                hint: "the signature image was not written by cosign or containerize; delete its tag and sign again");
        }
    }
}

/// <summary>The signatures of images of one repository of a registry.</summary>
public sealed record RegistrySignatures(RegistryClient Client, string Registry, string Repository) : SignatureTarget
{
    private ImageReference Tagged(string tag) => ImageReference.Parse($"{Registry}/{Repository}:{tag}");

    public override string NameOf(string tag) => $"{Registry}/{Repository}:{tag}";

    internal override async Task<(byte[] Content, Digest Digest)?> GetManifestAsync(string tag, CancellationToken cancellationToken)
    {
        try
        {
            var response = await Client.GetManifestAsync(Tagged(tag), cancellationToken).ConfigureAwait(false);
            return (response.Content, response.Digest);
        }
        catch (ContainerizeException e) when (e.Code == RegistryErrors.NotFound)
        {
            return null;
        }
    }

    internal override async Task<byte[]> ReadBlobAsync(Descriptor blob, long maxSize, CancellationToken cancellationToken)
    {
        CheckSize(blob, maxSize, $"{Registry}/{Repository}");
        await using var stream = await Client.OpenBlobStreamAsync(Registry, Repository, blob, cancellationToken).ConfigureAwait(false);
        using var buffer = new MemoryStream((int)blob.Size);
        await stream.CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
        return buffer.ToArray();
    }

    internal override async Task<bool> PutBlobAsync(Descriptor blob, byte[] content, CancellationToken cancellationToken) =>
        await Client.PushBlobAsync(Registry, Repository, blob, new SmallBlobs(blob, content), cancellationToken: cancellationToken).ConfigureAwait(false) > 0;

    internal override Task PutManifestAsync(string tag, byte[] content, CancellationToken cancellationToken) =>
        Client.PutManifestAsync(Tagged(tag), content, MediaTypes.OciManifest, cancellationToken);
}

/// <summary>The signatures of images of the local store, tagged beside the image's name.</summary>
public sealed record StoreSignatures(OciLayoutStore Store, ImageReference Image) : SignatureTarget
{
    private ImageReference Tagged(string tag) => ImageReference.Parse($"{Image.Registry}/{Image.Repository}:{tag}");

    public override string NameOf(string tag) => Tagged(tag).FamiliarString;

    internal override async Task<(byte[] Content, Digest Digest)?> GetManifestAsync(string tag, CancellationToken cancellationToken) =>
        await Store.ResolveAsync(Tagged(tag), cancellationToken).ConfigureAwait(false) is { } found
            ? (await Store.ReadBlobBytesAsync(found, cancellationToken).ConfigureAwait(false), found.Digest)
            : null;

    internal override Task<byte[]> ReadBlobAsync(Descriptor blob, long maxSize, CancellationToken cancellationToken)
    {
        CheckSize(blob, maxSize, Image.WithoutDigest().FamiliarName);
        return Store.ReadBlobBytesAsync(blob, cancellationToken);
    }

    internal override Task<bool> PutBlobAsync(Descriptor blob, byte[] content, CancellationToken cancellationToken) => StoreBlobs.PutAsync(Store, blob, content, cancellationToken);

    internal override async Task PutManifestAsync(string tag, byte[] content, CancellationToken cancellationToken)
    {
        var manifest = await Store.PutBlobAsync(content, MediaTypes.OciManifest, cancellationToken).ConfigureAwait(false);
        await Store.TagAsync(Tagged(tag), manifest, cancellationToken).ConfigureAwait(false);
    }
}

/// <summary>The signatures of the images of an OCI layout: bare tags, as skopeo's <c>oci:DIR:TAG</c> names them.</summary>
public sealed record LayoutSignatures(OciLayoutStore Layout) : SignatureTarget
{
    public override string NameOf(string tag) => $"oci-layout://{Layout.Root}:{tag}";

    internal override async Task<(byte[] Content, Digest Digest)?> GetManifestAsync(string tag, CancellationToken cancellationToken)
    {
        var index = await Layout.ReadIndexAsync(cancellationToken).ConfigureAwait(false);
        var found = index.Manifests.LastOrDefault(d => d.Annotation(AnnotationKeys.RefName) == tag);
        return found is null ? null : (await Layout.ReadBlobBytesAsync(found, cancellationToken).ConfigureAwait(false), found.Digest);
    }

    internal override Task<byte[]> ReadBlobAsync(Descriptor blob, long maxSize, CancellationToken cancellationToken)
    {
        CheckSize(blob, maxSize, Layout.Root);
        return Layout.ReadBlobBytesAsync(blob, cancellationToken);
    }

    internal override Task<bool> PutBlobAsync(Descriptor blob, byte[] content, CancellationToken cancellationToken) => StoreBlobs.PutAsync(Layout, blob, content, cancellationToken);

    internal override async Task PutManifestAsync(string tag, byte[] content, CancellationToken cancellationToken)
    {
        var manifest = await Layout.PutBlobAsync(content, MediaTypes.OciManifest, cancellationToken).ConfigureAwait(false);
        await Layout.TagAsync(tag, manifest, fullName: null, cancellationToken).ConfigureAwait(false);
    }
}

internal static class StoreBlobs
{
    public static async Task<bool> PutAsync(OciLayoutStore store, Descriptor blob, byte[] content, CancellationToken cancellationToken)
    {
        if (await store.HasBlobAsync(blob.Digest, cancellationToken).ConfigureAwait(false)) return false;
        await store.PutBlobAsync(content, blob.MediaType, cancellationToken).ConfigureAwait(false);
        return true;
    }
}
