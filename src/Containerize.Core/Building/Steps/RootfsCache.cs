using System.Collections.Concurrent;
using System.Globalization;
using Containerize.Core.Building.Plan;
using Containerize.Core.Images.Layers;
using Containerize.Core.Images.Oci;
using Containerize.Core.Images.Store;

namespace Containerize.Core.Building.Steps;

/// <summary>
/// The image filesystems one build extracts: a stage's or an image's rootfs for RUN --mount=from, USER and --chown
/// name lookups, and COPY --from's sources. Each image is extracted once per build, even when two stages ask at the
/// same time, into a numbered folder under the build's scratch folder (the builder deletes it after the build).
/// </summary>
public sealed class RootfsCache(OciLayoutStore store, string scratchFolder)
{
    private readonly ConcurrentDictionary<Digest, Lazy<Task<string>>> _full = new();
    private readonly ConcurrentDictionary<(Digest, string), Lazy<Task<string>>> _scoped = new();
    private int _folders;

    /// <summary>The whole rootfs of <paramref name="image"/> (every layer applied in order).</summary>
    public Task<string> FullAsync(ImageState image, CancellationToken cancellationToken) =>
        _full.GetOrAdd(image.Manifest?.Digest ?? default, _ => new Lazy<Task<string>>(async () =>
        {
            var folder = NewFolder();
            Directory.CreateDirectory(folder);
            foreach (var layer in image.Layers)
            {
                await using var blob = await store.OpenLayerAsync(layer, image.Manifest?.Digest.ShortId, cancellationToken).ConfigureAwait(false);
                // The digest names the layer in an error about one of its entries (and is checked on the way).
                await LayerApplier.ApplyAsync(folder, blob, expectedDigest: layer.Digest, cancellationToken: cancellationToken).ConfigureAwait(false);
            }

            return folder;
        })).Value;

    /// <summary>
    /// Only what <paramref name="scope"/> names (COPY --from's sources) and the folders above it; the whole rootfs when
    /// it is already extracted or when a partial tree could differ from it.
    /// </summary>
    internal Task<string> ForSourcesAsync(ImageState image, SourceScope scope, CancellationToken cancellationToken)
    {
        var digest = image.Manifest?.Digest ?? default;
        // A full extraction already made (for RUN --mount, USER, --chown) serves every scope.
        if (_full.ContainsKey(digest)) return FullAsync(image, cancellationToken);
        return _scoped.GetOrAdd((digest, scope.Key), _ => new Lazy<Task<string>>(async () =>
        {
            var folder = NewFolder();
            if (await ScopedExtraction.TryExtractAsync(store, image, scope, folder, cancellationToken).ConfigureAwait(false)) return folder;
            Directory.Delete(folder, recursive: true);
            return await FullAsync(image, cancellationToken).ConfigureAwait(false);
        })).Value;
    }

    private string NewFolder() => Path.Combine(scratchFolder, Interlocked.Increment(ref _folders).ToString(CultureInfo.InvariantCulture));
}
