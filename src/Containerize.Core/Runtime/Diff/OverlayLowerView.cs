using Containerize.Core.Os;

namespace Containerize.Core.Runtime.Diff;

/// <summary>
/// Looks a path up in an overlay's lower folders as the kernel would (top first; a whiteout hides the path, an
/// opaque folder hides what the layers below have beneath it) without a mount and without walking them.
/// </summary>
public sealed class OverlayLowerView(IReadOnlyList<string> lowerDirsTopFirst)
{
    internal FileStatus? Lookup(string relative)
    {
        var parts = relative.Split('/');
        foreach (var layer in lowerDirsTopFirst)
        {
            var hidden = false;
            var present = true;
            var path = layer;
            for (var i = 0; i < parts.Length - 1; i++)
            {
                path = Path.Combine(path, parts[i]);
                var s = LibC.LStat(path);
                if (s is null)
                {
                    present = false;
                    break;
                }

                if (!s.Value.IsDirectory) return null; // a whiteout or a file shadows everything below
                if (IsOpaque(path)) hidden = true;
            }

            if (present)
            {
                var s = LibC.LStat(Path.Combine(layer, relative));
                if (s is not null) return s.Value.IsOverlayWhiteout ? null : s;
            }

            if (hidden) return null;
        }

        return null;
    }

    public bool Exists(string relative) => Lookup(relative) is not null;

    internal static bool IsOpaque(string hostDir) =>
        LibC.LGetXattr(hostDir, "trusted.overlay.opaque") is [(byte)'y'] || LibC.LGetXattr(hostDir, "user.overlay.opaque") is [(byte)'y'];
}
