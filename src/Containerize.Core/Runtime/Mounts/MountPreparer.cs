using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Containerize.Core.Context;
using Containerize.Core.Diagnostics;
using Containerize.Core.Runtime.Bundles;
using Containerize.Core.Os;
using Containerize.Core.Runtime.Snapshots;

namespace Containerize.Core.Runtime.Mounts;

/// <summary>
/// Turns a step's `RUN --mount`s into config.json mounts, holding what they need while the step runs: cache locks,
/// the overlay that discards a read-write bind's writes, the secret copies. Disposing releases all of it; secret
/// copies are deleted even when the failed step's bundle is kept.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class MountPreparer : IAsyncDisposable
{
    private readonly List<FileStream> _locks = [];
    private readonly List<OverlayMount> _overlays = [];
    private readonly List<string> _deleteAlways = [];

    private MountPreparer()
    {
    }

    public IReadOnlyList<OciMountSpec> Mounts { get; private set; } = [];

    public static async Task<MountPreparer> PrepareAsync(IReadOnlyList<RunMount> mounts, string cacheRoot, string runDirectory,
        bool overlaySupported, CancellationToken cancellationToken)
    {
        var preparer = new MountPreparer();
        var specs = new List<OciMountSpec>();
        try
        {
            for (var i = 0; i < mounts.Count; i++)
            {
                var mount = mounts[i];
                if (!mount.Target.StartsWith('/'))
                {
                    throw new ContainerizeException(RuntimeErrors.InvalidMount, $"mount target '{mount.Target}' is not an absolute path",
                        hint: "write target=/path/in/container");
                }

                var scratch = Path.Combine(runDirectory, "mounts", i.ToString(CultureInfo.InvariantCulture));
                specs.Add(mount switch
                {
                    CacheMount c => await preparer.CacheAsync(c, cacheRoot, cancellationToken).ConfigureAwait(false),
                    BindMount b => await preparer.BindAsync(b, scratch, overlaySupported, cancellationToken).ConfigureAwait(false),
                    SecretMount s => preparer.Secret(s, Path.Combine(runDirectory, "secrets"), i),
                    TmpfsMount t => Tmpfs(t),
                    _ => throw new ContainerizeException(RuntimeErrors.InvalidMount, $"unsupported mount {mount.GetType().Name}"),
                });
            }
        }
        catch
        {
            await preparer.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        preparer.Mounts = specs.Where(s => s.Source.Length > 0).ToList();
        return preparer;
    }

    private async Task<OciMountSpec> CacheAsync(CacheMount cache, string cacheRoot, CancellationToken cancellationToken)
    {
        var key = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(cache.Key)))[..20];
        var folder = Path.Combine(cacheRoot, key);
        Directory.CreateDirectory(folder);
        await File.WriteAllTextAsync(Path.Combine(folder, "id"), cache.Key, cancellationToken).ConfigureAwait(false);
        var instance = 0;
        if (cache.Sharing == CacheSharing.Locked) await LockAsync(Path.Combine(folder, "0.lock"), wait: true, cancellationToken).ConfigureAwait(false);
        else if (cache.Sharing == CacheSharing.Private) instance = await FirstFreeAsync(folder, cancellationToken).ConfigureAwait(false);
        var data = Path.Combine(folder, instance.ToString(CultureInfo.InvariantCulture));
        if (!Directory.Exists(data))
        {
            var temp = data + ".tmp-" + Guid.NewGuid().ToString("N")[..8];
            Directory.CreateDirectory(temp);
            if (!LibC.IsRootless) LibC.Lchown(temp, cache.Uid, cache.Gid);
            File.SetUnixFileMode(temp, (UnixFileMode)(cache.Mode & 0xFFF));
            try
            {
                Directory.Move(temp, data);
            }
            catch (IOException) when (Directory.Exists(data))
            {
                Directory.Delete(temp);
            }
        }

        return new OciMountSpec(cache.Target, "bind", data, ["rbind", cache.ReadOnly ? "ro" : "rw"]);
    }

    private async Task<int> FirstFreeAsync(string folder, CancellationToken cancellationToken)
    {
        for (var n = 0; ; n++)
        {
            if (await LockAsync(Path.Combine(folder, n.ToString(CultureInfo.InvariantCulture) + ".lock"), wait: false, cancellationToken).ConfigureAwait(false))
                return n;
        }
    }

    /// <summary>An exclusive lock on a file, across processes (the kernel drops it if this process dies).</summary>
    private async Task<bool> LockAsync(string path, bool wait, CancellationToken cancellationToken)
    {
        while (true)
        {
            try
            {
                _locks.Add(new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None));
                return true;
            }
            catch (IOException) when (wait)
            {
                await Task.Delay(100, cancellationToken).ConfigureAwait(false);
            }
            catch (IOException)
            {
                return false;
            }
        }
    }

    private async Task<OciMountSpec> BindAsync(BindMount bind, string scratch, bool overlaySupported, CancellationToken cancellationToken)
    {
        var root = Path.GetFullPath(bind.SourceRoot);
        // The sub-path is resolved inside the root as BuildKit does (continuity's fs.RootPath): '..' stops at the
        // root and a symlink, absolute or climbing, leads somewhere inside it. runc would follow the link on this
        // machine and mount whatever it names, a host folder included. The result has no symlink left to follow.
        var sub = bind.SubPath is null ? new ScopedPath.Resolution("", false) : ScopedPath.ResolveOnDisk(root, bind.SubPath);
        var source = sub is { Path.Length: > 0 } s ? Path.Combine(root, s.Path) : root;
        if (sub is null || LibC.LStat(source) is null)
        {
            throw new ContainerizeException(RuntimeErrors.BindSourceNotFound,
                sub is null
                    ? $"bind mount source '{bind.SubPath}' in {root}: too many levels of symbolic links"
                    : $"bind mount source '{bind.SubPath}' does not exist in {root}" + (sub.Value.FollowedLink ? $" (its symlinks lead to '/{sub.Value.Path}' inside it)" : ""),
                hint: "source= is relative to the build context or to the from= stage, and its symlinks are followed inside it, never out of it");
        }

        if (!bind.ReadWrite) return new OciMountSpec(bind.Target, "bind", source, ["rbind", "ro"]);

        // Writes to a read-write bind are thrown away: they go to an overlay's upper folder, or to a copy.
        if (Directory.Exists(source) && overlaySupported)
        {
            var lowerLink = Path.Combine(scratch, "lower");
            Directory.CreateDirectory(scratch);
            File.CreateSymbolicLink(lowerLink, source);
            var overlay = await OverlayMount.MountAsync(scratch, ["lower"], Path.Combine(scratch, "upper"), Path.Combine(scratch, "work"),
                Path.Combine(scratch, "merged"), cancellationToken).ConfigureAwait(false);
            _overlays.Add(overlay);
            return new OciMountSpec(bind.Target, "bind", overlay.Merged, ["rbind", "rw"]);
        }

        var copy = Path.Combine(scratch, "copy");
        if (Directory.Exists(source))
        {
            await TreeCopier.CopyAsync(source, copy, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            Directory.CreateDirectory(scratch);
            File.Copy(source, copy);
        }

        return new OciMountSpec(bind.Target, "bind", copy, ["rbind", "rw"]);
    }

    private OciMountSpec Secret(SecretMount secret, string secretsFolder, int index)
    {
        if (!File.Exists(secret.SourceFile))
        {
            if (!secret.Required) return new OciMountSpec(secret.Target, "bind", "", []);
            throw new ContainerizeException(RuntimeErrors.SecretNotFound, $"secret '{secret.Id}' not found: {secret.SourceFile} does not exist",
                hint: "pass it with --secret id=ID,src=FILE, or mark the mount required=false");
        }

        Directory.CreateDirectory(secretsFolder);
        File.SetUnixFileMode(secretsFolder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var copy = Path.Combine(secretsFolder, index.ToString(CultureInfo.InvariantCulture));
        _deleteAlways.Add(copy);
        File.Copy(secret.SourceFile, copy, overwrite: true);
        if (!LibC.IsRootless) LibC.Lchown(copy, secret.Uid, secret.Gid);
        File.SetUnixFileMode(copy, (UnixFileMode)(secret.Mode & 0xFFF));
        return new OciMountSpec(secret.Target, "bind", copy, ["rbind", "ro", "nosuid", "nodev", "noexec"]);
    }

    private static OciMountSpec Tmpfs(TmpfsMount tmpfs)
    {
        List<string> options = ["nosuid", "nodev", "mode=1777"];
        if (tmpfs.SizeBytes is { } size)
        {
            if (size <= 0) throw new ContainerizeException(RuntimeErrors.InvalidMount, $"tmpfs size {size} is not positive", hint: "write size=64m");
            options.Add("size=" + size.ToString(CultureInfo.InvariantCulture));
        }

        return new OciMountSpec(tmpfs.Target, "tmpfs", "tmpfs", options);
    }

    public ValueTask DisposeAsync()
    {
        foreach (var l in _locks) l.Dispose();
        _locks.Clear();
        foreach (var o in _overlays) o.Unmount();
        _overlays.Clear();
        foreach (var f in _deleteAlways)
        {
            try
            {
                File.Delete(f);
            }
            catch (IOException)
            {
            }
        }

        _deleteAlways.Clear();
        return ValueTask.CompletedTask;
    }
}
