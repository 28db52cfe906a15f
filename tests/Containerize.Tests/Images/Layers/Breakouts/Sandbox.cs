using Containerize.Core.Os;
using System.Security.Cryptography;
using Containerize.Core.Images.Layers;
using Containerize.Tests.Infrastructure;

namespace Containerize.Tests.Images.Layers.Breakouts;

/// <summary>
/// A root to apply hostile layers to, with canaries beside it: <c>sandbox/{root, canary-dir/…, canary-file,
/// outside/victim, etc/passwd, perm400, also-exists-outside-root, a-symlink-canary}</c>. The sandbox sits at the
/// bottom of a deep chain of folders (the moat) in a temp folder, so that a relative symlink followed on the host
/// lands in the moat, where the snapshot sees it, instead of in the real file system. Everything in the temp
/// folder except the root's contents is snapshotted (type, permissions, owner, links, inode, size, mtime, ctime, link
/// target, content hash); <see cref="Changes"/> lists what differs since. The ctime catches what the rest cannot see:
/// an extended attribute set on a canary (an overlay opaque marker, a layer's xattrs) or a mode or owner set back.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
internal sealed class Sandbox : IDisposable
{
    public const int MoatDepth = 8;

    /// <summary>Canary times are set far in the past, so that rewriting one with the same bytes still shows.</summary>
    private static readonly DateTime OldTime = new(2001, 2, 3, 4, 5, 6, DateTimeKind.Utc);

    private readonly TempDir _temp;
    private Dictionary<string, PathState> _before = [];

    private Sandbox(TempDir temp, string folder)
    {
        _temp = temp;
        Folder = folder;
        Root = Path.Combine(folder, "root");
    }

    /// <summary>The folder holding the root and the canaries; <c>{sandbox}</c> in the data.</summary>
    public string Folder { get; }

    public string Root { get; }

    /// <summary>The temp folder at the top of the moat: everything under it but the root is snapshotted.</summary>
    public string Top => _temp.Path;

    public static Sandbox Create(string prefix = "ctz-breakout")
    {
        var temp = new TempDir(prefix);
        var moat = temp.Path;
        for (var i = 0; i < MoatDepth; i++) moat = Path.Combine(moat, "m");
        var sandbox = new Sandbox(temp, Path.Combine(moat, "sandbox"));
        sandbox.Populate();
        return sandbox;
    }

    private void Populate()
    {
        Directory.CreateDirectory(Root);
        Write("canary-dir/f1", "one", "644");
        Write("canary-dir/f2", "two", "600");
        Write("canary-dir/sub/f3", "three", "755");
        Write("canary-file", "canary", "644");
        Write("outside/victim", "untouched", "644");
        Write("etc/passwd", "host passwd", "644");

        // containerd's HardlinkSymlinkChmod makes these two beside its root.
        Write("perm400", "...", "400");
        Write("also-exists-outside-root", "...", "640");
        File.CreateSymbolicLink(Path.Combine(Folder, "a-symlink-canary"), "canary-dir");

        foreach (var dir in FolderWalk.Under(_temp.Path).Append(_temp.Path).Where(p => p != Root && LibC.LStat(p) is { Type: FileStatus.Directory }))
        {
            Directory.SetLastWriteTimeUtc(dir, OldTime);
        }
    }

    private void Write(string relative, string content, string mode)
    {
        var path = Path.Combine(Folder, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
        File.SetUnixFileMode(path, (UnixFileMode)Convert.ToInt32(mode, 8));
        File.SetLastWriteTimeUtc(path, OldTime);
    }

    /// <summary>Takes the snapshot the later <see cref="Changes"/> compare with (after the base tree is in the root).</summary>
    public void Seal() => _before = Snapshot();

    /// <summary>What changed outside the root since <see cref="Seal"/>, one line each; empty when nothing did.</summary>
    public List<string> Changes()
    {
        var after = Snapshot();
        var changes = new List<string>();
        foreach (var (path, state) in _before)
        {
            if (!after.TryGetValue(path, out var now)) changes.Add($"removed: {path} (was {state})");
            else if (now != state) changes.Add($"changed: {path}: {state} -> {now}");
        }

        changes.AddRange(after.Keys.Where(p => !_before.ContainsKey(p)).Select(p => $"appeared: {p} ({after[p]})"));
        if (LibC.LStat(Root) is not { Type: FileStatus.Directory })
        {
            changes.Add($"the root is no longer a folder: {(LibC.LStat(Root) is { } st ? Describe(Root, st) : "it is gone")}");
        }

        return changes;
    }

    /// <summary>Empties the root (never following a symlink) for the next sequence.</summary>
    public void ClearRoot()
    {
        if (LibC.LStat(Root) is not { Type: FileStatus.Directory })
        {
            if (LibC.LStat(Root) is not null) File.Delete(Root);
            Directory.CreateDirectory(Root);
            return;
        }

        foreach (var child in Directory.EnumerateFileSystemEntries(Root, "*", new EnumerationOptions { AttributesToSkip = 0 }).ToList())
        {
            if (LibC.LStat(child) is { Type: FileStatus.Directory }) Directory.Delete(child, recursive: true);
            else File.Delete(child);
        }
    }

    private Dictionary<string, PathState> Snapshot()
    {
        var result = new Dictionary<string, PathState>(StringComparer.Ordinal);
        Walk(_temp.Path, result);
        return result;
    }

    private void Walk(string top, Dictionary<string, PathState> into)
    {
        into["."] = State(top, LibC.LStat(top)!.Value);

        // The root's contents are the applier's to change; Changes() checks that the root is still a folder.
        foreach (var path in FolderWalk.Under(top, skip: p => p == Root))
        {
            if (path != Root && LibC.LStat(path) is { } st) into[Path.GetRelativePath(top, path)] = State(path, st);
        }
    }

    private static PathState State(string path, FileStatus st)
    {
        var type = st.Type switch
        {
            FileStatus.Directory => "dir",
            FileStatus.Regular => "file",
            FileStatus.Symlink => "symlink",
            _ => "other",
        };
        var mtime = st.Type is FileStatus.Directory or FileStatus.Regular ? File.GetLastWriteTimeUtc(path).Ticks : 0;
        var target = st.Type == FileStatus.Symlink ? new FileInfo(path).LinkTarget : null;
        var hash = st.Type == FileStatus.Regular ? Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(path)))[..16] : null;
        return new PathState(type, Convert.ToString(st.Mode & 0xFFF, 8), st.Uid, st.Gid, st.Links, st.Inode, st.Type == FileStatus.Directory ? 0 : st.Size, mtime, st.CTimeNanos, target, hash);
    }

    private static string Describe(string path, FileStatus st) => State(path, st).ToString();

    public void Dispose() => _temp.Dispose();

    private sealed record PathState(string Type, string Mode, uint Uid, uint Gid, uint Links, ulong Inode, long Size, long MTimeTicks, long CTimeNanos, string? LinkTarget, string? Sha256)
    {
        public override string ToString() =>
            $"{Type} {Mode} {Uid}:{Gid} links={Links} inode={Inode} size={Size} mtime={new DateTime(MTimeTicks, DateTimeKind.Utc):O} ctime={CTimeNanos}{(LinkTarget is null ? "" : " -> " + LinkTarget)}{(Sha256 is null ? "" : " sha256=" + Sha256)}";
    }
}
