using Containerize.Core.Os;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Containerize.Core.Building.Plan;
using Containerize.Core.Images.Oci;
using Containerize.Core.Images.Store;

namespace Containerize.Core.Building.Cache;

/// <summary>
/// The build cache, inside the store: build-cache/&lt;key&gt; names the manifest a step produced. The key is the
/// SHA-256 of the step's <see cref="StepCacheKey"/> lines (parent, instruction, build args, sources' digests). A hit
/// needs the manifest, config and layers still stored. Entries are prune roots (<see cref="IPruneRootSource"/>), the
/// least recently used going first.
/// </summary>
public sealed class BuildCache(OciLayoutStore store) : IPruneRootSource
{
    public string Folder => Path.Combine(store.Root, "build-cache");

    /// <summary>
    /// Part of every key. Raise it when the engine makes a different result from the same inputs (a semantics fix),
    /// so a store filled by an older engine does not hand its results back. 2: COPY/WORKDIR write through the image's
    /// symlinks, EXPOSE ranges, --chmod leaves made destination folders 0755, a stage inherits its base stage's ARGs.
    /// 3: history's created_by as Docker 26's BuildKit writes it (ARG entries, RUN's "|N k=v" prefix, Go-formatted
    /// CMD/ENTRYPOINT/EXPOSE/VOLUME/SHELL/HEALTHCHECK, no ONBUILD entry), CMD's ArgsEscaped, MAINTAINER's author.
    /// </summary>
    public const int ResultsVersion = 3;

    public static string Key(IEnumerable<string> lines)
    {
        var text = string.Join('\n', lines);
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
    }

    public async Task<ImageState?> LookupAsync(string key, CancellationToken cancellationToken)
    {
        var path = Path.Combine(Folder, key);
        if (!File.Exists(path)) return null;
        var parts = (await File.ReadAllTextAsync(path, cancellationToken).ConfigureAwait(false)).Trim().Split(' ');
        if (parts.Length != 2 || !Digest.TryParse(parts[0], out var digest) || !long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var size)) return null;
        var descriptor = new Descriptor { MediaType = MediaTypes.OciManifest, Digest = digest, Size = size };
        if (!await store.HasBlobAsync(digest, cancellationToken).ConfigureAwait(false)) return null;
        var manifest = await store.ReadManifestAsync(descriptor, cancellationToken).ConfigureAwait(false);
        if (!await store.HasBlobAsync(manifest.Config.Digest, cancellationToken).ConfigureAwait(false)) return null;
        foreach (var layer in manifest.Layers)
        {
            // A base layer kept in its registry (pulled lazily) is as good as a stored one: it is fetched if read.
            if (!await store.IsAvailableAsync(layer.Digest, cancellationToken).ConfigureAwait(false)) return null;
        }

        var config = await store.ReadConfigAsync(manifest.Config, cancellationToken).ConfigureAwait(false);
        File.SetLastWriteTimeUtc(path, DateTime.UtcNow); // least recently used goes first when pruning
        // The same descriptor a fresh build commits (platform included), so a cached build tags exactly as a fresh one.
        return new ImageState(descriptor with { Platform = config.Platform }, manifest.Config.Digest, manifest.Layers, config);
    }

    public async Task StoreAsync(string key, Descriptor manifest, CancellationToken cancellationToken)
    {
        await AtomicFile.WriteTextAsync(Path.Combine(Folder, key), $"{manifest.Digest} {manifest.Size.ToString(CultureInfo.InvariantCulture)}\n",
            AtomicWriteOptions.Cache, cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<PruneRoot>> GetRootsAsync(CancellationToken cancellationToken)
    {
        var roots = new List<PruneRoot>();
        if (!Directory.Exists(Folder)) return roots;
        foreach (var path in Directory.EnumerateFiles(Folder).Where(p => !p.EndsWith(".tmp", StringComparison.Ordinal)))
        {
            var parts = (await File.ReadAllTextAsync(path, cancellationToken).ConfigureAwait(false)).Trim().Split(' ');
            if (parts.Length != 2 || !Digest.TryParse(parts[0], out var digest)) continue;
            var size = long.Parse(parts[1], CultureInfo.InvariantCulture);
            roots.Add(new PruneRoot(new Descriptor
            {
                MediaType = MediaTypes.OciManifest,
                Digest = digest,
                Size = size,
                Annotations = new Dictionary<string, string> { ["containerize.cache.key"] = Path.GetFileName(path) },
            }, File.GetLastWriteTimeUtc(path)));
        }

        return roots;
    }

    public Task ReleaseAsync(PruneRoot root, CancellationToken cancellationToken)
    {
        if (root.Descriptor.Annotation("containerize.cache.key") is { } key) File.Delete(Path.Combine(Folder, key));
        return Task.CompletedTask;
    }
}
