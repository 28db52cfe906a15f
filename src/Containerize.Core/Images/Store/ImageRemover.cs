using Containerize.Core.Diagnostics;
using Containerize.Core.Images.Oci;

namespace Containerize.Core.Images.Store;

/// <summary>
/// <c>containerize rmi</c>, as <c>docker rmi</c>: a name loses its tag (<c>Untagged: NAME:TAG</c>) and the image is
/// deleted (<c>Deleted: sha256:ID</c>) when its last name goes; an id removes every tag of the image, which needs
/// <c>force</c> when they are in several repositories (Docker's "referenced in multiple repositories"). Only
/// index.json changes: the image's blobs stay until <c>prune</c> (which also keeps what the build cache still uses).
/// </summary>
public sealed class ImageRemover(OciLayoutStore store)
{
    public Platform Platform { get; init; } = Platform.LinuxAmd64;

    /// <summary>
    /// The container made from an image (by image id): its short id and whether it runs, or null. Docker refuses to
    /// delete an image a container still uses, stopped or not, unless forced; the store has no containers, the runtime does.
    /// </summary>
    public Func<Digest, (string Container, bool Running)?> UsedBy { get; init; } = _ => null;

    /// <summary>Removes what <paramref name="argument"/> names; returns Docker's lines.</summary>
    public async Task<IReadOnlyList<string>> RemoveAsync(string argument, bool force, CancellationToken cancellationToken = default)
    {
        var images = await StoredImages.ReadAsync(store, Platform, cancellationToken).ConfigureAwait(false);
        var (image, byName) = images.Find(argument);
        if (byName is not null && !byName.Dangling)
        {
            // Untagging is refused only when it would delete the image a container uses.
            var last = !images.All.Any(r => r.ImageId == byName.ImageId && r != byName);
            if (last && !force && UsedBy(byName.ImageId) is { } user)
            {
                throw new ContainerizeException(StoreErrors.ImageInUseByContainer,
                    $"conflict: unable to remove repository reference \"{argument}\" (must force) - container {user.Container} is using its referenced image {byName.ImageId.ShortId}",
                    hint: $"remove the container first (containerize rm {user.Container}), or give -f to untag the image anyway");
            }

            return await RemoveRowsAsync(images, [byName], cancellationToken).ConfigureAwait(false);
        }

        if (!force && UsedBy(image.Id) is { } container)
        {
            throw new ContainerizeException(StoreErrors.ImageInUseByContainer,
                $"conflict: unable to delete {image.Id.ShortId} (must be forced) - image is being used by {(container.Running ? "running" : "stopped")} container {container.Container}",
                hint: $"remove the container first (containerize rm -f {container.Container}), or give -f");
        }

        var repositories = image.Tagged.Select(r => r.Reference!.Name).Distinct().ToList();
        if (repositories.Count > 1 && !force)
        {
            throw new ContainerizeException(StoreErrors.ImageInUseByRepositories,
                $"conflict: unable to delete {image.Id.ShortId} (must be forced) - image is referenced in multiple repositories ({string.Join(", ", image.RepoTags)})",
                hint: "remove it by name, one tag at a time, or give -f to remove every tag");
        }

        return await RemoveRowsAsync(images, image.Rows, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Removes the images a filter picks (by tag, dangling ones by id); returns Docker's lines.</summary>
    public async Task<IReadOnlyList<string>> RemoveMatchingAsync(IEnumerable<string> filters, bool force = false, CancellationToken cancellationToken = default)
    {
        var filter = ImageFilter.Parse(filters);
        var images = await StoredImages.ReadAsync(store, Platform, cancellationToken).ConfigureAwait(false);
        var rows = images.All.Where(filter.Matches).ToList();
        if (!force)
        {
            // All or nothing, as for one image: an image a container uses stops the whole removal.
            foreach (var id in rows.Select(r => r.ImageId).Distinct())
            {
                if (images.All.Any(r => r.ImageId == id && !rows.Contains(r)) || UsedBy(id) is not { } user) continue;
                throw new ContainerizeException(StoreErrors.ImageInUseByContainer,
                    $"conflict: unable to delete {id.ShortId} (must be forced) - image is being used by {(user.Running ? "running" : "stopped")} container {user.Container}",
                    hint: $"remove the container first (containerize rm -f {user.Container}), or give -f");
            }
        }

        return await RemoveRowsAsync(images, rows, cancellationToken).ConfigureAwait(false);
    }

    private async Task<IReadOnlyList<string>> RemoveRowsAsync(StoredImages images, IReadOnlyList<ImageSummary> rows, CancellationToken cancellationToken)
    {
        if (rows.Count == 0) return [];
        var names = rows.Where(r => !r.Dangling).Select(r => r.RefName!).ToHashSet(StringComparer.Ordinal);
        var dangling = rows.Where(r => r.Dangling).Select(r => r.Entry.Digest).ToHashSet();
        await store.UpdateIndexAsync(entries =>
            entries.RemoveAll(d => d.Annotation(AnnotationKeys.RefName) is { } n ? names.Contains(n) : dangling.Contains(d.Digest) && DanglingImages.IsDangling(d)) > 0,
            cancellationToken).ConfigureAwait(false);

        var lines = rows.Where(r => !r.Dangling).Select(r => "Untagged: " + r.Reference!.WithDefaultTag().FamiliarString).Distinct().ToList();
        var removed = rows.ToHashSet();
        foreach (var id in rows.Select(r => r.ImageId).Distinct())
        {
            if (images.All.Any(r => r.ImageId == id && !removed.Contains(r))) continue;
            lines.Add("Deleted: " + id);
        }

        return lines;
    }
}
