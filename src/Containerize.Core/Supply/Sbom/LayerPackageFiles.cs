using System.Formats.Tar;
using System.Text;
using System.Text.Json;
using Containerize.Core.Images.Layers;
using Containerize.Core.Images.Oci;
using Containerize.Core.Images.Store;
using Containerize.Core.Os;

namespace Containerize.Core.Supply.Sbom;

/// <summary>
/// What one layer holds of the files an SBOM reads: the package databases and os-release it writes (a null content is
/// a whiteout: the layer deletes it), the folders it makes opaque, and the .NET shared frameworks it adds
/// (<c>Microsoft.NETCore.App/10.0.0</c>). Read once per layer digest and kept beside the store, so the next publish
/// on the same base reads nothing.
/// </summary>
public sealed record LayerPackageFiles(IReadOnlyDictionary<string, string?> Files, IReadOnlyList<string> OpaqueFolders, IReadOnlyList<string> Frameworks)
{
    /// <summary>A whole dpkg database of a full Debian is about 2 MB; more than this in one layer is not one.</summary>
    public const long MaxFileBytes = 32L << 20;

    /// <summary>All the files one layer gives the SBOM together: a layer of thousands of .deps.json files is refused, not held.</summary>
    public const long MaxLayerBytes = 128L << 20;

    public static bool IsPackageFile(string path) =>
        path is "var/lib/dpkg/status" or "lib/apk/db/installed" or "etc/os-release" or "usr/lib/os-release"
        || (path.StartsWith(StatusD, StringComparison.Ordinal) && path.IndexOf('/', StatusD.Length) < 0 && path.Length > StatusD.Length)
        || IsDepsFile(path);

    /// <summary>An app's <c>*.deps.json</c> (its NuGet packages, for an image built from a Dockerfile alone); the runtime's own are not an app's.</summary>
    public static bool IsDepsFile(string path) =>
        path.EndsWith(".deps.json", StringComparison.Ordinal)
        && !path.StartsWith("usr/share/dotnet/", StringComparison.Ordinal) && !path.StartsWith("usr/lib/dotnet/", StringComparison.Ordinal);

    public const string StatusD = "var/lib/dpkg/status.d/";

    private static readonly string[] FrameworkRoots = ["usr/share/dotnet/shared/", "usr/lib/dotnet/shared/"];

    /// <summary>The layer's extract: from the cache folder when it was read before, else read from the store (fetched if remote).</summary>
    public static async Task<LayerPackageFiles> ReadAsync(IContentStore store, Descriptor layer, string? cacheFolder, string? image, CancellationToken cancellationToken)
    {
        var cachePath = cacheFolder is null ? null : Path.Combine(cacheFolder, layer.Digest.Encoded + ".json");
        if (cachePath is not null && TryLoad(cachePath) is { } cached) return cached;
        // Read once and not kept: a base layer left in its registry is streamed, never stored (see ReadLayerAsync).
        await using var raw = await store.ReadLayerAsync(layer, image, cancellationToken).ConfigureAwait(false);
        var extract = await ScanAsync(raw, cancellationToken).ConfigureAwait(false);
        if (cachePath is not null)
        {
            // A cache, not a record: a lost write only costs the next publish one read of the layer.
            await AtomicFile.WriteAsync(cachePath, extract.ToJson(), AtomicWriteOptions.Cache, cancellationToken).ConfigureAwait(false);
        }

        return extract;
    }

    /// <summary>Reads a layer blob (gzip, zstd or plain tar). A malformed tar or an oversized database throws <see cref="InvalidDataException"/>.</summary>
    public static async Task<LayerPackageFiles> ScanAsync(Stream raw, CancellationToken cancellationToken)
    {
        var (tarStream, _) = await LayerStreams.OpenAsync(raw, cancellationToken).ConfigureAwait(false);
        await using var _tar = tarStream;
        var files = new SortedDictionary<string, string?>(StringComparer.Ordinal);
        var opaque = new SortedSet<string>(StringComparer.Ordinal);
        var frameworks = new SortedSet<string>(StringComparer.Ordinal);
        long total = 0;
        await using var reader = new TarReader(tarStream, leaveOpen: true);
        while (await reader.GetNextEntryAsync(copyData: false, cancellationToken).ConfigureAwait(false) is { } entry)
        {
            var path = LayerPaths.TryNormalize(entry.Name);
            if (path is null) continue;
            var name = LayerPaths.Name(path);
            var parent = LayerPaths.Parent(path);
            if (name == LayerPaths.OpaqueMarker)
            {
                opaque.Add(parent);
                continue;
            }

            if (name.StartsWith(LayerPaths.WhiteoutPrefix, StringComparison.Ordinal))
            {
                var deleted = LayerPaths.Join(parent, name[LayerPaths.WhiteoutPrefix.Length..]);
                if (IsPackageFile(deleted) || deleted.StartsWith(StatusD.TrimEnd('/'), StringComparison.Ordinal)) files[deleted] = null;
                continue;
            }

            foreach (var root in FrameworkRoots)
            {
                // usr/share/dotnet/shared/Microsoft.NETCore.App/10.0.0/...: the framework and its version.
                if (!path.StartsWith(root, StringComparison.Ordinal)) continue;
                var parts = path[root.Length..].Split('/');
                if (parts.Length >= 2 && parts[0].Length > 0 && parts[1].Length > 0) frameworks.Add(parts[0] + "/" + parts[1]);
            }

            if (!IsPackageFile(path) || entry.EntryType is not (TarEntryType.RegularFile or TarEntryType.V7RegularFile)) continue;
            if (entry.Length > MaxFileBytes) throw new InvalidDataException($"/{path} is {entry.Length} bytes");
            total += entry.Length;
            if (total > MaxLayerBytes) throw new InvalidDataException($"the layer's package databases and .deps.json files pass {MaxLayerBytes >> 20} MiB");
            if (entry.DataStream is null)
            {
                files[path] = "";
                continue;
            }

            var buffer = new byte[entry.Length];
            await entry.DataStream.ReadExactlyAsync(buffer, cancellationToken).ConfigureAwait(false);
            files[path] = Encoding.UTF8.GetString(buffer);
        }

        return new LayerPackageFiles(files, opaque.ToList(), frameworks.ToList());
    }

    private byte[] ToJson()
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteNumber("version", 2);
            w.WriteStartObject("files");
            foreach (var (path, content) in Files)
            {
                if (content is null) w.WriteNull(path);
                else w.WriteString(path, content);
            }

            w.WriteEndObject();
            w.WriteStartArray("opaque");
            foreach (var o in OpaqueFolders) w.WriteStringValue(o);
            w.WriteEndArray();
            w.WriteStartArray("frameworks");
            foreach (var f in Frameworks) w.WriteStringValue(f);
            w.WriteEndArray();
            w.WriteEndObject();
        }

        return buffer.ToArray();
    }

    private static LayerPackageFiles? TryLoad(string path)
    {
        try
        {
            if (!File.Exists(path)) return null;
            using var doc = JsonDocument.Parse(File.ReadAllBytes(path));
            var root = doc.RootElement;
            if (root.GetProperty("version").GetInt32() != 2) return null;
            var files = new SortedDictionary<string, string?>(StringComparer.Ordinal);
            foreach (var f in root.GetProperty("files").EnumerateObject()) files[f.Name] = f.Value.ValueKind == JsonValueKind.Null ? null : f.Value.GetString();
            return new LayerPackageFiles(files,
                root.GetProperty("opaque").EnumerateArray().Select(e => e.GetString()!).ToList(),
                root.GetProperty("frameworks").EnumerateArray().Select(e => e.GetString()!).ToList());
        }
        catch (Exception e) when (e is JsonException or IOException or InvalidOperationException or KeyNotFoundException or UnauthorizedAccessException)
        {
            // A damaged cache entry is read again from the layer.
            return null;
        }
    }
}
