using System.Formats.Tar;
using Containerize.Core.Diagnostics;
using Containerize.Core.Images.Oci;

namespace Containerize.Core.Images.Layers;

/// <summary>How layers are applied to a folder.</summary>
public sealed record LayerApplyOptions
{
    public static readonly LayerApplyOptions Default = new();

    /// <summary>Set each entry's uid/gid (lchown). Null: only when running as root, which is the only case it can work.</summary>
    public bool? PreserveOwners { get; init; }

    /// <summary>Entries for which this returns false are skipped (whiteouts included): a partial extraction. Null: all.</summary>
    public Func<LayerEntryInfo, bool>? Include { get; init; }
}

/// <summary>
/// Applies layers to a folder with the OCI image-spec's whiteout semantics: <c>.wh.name</c> deletes the sibling
/// from lower layers, <c>.wh..wh..opq</c> hides everything lower layers put in its folder, and no whiteout file
/// reaches the folder. Modes, symlinks, hardlinks, times and (as root) owners are kept. Nothing is ever written
/// outside the root: entries climbing above it, symlinks that would lead a later entry out, and hardlinks to
/// outside are refused with a coded error. Symlinks inside the tree are followed as the container would follow
/// them: an absolute target is taken relative to the root.
/// When the caller passes the expected diff_id or digest, a mismatch is reported after the layer was applied:
/// the folder must then be discarded.
/// </summary>
public static class LayerApplier
{
    public static async Task<LayerReadResult> ApplyAsync(
        string root, Stream layer, LayerApplyOptions? options = null, Digest? expectedDiffId = null, Digest? expectedDigest = null, CancellationToken cancellationToken = default)
    {
        if (OperatingSystem.IsWindows()) throw new PlatformNotSupportedException("layers are applied on Linux");
        Directory.CreateDirectory(root);
        options ??= LayerApplyOptions.Default;
        var application = new Application(Path.TrimEndingDirectorySeparator(Path.GetFullPath(root)), options.PreserveOwners ?? Posix.IsRoot, options.Include);
        var result = await LayerReader.ReadAsync(layer, application.ApplyAsync, expectedDiffId, expectedDigest, cancellationToken).ConfigureAwait(false);
        application.Finish();
        return result;
    }

    /// <summary>Applies a stack of layers, lowest first.</summary>
    public static async Task<IReadOnlyList<LayerReadResult>> ApplyAllAsync(string root, IEnumerable<Func<Stream>> layers, LayerApplyOptions? options = null, CancellationToken cancellationToken = default)
    {
        var results = new List<LayerReadResult>();
        foreach (var open in layers)
        {
            await using var stream = open();
            results.Add(await ApplyAsync(root, stream, options, cancellationToken: cancellationToken).ConfigureAwait(false));
        }

        return results;
    }

    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    private sealed class Application(string root, bool owners, Func<LayerEntryInfo, bool>? include)
    {
        private const int MaxSymlinkHops = 40;
        private readonly HashSet<string> _written = new(StringComparer.Ordinal);
        private readonly List<string> _opaque = [];
        private readonly List<(string Path, UnixFileMode Mode, int Uid, int Gid, long Time)> _folders = [];

        public async ValueTask ApplyAsync(LayerEntryInfo info, TarEntry entry, CancellationToken cancellationToken)
        {
            if (include is not null && !include(info)) return;
            var mtime = entry.ModificationTime.ToUnixTimeSeconds();
            switch (info.Kind)
            {
                case LayerEntryKind.Whiteout:
                {
                    if (ResolveFolder(LayerPaths.Parent(info.Path), create: false) is { } parent) DeleteAny(Path.Combine(parent, LayerPaths.Name(info.Path)));
                    return;
                }

                case LayerEntryKind.OpaqueWhiteout:
                {
                    var folder = ResolveFolder(info.Path, create: true)!;
                    MarkWritten(folder);
                    _opaque.Add(folder);
                    return;
                }
            }

            var target = Path.Combine(ResolveFolder(LayerPaths.Parent(info.Path), create: true)!, LayerPaths.Name(info.Path));
            var existing = Posix.LStat(target);
            if (info.Kind == LayerEntryKind.Directory && existing is { Type: Posix.TypeDirectory })
            {
                // Folders merge with the lower layers' folder of the same name.
            }
            else if (existing is not null)
            {
                DeleteAny(target);
            }

            MarkWritten(target);
            switch (info.Kind)
            {
                case LayerEntryKind.Directory:
                    Directory.CreateDirectory(target);
                    _folders.Add((target, info.Mode, info.Uid, info.Gid, mtime));
                    return;
                case LayerEntryKind.File:
                {
                    var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None, PreallocationSize = info.Size };
                    await using (var file = new FileStream(target, options))
                    {
                        if (entry.DataStream is { } data) await data.CopyToAsync(file, cancellationToken).ConfigureAwait(false);
                    }

                    break;
                }

                case LayerEntryKind.Symlink:
                    File.CreateSymbolicLink(target, info.LinkTarget ?? "");
                    break;
                case LayerEntryKind.Hardlink:
                    Posix.Link(ResolveHardlinkTarget(info), target);
                    return;
                case LayerEntryKind.Fifo or LayerEntryKind.CharDevice or LayerEntryKind.BlockDevice:
                {
                    var type = info.Kind switch { LayerEntryKind.Fifo => Posix.TypeFifo, LayerEntryKind.CharDevice => Posix.TypeChar, _ => Posix.TypeBlock };

                    // Only root may create devices; without it they are skipped, as rootless engines do.
                    if (type != Posix.TypeFifo && !Posix.IsRoot) return;
                    var posix = entry as PosixTarEntry;
                    Posix.MkNod(target, type | ((uint)info.Mode & 0xFFF), (uint)(posix?.DeviceMajor ?? 0), (uint)(posix?.DeviceMinor ?? 0));
                    break;
                }
            }

            // Owner first: chown clears the setuid and setgid bits that chmod then sets.
            if (owners) Posix.LChown(target, info.Uid, info.Gid);
            if (info.Kind != LayerEntryKind.Symlink) File.SetUnixFileMode(target, info.Mode);
            Posix.SetTimes(target, mtime);
        }

        /// <summary>Runs what waits for the whole layer: opaque folders lose what lower layers had, and folders get their modes and times last, deepest first, so that creating their contents does not change them.</summary>
        public void Finish()
        {
            foreach (var folder in _opaque) Purge(folder);
            foreach (var (path, mode, uid, gid, time) in _folders.OrderByDescending(f => f.Path.Length))
            {
                if (Posix.LStat(path) is not { Type: Posix.TypeDirectory }) continue;
                if (owners) Posix.LChown(path, uid, gid);
                File.SetUnixFileMode(path, mode);
                Posix.SetTimes(path, time);
            }
        }

        private void Purge(string folder)
        {
            foreach (var child in Directory.EnumerateFileSystemEntries(folder, "*", new EnumerationOptions { AttributesToSkip = 0, IgnoreInaccessible = false }).ToList())
            {
                if (!_written.Contains(child)) DeleteAny(child);
                else if (Posix.LStat(child) is { Type: Posix.TypeDirectory }) Purge(child);
            }
        }

        private void MarkWritten(string path)
        {
            for (var p = path; p.Length > root.Length && _written.Add(p); p = Path.GetDirectoryName(p)!)
            {
            }
        }

        /// <summary>
        /// The real folder a layer path names, following symlinks inside the tree as the container would (absolute
        /// targets from the root), creating missing folders when asked. Returns null for a missing folder otherwise.
        /// </summary>
        private string? ResolveFolder(string layerPath, bool create)
        {
            var pending = new List<string>(layerPath.Split('/', StringSplitOptions.RemoveEmptyEntries));
            var resolved = new List<string>();
            var hops = 0;
            var at = 0;
            while (at < pending.Count)
            {
                var part = pending[at++];
                if (part == ".") continue;
                if (part == "..")
                {
                    if (resolved.Count == 0) throw Escape(layerPath);
                    resolved.RemoveAt(resolved.Count - 1);
                    continue;
                }

                var real = Path.Combine(root, Path.Combine([.. resolved, part]));
                switch (Posix.LStat(real))
                {
                    case null when create:
                        Directory.CreateDirectory(real);
                        MarkWritten(real);
                        resolved.Add(part);
                        break;
                    case null:
                        return null;
                    case { Type: Posix.TypeDirectory }:
                        resolved.Add(part);
                        break;
                    case { Type: Posix.TypeSymlink }:
                        if (++hops > MaxSymlinkHops) throw Escape(layerPath);
                        var linkTarget = new FileInfo(real).LinkTarget ?? "";
                        if (linkTarget.StartsWith('/')) resolved.Clear();
                        pending = [.. linkTarget.Split('/', StringSplitOptions.RemoveEmptyEntries), .. pending.Skip(at)];
                        at = 0;
                        break;
                    default:
                        throw new ContainerizeException(LayerErrors.ParentNotDirectory, $"'{layerPath}' needs '{string.Join('/', [.. resolved, part])}' to be a folder, but a lower layer has a file there",
                            hint: "the layer does not fit on the layers below it");
                }
            }

            return resolved.Count == 0 ? root : Path.Combine(root, Path.Combine([.. resolved]));
        }

        private string ResolveHardlinkTarget(LayerEntryInfo info)
        {
            var target = LayerPaths.TryNormalize(info.LinkTarget ?? "");
            string? real = null;
            if (target is { Length: > 0 })
            {
                try
                {
                    real = ResolveFolder(LayerPaths.Parent(target), create: false) is { } parent ? Path.Combine(parent, LayerPaths.Name(target)) : null;
                }
                catch (ContainerizeException)
                {
                    real = null;
                }
            }

            if (real is null || Posix.LStat(real) is not { } st || st.Type == Posix.TypeDirectory)
            {
                throw new ContainerizeException(LayerErrors.BadHardlink, $"hardlink '{info.Path}' points at '{info.LinkTarget}', which is not a file inside the image",
                    hint: "a hardlink may only name a file of the image; the layer is malformed or malicious");
            }

            return real;
        }

        private static void DeleteAny(string path)
        {
            switch (Posix.LStat(path))
            {
                case null:
                    return;
                case { Type: Posix.TypeDirectory }:
                    Directory.Delete(path, recursive: true);
                    return;
                default:
                    File.Delete(path);
                    return;
            }
        }

        private static ContainerizeException Escape(string layerPath) =>
            new(LayerErrors.SymlinkEscapesRoot, $"'{layerPath}' leads through a symlink outside the root of the image",
                hint: "a symlink in the image points above its root; the layer is malformed or malicious");
    }
}
