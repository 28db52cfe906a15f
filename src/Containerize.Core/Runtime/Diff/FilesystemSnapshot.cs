using System.Security.Cryptography;
using Containerize.Core.Os;

namespace Containerize.Core.Runtime.Diff;

/// <summary>
/// The state of a copied rootfs before a step, for the copy strategy (kaniko's snapshotter): lstat of every path,
/// and a content hash of the files whose modification time is too recent to tell a later change from this state
/// (git's "racily clean" rule): a write within the same clock tick would leave size and time unchanged.
/// </summary>
public sealed class FilesystemSnapshot
{
    private readonly Dictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<string>> _children = new(StringComparer.Ordinal);

    internal readonly record struct Entry(FileStatus Status, string? LinkTarget, byte[]? Hash);

    public int Count => _entries.Count;

    public static async Task<FilesystemSnapshot> TakeAsync(string root, CancellationToken cancellationToken)
    {
        var snapshot = new FilesystemSnapshot();
        // Anything modified within the last 2 seconds is racy: hash it now.
        var racyAfter = DateTimeOffset.UtcNow.ToUnixTimeSeconds() - 2;
        await snapshot.WalkAsync(root, "", racyAfter, cancellationToken).ConfigureAwait(false);
        return snapshot;
    }

    internal bool TryGet(string relative, out Entry entry) => _entries.TryGetValue(relative, out entry);

    internal IReadOnlyList<string> ChildrenOf(string relativeDir) => _children.TryGetValue(relativeDir, out var c) ? c : [];

    private async Task WalkAsync(string hostDir, string relativeDir, long racyAfter, CancellationToken cancellationToken)
    {
        var names = ChangeBuilder.SortedChildren(hostDir).ToList();
        _children[relativeDir] = names;
        foreach (var name in names)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var relative = ChangeBuilder.Join(relativeDir, name);
            var host = Path.Combine(hostDir, name);
            if (LibC.LStat(host) is not { } s) continue;
            byte[]? hash = null;
            if (s.IsRegular && s.MTimeSeconds >= racyAfter) hash = await HashAsync(host, cancellationToken).ConfigureAwait(false);
            _entries[relative] = new Entry(s, s.IsSymlink ? new FileInfo(host).LinkTarget : null, hash);
            if (s.IsDirectory) await WalkAsync(host, relative, racyAfter, cancellationToken).ConfigureAwait(false);
        }
    }

    internal static async Task<byte[]> HashAsync(string path, CancellationToken cancellationToken)
    {
        await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1 << 16, useAsync: true);
        return await SHA256.HashDataAsync(stream, cancellationToken).ConfigureAwait(false);
    }
}
