using Containerize.Core.Os;

namespace Containerize.Core.Runtime.Diff;

/// <summary>
/// With overlayfs the upper folder already is the step's difference. Its whiteouts (character devices 0/0) become
/// Deleted changes and its opaque folders (trusted.overlay.opaque=y) opaque directory entries; the lower folders are
/// only looked up path by path to tell Added from Modified. The merged rootfs is never walked.
/// </summary>
public static class UpperDirDiff
{
    public static IReadOnlyList<FileChange> Compute(string upper, OverlayLowerView lower, IdMapping? ids = null)
    {
        var builder = new ChangeBuilder(ids);
        Walk(upper, "", lower, hiddenBelow: false, builder);
        return builder.Changes;
    }

    private static void Walk(string hostDir, string relativeDir, OverlayLowerView lower, bool hiddenBelow, ChangeBuilder builder)
    {
        foreach (var name in ChangeBuilder.SortedChildren(hostDir))
        {
            var relative = ChangeBuilder.Join(relativeDir, name);
            var host = Path.Combine(hostDir, name);
            if (LibC.LStat(host) is not { } s) continue;
            var inLower = !hiddenBelow && lower.Exists(relative);
            if (s.IsOverlayWhiteout)
            {
                if (inLower) builder.Deleted(relative);
                continue;
            }

            var opaque = s.IsDirectory && OverlayLowerView.IsOpaque(host);
            builder.Add(relative, host, s, inLower ? ChangeKind.Modified : ChangeKind.Added, opaque && inLower);
            if (s.IsDirectory) Walk(host, relative, lower, hiddenBelow || opaque, builder);
        }
    }
}
