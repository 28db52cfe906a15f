using Containerize.Core.Diagnostics;
using Containerize.Core.Images.Oci;

namespace Containerize.Core.Images.Store;

/// <summary>
/// An image of the store as Docker names one: its id (the config digest) and every index.json entry of that id (its
/// tags, or one untagged entry when it is dangling).
/// </summary>
public sealed record StoredImage(Digest Id, IReadOnlyList<ImageSummary> Rows)
{
    public IEnumerable<ImageSummary> Tagged => Rows.Where(r => !r.Dangling);

    /// <summary>The RepoTags of <c>docker image inspect</c>: NAME:TAG, familiar, sorted.</summary>
    public IReadOnlyList<string> RepoTags => Tagged.Select(r => r.Reference!.WithDefaultTag().FamiliarString).Distinct().Order(StringComparer.Ordinal).ToList();

    /// <summary>The entry whose manifest describes the image (the first tag's, else the dangling entry).</summary>
    public ImageSummary Primary => Tagged.FirstOrDefault() ?? Rows[0];
}

/// <summary>
/// Finds images as <c>docker rmi</c>, <c>image inspect</c> and <c>history</c> take them: NAME[:TAG] (a tag of the
/// store), the full id <c>sha256:HEX</c>, or a unique prefix of the id's hex (what <c>images</c> prints).
/// </summary>
public sealed class StoredImages
{
    private StoredImages(IReadOnlyList<ImageSummary> rows) => All = rows;

    public IReadOnlyList<ImageSummary> All { get; }

    public static async Task<StoredImages> ReadAsync(OciLayoutStore store, Platform platform, CancellationToken cancellationToken = default) =>
        new(await new ImageLister(store) { Platform = platform }.ListAsync([], cancellationToken).ConfigureAwait(false));

    public StoredImage ImageOf(Digest id) => new(id, All.Where(r => r.ImageId == id).ToList());

    /// <summary>The image an argument names, how it was named (by a tag: that row), or a coded error.</summary>
    public (StoredImage Image, ImageSummary? ByName) Find(string argument)
    {
        if (ImageReference.TryParse(argument, out var reference) && reference is not null && reference.Digest is null)
        {
            var name = reference.WithDefaultTag().ToString();
            if (All.FirstOrDefault(r => r.RefName == name) is { } row) return (ImageOf(row.ImageId), row);
        }

        var hex = argument.StartsWith("sha256:", StringComparison.Ordinal) ? argument["sha256:".Length..] : argument;
        if (hex.Length is > 0 and <= 64 && hex.All(char.IsAsciiHexDigitLower))
        {
            var ids = All.Select(r => r.ImageId).Where(d => d.Algorithm == "sha256" && d.Encoded.StartsWith(hex, StringComparison.Ordinal)).Distinct().ToList();
            if (ids.Count > 1)
            {
                throw new ContainerizeException(StoreErrors.AmbiguousImageId, $"the image id prefix '{argument}' matches {ids.Count} images: {string.Join(", ", ids.Select(d => d.ShortId))}",
                    hint: "give more of the id, or the image's name");
            }

            if (ids is [var id]) return (ImageOf(id), null);
        }

        throw new ContainerizeException(StoreErrors.ImageNotFound, $"no such image: {argument}",
            hint: "list the store's images with 'containerize images' (name:tag or an image id)");
    }
}
