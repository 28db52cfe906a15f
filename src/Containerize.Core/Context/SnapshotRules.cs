using Containerize.Core.Diagnostics;
using Containerize.Core.Os;

namespace Containerize.Core.Context;

/// <summary>
/// How one snapshot turns a stat into a <see cref="ContextEntry"/>: the file system it reads (native or portable),
/// whether the file system has Unix modes (otherwise <see cref="ModeRule"/> decides them from the path and the
/// modes the caller knows), and how a link's target is written in the image ('/'-separated; a target only Windows
/// can follow is refused).
/// </summary>
internal sealed record SnapshotRules(HostFileSystem FileSystem, bool HasUnixModes, IReadOnlyDictionary<string, UnixFileMode>? FileModes)
{
    public ContextEntry ToEntry(WalkEntry e, FileStatus st)
    {
        var kind = st.Kind;
        var mode = HasUnixModes ? st.Mode : st.Type | ModeRule.For(e.Path, kind, FileModes);
        string? target = null;
        if (kind == EntryType.Symlink)
        {
            try
            {
                target = FileSystem.ReadLink(e.FullPath);
            }
            catch (IOException ex)
            {
                throw new ContainerizeException(ContextErrors.Unreadable, $"cannot read the symlink: {ex.Message}", e.Path, null,
                    "exclude it in .dockerignore", ex);
            }

            if (!HasUnixModes && target is not null) target = PortableTarget(e.Path, target);
        }

        return new ContextEntry(e.Path, e.Root, kind, mode, st.Uid, st.Gid, kind == EntryType.File ? st.Size : 0,
            st.MTimeSeconds * 1_000_000_000 + st.MTimeNanoseconds, target, st.Inode, st.Device);
    }

    /// <summary>
    /// A Windows symlink's target as an image holds it: '\' becomes '/', as BuildKit's sender writes links on
    /// Windows. A target with a drive, a UNC or device prefix (every junction has one) names this machine's disk,
    /// which no container has: refused with CTZ2009 rather than written as a link that dangles, or followed into a
    /// copy of something outside the context.
    /// </summary>
    internal static string PortableTarget(string path, string target)
    {
        var unrooted = target.Length >= 2 && target[1] == ':' && char.IsAsciiLetter(target[0]);
        if (unrooted || target.StartsWith(@"\\", StringComparison.Ordinal) || target.StartsWith("//", StringComparison.Ordinal))
        {
            throw new ContainerizeException(ContextErrors.UnportableLink,
                $"the link (or junction) points to '{target}', a path on this machine that the image cannot hold", path, null,
                "make it a relative symlink inside the context, replace it with the file itself, or exclude it in .dockerignore");
        }

        return target.Replace('\\', '/');
    }
}
