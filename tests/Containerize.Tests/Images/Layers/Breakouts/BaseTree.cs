using Containerize.Core.Os;
using Containerize.Core.Images.Layers;

namespace Containerize.Tests.Images.Layers.Breakouts;

/// <summary>
/// Makes a case's base tree in the root with plain file system calls, as containerd's fstest appliers do, before
/// any layer is applied. Parents are resolved inside the root so that a base tree can never touch the host.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
internal static class BaseTree
{
    public static void Make(string root, IEnumerable<BreakoutEntry> entries, Func<string, string> expand)
    {
        foreach (var e in entries)
        {
            var path = RootView.Resolve(root, expand(e.Name), followLast: false);
            switch (e.Type)
            {
                case "dir":
                    Directory.CreateDirectory(path);
                    File.SetUnixFileMode(path, e.Permissions);
                    break;
                case "file":
                    File.WriteAllBytes(path, e.Content);
                    File.SetUnixFileMode(path, e.Permissions);
                    break;
                case "symlink":
                    File.CreateSymbolicLink(path, expand(e.Target!));
                    break;
                case "hardlink":
                    LibC.Link(RootView.Resolve(root, expand(e.Target!), followLast: false), path);
                    break;
                default:
                    throw new InvalidDataException($"a base tree holds files, folders and links, not '{e.Type}'");
            }
        }
    }
}
