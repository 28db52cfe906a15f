using Containerize.Core.Os;
using Containerize.Core.Images.Layers;

namespace Containerize.Tests.Images.Layers.Breakouts;

/// <summary>
/// Every path under a folder, never following a symlink. .NET's recursive enumeration descends into symlinks to
/// folders, which inside a hostile root lead to the host and into loops.
/// </summary>
internal static class FolderWalk
{
    /// <param name="skip">Folders whose contents are not walked (the path itself is still returned).</param>
    public static IEnumerable<string> Under(string top, Func<string, bool>? skip = null)
    {
        var pending = new Stack<string>([top]);
        while (pending.TryPop(out var folder))
        {
            foreach (var child in Directory.EnumerateFileSystemEntries(folder, "*", new EnumerationOptions { AttributesToSkip = 0 }))
            {
                yield return child;
                if (LibC.LStat(child) is { Type: FileStatus.Directory } && skip?.Invoke(child) != true) pending.Push(child);
            }
        }
    }
}
