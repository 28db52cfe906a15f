using System.Formats.Tar;
using Containerize.Core.Diagnostics;
using Containerize.Core.Images.Oci;

namespace Containerize.Core.Images.Layers;

/// <summary>A layer's entries, without their content, and what reading it computed.</summary>
public sealed record LayerListing(IReadOnlyList<LayerEntryInfo> Entries, LayerReadResult Read);

/// <summary>
/// Reads layers, compressed or not (gzip and zstd are recognised by their magic bytes), in one pass that also
/// computes the digest and diff_id and checks them against what the caller expects.
/// </summary>
public static class LayerReader
{
    public static async Task<LayerListing> ListAsync(Stream layer, Digest? expectedDiffId = null, Digest? expectedDigest = null, CancellationToken cancellationToken = default)
    {
        var entries = new List<LayerEntryInfo>();
        var read = await ReadAsync(layer, (info, _, _) =>
        {
            entries.Add(info);
            return ValueTask.CompletedTask;
        }, expectedDiffId, expectedDigest, cancellationToken).ConfigureAwait(false);
        return new LayerListing(entries, read);
    }

    /// <summary>Calls <paramref name="visit"/> for each entry, with the tar entry whose DataStream holds its content.</summary>
    internal static async Task<LayerReadResult> ReadAsync(
        Stream layer, Func<LayerEntryInfo, TarEntry, CancellationToken, ValueTask> visit, Digest? expectedDiffId, Digest? expectedDigest, CancellationToken cancellationToken)
    {
        await using var compressedHash = new HashingStream(layer, leaveOpen: true);
        try
        {
            var (decompressed, compression) = await LayerStreams.OpenAsync(compressedHash, cancellationToken).ConfigureAwait(false);
            await using var _ = decompressed.ConfigureAwait(false);
            await using var tarHash = new HashingStream(decompressed, leaveOpen: true);
            var count = 0;
            await using (var reader = new TarReader(tarHash, leaveOpen: true))
            {
                while (await reader.GetNextEntryAsync(copyData: false, cancellationToken).ConfigureAwait(false) is { } entry)
                {
                    if (ToInfo(entry) is not { } info) continue;
                    count++;
                    await visit(info, entry, cancellationToken).ConfigureAwait(false);
                }
            }

            // The diff_id covers the whole tar, end blocks and padding included; reading to the end also makes the
            // decompressor check its trailer (gzip's CRC and length).
            await tarHash.CopyToAsync(Stream.Null, cancellationToken).ConfigureAwait(false);
            if (compression != LayerCompression.None) await compressedHash.CopyToAsync(Stream.Null, cancellationToken).ConfigureAwait(false);

            // A stream cut short at an entry boundary reads as a shorter archive; a complete tar ends with zero blocks.
            if (tarHash.Count % TarHeaderEncoder.BlockSize != 0 || tarHash.TrailingZeros < TarHeaderEncoder.BlockSize)
            {
                throw new ContainerizeException(LayerErrors.CorruptLayer, $"the layer's tar ends after {tarHash.Count} bytes without its end-of-archive blocks",
                    hint: "the blob is truncated; pull or build it again");
            }

            var diffId = tarHash.Digest();
            var digest = compression == LayerCompression.None ? diffId : compressedHash.Digest();
            if (expectedDigest is { } d && d != digest)
            {
                throw new ContainerizeException(LayerErrors.DigestMismatch, $"layer blob has digest {digest}, expected {d}",
                    hint: "the blob is corrupt or is not the layer the manifest names; pull it again");
            }

            if (expectedDiffId is { } e && e != diffId)
            {
                throw new ContainerizeException(LayerErrors.DiffIdMismatch, $"layer has diff_id {diffId}, expected {e}",
                    hint: "the layer does not match the image config's rootfs.diff_ids; discard what was extracted and pull the image again");
            }

            return new LayerReadResult(compression, digest, compressedHash.Count, diffId, tarHash.Count, count);
        }
        catch (Exception e) when (e is InvalidDataException or EndOfStreamException or FormatException or ZstdSharp.ZstdException)
        {
            throw new ContainerizeException(LayerErrors.CorruptLayer, $"the layer is not a readable tar: {e.Message}",
                hint: "the blob is truncated or corrupt; pull or build it again", inner: e);
        }
    }

    /// <summary>The entry as the rest of the engine sees it, or null for tar metadata (global PAX headers).</summary>
    internal static LayerEntryInfo? ToInfo(TarEntry entry)
    {
        var path = LayerPaths.Clamp(entry.Name);
        var name = LayerPaths.Name(path);
        var kind = entry.EntryType switch
        {
            TarEntryType.RegularFile or TarEntryType.V7RegularFile or TarEntryType.ContiguousFile => LayerEntryKind.File,
            TarEntryType.Directory => LayerEntryKind.Directory,
            TarEntryType.SymbolicLink => LayerEntryKind.Symlink,
            TarEntryType.HardLink => LayerEntryKind.Hardlink,
            TarEntryType.CharacterDevice => LayerEntryKind.CharDevice,
            TarEntryType.BlockDevice => LayerEntryKind.BlockDevice,
            TarEntryType.Fifo => LayerEntryKind.Fifo,
            TarEntryType.GlobalExtendedAttributes => (LayerEntryKind?)null,
            _ => throw new ContainerizeException(LayerErrors.CorruptLayer, $"tar entry '{entry.Name}' has type {entry.EntryType}, which a layer cannot hold",
                hint: "layers hold files, folders, links, devices and fifos only"),
        };
        if (kind is null) return null;

        if (kind == LayerEntryKind.File && name.StartsWith(LayerPaths.WhiteoutPrefix, StringComparison.Ordinal))
        {
            var parent = LayerPaths.Parent(path);
            var target = name[LayerPaths.WhiteoutPrefix.Length..];
            if (name != LayerPaths.OpaqueMarker && (target is "" or "." or ".." || target.Contains('/')))
            {
                throw new ContainerizeException(LayerErrors.InvalidWhiteout, $"whiteout '{entry.Name}' names no entry of its folder",
                    hint: "a whiteout '.wh.NAME' deletes NAME beside it; this one would delete its own folder or a parent. The layer is malformed or malicious");
            }

            (kind, path) = name == LayerPaths.OpaqueMarker
                ? (LayerEntryKind.OpaqueWhiteout, parent)
                : (LayerEntryKind.Whiteout, LayerPaths.Join(parent, name[LayerPaths.WhiteoutPrefix.Length..]));
        }

        var link = kind is LayerEntryKind.Symlink or LayerEntryKind.Hardlink ? entry.LinkName : null;
        return new LayerEntryInfo(path, kind.Value, entry.Mode, entry.Uid, entry.Gid, entry.Length, link, entry.ModificationTime);
    }
}
