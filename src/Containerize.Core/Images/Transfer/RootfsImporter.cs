using Containerize.Core.Os;
using System.Formats.Tar;
using System.IO.Compression;
using Containerize.Core.Diagnostics;
using Containerize.Core.Images.Layers;
using Containerize.Core.Images.Oci;
using Containerize.Core.Images.Store;

namespace Containerize.Core.Images.Transfer;

/// <summary>
/// <c>containerize import</c>: one reproducible layer from a root filesystem (a folder, or a tar, plain or
/// gzip/zstd) with config changes, as <c>docker import</c> does, optionally appended to a base image: the base's
/// layers and config are kept and the new layer and its diff ID go on top. Owners, modes, symlinks, hardlinks and
/// devices are taken from the source; times are not (every entry gets <see cref="Timestamp"/>), so the same content
/// gives the same layer, config and manifest digests wherever and whenever it is imported.
/// </summary>
public sealed class RootfsImporter(OciLayoutStore store)
{
    public LayerCompression Compression { get; init; } = LayerCompression.Gzip;

    /// <summary>The time of every entry and of the config's created field: the epoch unless SOURCE_DATE_EPOCH says otherwise.</summary>
    public DateTimeOffset Timestamp { get; init; } = DateTimeOffset.UnixEpoch;

    public Platform Platform { get; init; } = Platform.LinuxAmd64;

    public async Task<Descriptor> ImportAsync(string rootfs, IEnumerable<string> changes, Descriptor? baseManifest = null, string? comment = null, CancellationToken cancellationToken = default)
    {
        var changeList = changes.ToList();
        // Validate the changes before the (possibly long) layer write.
        ImageChanges.Apply(null, changeList);
        var scratch = Path.Combine(store.IngestPath, "rootfs-" + Guid.NewGuid().ToString("N"));
        try
        {
            var entries = Directory.Exists(rootfs) ? FromDirectory(rootfs)
                : File.Exists(rootfs) ? await FromTarAsync(rootfs, scratch, cancellationToken).ConfigureAwait(false)
                : throw new ContainerizeException(StoreErrors.RootfsNotFound, $"'{rootfs}' is neither a folder nor a file",
                    hint: "give the root filesystem as a folder or a tar archive");
            var options = new LayerWriterOptions { Compression = Compression, Timestamp = Timestamp };
            LayerResult? result = null;
            var blob = await store.PutBlobFromWriterAsync(MediaTypes.LayerFor(Compression, docker: false), async (stream, ct) =>
            {
                result = await LayerWriter.WriteAsync(entries, stream, options, ct).ConfigureAwait(false);
            }, cancellationToken).ConfigureAwait(false);
            if (result!.Blob.Digest != blob.Digest)
            {
                throw new ContainerizeException(StoreErrors.DigestMismatch, $"the layer writer reported {result.Blob.Digest} but wrote {blob.Digest}",
                    hint: "an internal error; report it");
            }

            return await AppendLayerAsync(store, baseManifest, blob, result.DiffId, changeList, Timestamp, Platform,
                comment ?? "containerize import", cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            if (Directory.Exists(scratch)) Directory.Delete(scratch, recursive: true);
        }
    }

    /// <summary>
    /// Appends a stored layer to an image (or starts a new image when <paramref name="baseManifest"/> is null), applies
    /// config changes and records history; returns the new manifest, stored. The base's blobs are shared, not copied.
    /// </summary>
    public static async Task<Descriptor> AppendLayerAsync(
        IContentStore store, Descriptor? baseManifest, Descriptor layer, Digest diffId, IReadOnlyList<string> changes,
        DateTimeOffset created, Platform platform, string createdBy, CancellationToken cancellationToken = default)
    {
        ImageManifest? baseImage = null;
        ImageConfiguration? baseConfig = null;
        if (baseManifest is not null)
        {
            baseImage = await store.ReadManifestAsync(baseManifest, cancellationToken).ConfigureAwait(false);
            baseConfig = await store.ReadConfigAsync(baseImage.Config, cancellationToken).ConfigureAwait(false);
        }

        var config = (baseConfig ?? new ImageConfiguration { Architecture = platform.Architecture, Os = platform.Os, Variant = platform.Variant, RootFs = new RootFs { DiffIds = [] } }) with
        {
            Created = created,
            Config = ImageChanges.Apply(baseConfig?.Config, changes),
            RootFs = new RootFs { DiffIds = [.. baseConfig?.RootFs.DiffIds ?? [], diffId] },
            History = [.. baseConfig?.History ?? [], new HistoryEntry { Created = created, CreatedBy = createdBy, Comment = changes.Count > 0 ? string.Join("; ", changes) : null }],
        };
        var configBlob = await store.PutBlobAsync(OciJson.Serialize(config), MediaTypes.OciConfig, cancellationToken).ConfigureAwait(false);
        var manifest = new ImageManifest { Config = configBlob, Layers = [.. baseImage?.Layers ?? [], layer] };
        var stored = await store.PutBlobAsync(OciJson.Serialize(manifest), MediaTypes.OciManifest, cancellationToken).ConfigureAwait(false);
        return stored with { Platform = config.Platform };
    }

    /// <summary>The folder's entries as lstat sees them, with their owners (LayerSource keeps modes but not owners).</summary>
    private static IReadOnlyList<LayerEntry> FromDirectory(string rootfs)
    {
        var root = Path.GetFullPath(rootfs);
        return LayerSource.FromDirectory(root).Select(e =>
        {
            var st = LibC.LStat(Path.Combine(root, e.Path.TrimStart('/')));
            return st is { } s ? e with { Uid = (int)s.Uid, Gid = (int)s.Gid } : e;
        }).ToList();
    }

    /// <summary>A tar's entries; file contents go to scratch files, so the writer can sort and stream them.</summary>
    private static async Task<IReadOnlyList<LayerEntry>> FromTarAsync(string tarPath, string scratch, CancellationToken cancellationToken)
    {
        await using var file = File.OpenRead(tarPath);
        var head = new byte[4];
        var n = await file.ReadAtLeastAsync(head, head.Length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
        file.Position = 0;
        await using Stream tarStream = LayerDecompression.Sniff(head.AsSpan(0, n)) switch
        {
            LayerCompression.Gzip => new GZipStream(file, CompressionMode.Decompress),
            LayerCompression.Zstd => new ZstdSharp.DecompressionStream(file),
            _ => file,
        };
        return await ReadTarAsync(tarStream, scratch, tarPath, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The entries of an uncompressed tar stream with their owners, modes and links; file contents are spooled to
    /// files in <paramref name="scratch"/>. Also what ADD extracts from a local archive.
    /// </summary>
    internal static async Task<IReadOnlyList<LayerEntry>> ReadTarAsync(Stream tarStream, string scratch, string tarPath, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(scratch);
        var entries = new List<LayerEntry>();
        try
        {
            await using var reader = new TarReader(tarStream, leaveOpen: true);
            var index = 0;
            while (await reader.GetNextEntryAsync(copyData: false, cancellationToken).ConfigureAwait(false) is { } entry)
            {
                var path = entry.Name.TrimStart('.', '/');
                if (path.Length == 0) continue;
                LayerEntry? e = entry.EntryType switch
                {
                    TarEntryType.Directory => LayerEntry.Directory(path, entry.Mode),
                    TarEntryType.SymbolicLink => LayerEntry.Symlink(path, entry.LinkName),
                    TarEntryType.HardLink => LayerEntry.Hardlink(path, entry.LinkName.TrimStart('.', '/')) with { Mode = entry.Mode },
                    TarEntryType.RegularFile or TarEntryType.V7RegularFile or TarEntryType.ContiguousFile =>
                        LayerEntry.FromFile(path, await SaveAsync(entry, Path.Combine(scratch, (index++).ToString(System.Globalization.CultureInfo.InvariantCulture)), cancellationToken).ConfigureAwait(false), entry.Mode),
                    TarEntryType.CharacterDevice or TarEntryType.BlockDevice when entry is PosixTarEntry p => new LayerEntry
                    {
                        Path = path,
                        Kind = entry.EntryType == TarEntryType.CharacterDevice ? LayerEntryKind.CharDevice : LayerEntryKind.BlockDevice,
                        Mode = entry.Mode,
                        DeviceMajor = p.DeviceMajor,
                        DeviceMinor = p.DeviceMinor,
                    },
                    TarEntryType.Fifo => new LayerEntry { Path = path, Kind = LayerEntryKind.Fifo, Mode = entry.Mode },
                    _ => null, // PAX/GNU metadata entries are folded in by the reader; anything else has no place in a layer.
                };
                if (e is not null) entries.Add(e with { Uid = entry.Uid, Gid = entry.Gid });
            }
        }
        catch (Exception e) when (e is InvalidDataException or EndOfStreamException or FormatException)
        {
            throw new ContainerizeException(StoreErrors.MalformedArchive, $"'{tarPath}' is not a readable tar: {e.Message}",
                hint: "give a folder, or a tar (plain, gzip or zstd) of the root filesystem");
        }

        return FirstNameIsTheFile(entries);
    }

    /// <summary>
    /// A tar may write a hardlinked file under any of its names first; the layer writer needs the name that comes
    /// first in its own order (a depth-first walk, names ordinal) to be the file and the others links to it, which is
    /// also what a folder with the same tree gives, so a tar and a folder of one tree make the same layer.
    /// </summary>
    private static List<LayerEntry> FirstNameIsTheFile(List<LayerEntry> entries)
    {
        var byPath = new Dictionary<string, LayerEntry>(StringComparer.Ordinal);
        foreach (var e in entries) byPath[e.Path.TrimEnd('/')] = e; // the last entry for a path wins, as in the writer
        string Root(string path)
        {
            for (var hops = 0; hops < 64 && byPath.TryGetValue(path, out var e) && e.Kind == LayerEntryKind.Hardlink; hops++) path = e.LinkTarget!.TrimEnd('/');
            return path;
        }

        var groups = entries.Where(e => e.Kind == LayerEntryKind.Hardlink)
            .GroupBy(e => Root(e.Path.TrimEnd('/')), StringComparer.Ordinal)
            .Where(g => byPath.TryGetValue(g.Key, out var f) && f.Kind == LayerEntryKind.File);
        foreach (var group in groups)
        {
            var file = byPath[group.Key];
            var names = group.Select(e => e.Path.TrimEnd('/')).Append(group.Key).OrderBy(p => p, WalkOrder.Instance).ToList();
            var first = names[0];
            byPath[first] = file with { Path = first };
            foreach (var other in names.Skip(1)) byPath[other] = LayerEntry.Hardlink(other, first) with { Mode = file.Mode, Uid = file.Uid, Gid = file.Gid };
        }

        return entries.Select(e => byPath[e.Path.TrimEnd('/')]).ToList();
    }

    /// <summary>Paths compared component by component, ordinally: the order of a depth-first walk.</summary>
    private sealed class WalkOrder : IComparer<string>
    {
        public static readonly WalkOrder Instance = new();

        public int Compare(string? x, string? y)
        {
            var a = x!.Split('/');
            var b = y!.Split('/');
            for (var i = 0; i < Math.Min(a.Length, b.Length); i++)
            {
                var c = string.CompareOrdinal(a[i], b[i]);
                if (c != 0) return c;
            }

            return a.Length.CompareTo(b.Length);
        }
    }

    private static async Task<string> SaveAsync(TarEntry entry, string path, CancellationToken cancellationToken)
    {
        await using var output = File.Create(path);
        if (entry.DataStream is { } data) await data.CopyToAsync(output, cancellationToken).ConfigureAwait(false);
        return path;
    }
}
