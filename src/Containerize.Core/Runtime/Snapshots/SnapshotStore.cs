using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Containerize.Core.Images.Layers;
using Containerize.Core.Os;

namespace Containerize.Core.Runtime.Snapshots;

/// <summary>
/// Extracted layers for overlayfs, one folder per diff_id, shared by every step and build:
/// <c>ROOT/&lt;hex&gt;/diff</c> holds the layer in overlay form, and <c>ROOT/l/&lt;ID&gt;</c> is a short symbolic link to it,
/// as Docker's overlay2 driver does, because the mount option string is limited to one page: mounted from ROOT,
/// forty layers cost 40 × 14 bytes instead of 40 × the length of an absolute path.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class SnapshotStore
{
    private static readonly ConcurrentDictionary<string, SemaphoreSlim> Locks = new(StringComparer.Ordinal);
    private static readonly LayerApplyOptions OverlayLayer = new() { Whiteouts = WhiteoutMode.OverlayFormat };

    public SnapshotStore(string root)
    {
        Root = Path.GetFullPath(root);
        Directory.CreateDirectory(Path.Combine(Root, "l"));
    }

    public string Root { get; }

    /// <summary>The layer's folder, extracting it on first use; returns the short link relative to <see cref="Root"/>.</summary>
    public async Task<string> EnsureAsync(TarLayer layer, CancellationToken cancellationToken)
    {
        var hex = layer.DiffId.Algorithm + "-" + layer.DiffId.Encoded;
        var diff = Path.Combine(Root, hex, "diff");
        var gate = Locks.GetOrAdd(diff, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (!Directory.Exists(diff))
            {
                // Extract beside, then rename: a half-extracted layer is never visible under its name.
                var temp = Path.Combine(Root, hex, "diff.tmp-" + Guid.NewGuid().ToString("N")[..8]);
                Directory.CreateDirectory(temp);
                try
                {
                    await using var tar = await layer.OpenUncompressed(cancellationToken).ConfigureAwait(false);
                    // The diff_id names the layer in an error about one of its entries (and is checked on the way).
                    await LayerApplier.ApplyAsync(temp, tar, OverlayLayer, expectedDiffId: layer.DiffId, cancellationToken: cancellationToken).ConfigureAwait(false);
                    Directory.Move(temp, diff);
                }
                catch (IOException) when (Directory.Exists(diff))
                {
                    // Another process extracted the same layer first: theirs is as good as ours.
                    TreeRemover.RemoveAll(temp);
                }
                catch
                {
                    TreeRemover.RemoveAll(temp);
                    throw;
                }
            }

            return EnsureLink(layer.DiffId.ToString(), Path.Combine("..", hex, "diff"));
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>A short link to a plain folder used as a layer.</summary>
    public string LinkFor(DirectoryLayer layer) => EnsureLink("dir:" + Path.GetFullPath(layer.Path), Path.GetFullPath(layer.Path));

    /// <summary>An empty layer, for FROM scratch (overlayfs needs at least one lower folder).</summary>
    public string Empty()
    {
        var empty = Path.Combine(Root, "empty");
        Directory.CreateDirectory(empty);
        return EnsureLink("empty", empty);
    }

    private string EnsureLink(string key, string target)
    {
        for (var length = 10; ; length += 4)
        {
            var id = ShortId(key, length);
            var link = Path.Combine(Root, "l", id);
            var existing = new FileInfo(link).LinkTarget;
            if (existing == target) return "l/" + id;
            if (existing is null && Os.LibC.LStat(link) is null)
            {
                try
                {
                    File.CreateSymbolicLink(link, target);
                }
                catch (IOException) when (new FileInfo(link).LinkTarget == target)
                {
                    // Another build made the same link at the same moment.
                }

                return "l/" + id;
            }

            // A different layer owns this short name: a longer one cannot collide with it.
        }
    }

    private static string ShortId(string key, int length)
    {
        const string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(key));
        var sb = new StringBuilder(length);
        for (var i = 0; i < length; i++) sb.Append(alphabet[hash[i % hash.Length] % 32]);
        return sb.ToString();
    }
}
