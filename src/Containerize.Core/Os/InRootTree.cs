namespace Containerize.Core.Os;

/// <summary>Why a path could not be opened inside a root.</summary>
public enum InRootFailure
{
    None,

    /// <summary>A component (or, when not creating, the folder itself) does not exist.</summary>
    Missing,

    /// <summary>A component exists and is neither a folder nor a symlink.</summary>
    NotADirectory,

    /// <summary>More than 40 symlinks, as the kernel's own limit: a loop.</summary>
    TooManyLinks,
}

/// <summary>The outcome of <see cref="InRootTree.OpenFolder"/>: an open folder descriptor, or why there is none.</summary>
public readonly record struct InRootFolder(int Fd, InRootFailure Failure, string FailedAt)
{
    public bool Ok => Failure == InRootFailure.None;
}

/// <summary>
/// A folder opened as the root of a tree whose content is untrusted (an image's layers): every path is resolved
/// inside it, as a chroot would, never on the host. Symlinks met on the way are evaluated relative to the root
/// (an absolute target starts at the root, <c>..</c> stops at it), so no entry is ever reached through a link that
/// leads out. The kernel does this itself with openat2(RESOLVE_IN_ROOT) where it has it; elsewhere (kernels before
/// 5.6, seccomp profiles that refuse openat2) a walk does the same one component at a time, each opened
/// relative to the descriptor of the one before with O_NOFOLLOW. Callers then act on names relative to the folder
/// descriptor (mkdirat, openat, unlinkat, ...), so no path is resolved twice.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class InRootTree : IDisposable
{
    private const int MaxSymlinks = 40;

    /// <summary>1: openat2 works, -1: it does not here, 0: not tried yet.</summary>
    private static int s_openat2;

    private InRootTree(string root, int fd)
    {
        Root = root;
        RootFd = fd;
    }

    /// <summary>The host path of the root, for messages.</summary>
    public string Root { get; }

    public int RootFd { get; }

    /// <summary>Forces the userspace walk, as on a kernel without openat2 (tests run both paths).</summary>
    public static bool DisableOpenat2 { get; set; }

    /// <summary>Whether openat2(RESOLVE_IN_ROOT) has answered here (false until a first resolution needed it).</summary>
    public static bool KernelResolvesInRoot => s_openat2 == 1;

    /// <summary>How many resolutions took the walk, for tests that force it.</summary>
    internal static long Walks => Interlocked.Read(ref s_walks);

    private static long s_walks;

    public static InRootTree Open(string root)
    {
        var full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(root));
        var fd = LibC.Openat(LibC.AtFdCwd, full, LibC.OPath | LibC.ODirectory);
        if (fd < 0) throw LibC.Error("open", full, -fd);
        return new InRootTree(full, fd);
    }

    /// <summary>
    /// Opens (O_PATH) the folder that <paramref name="path"/> names inside the root, following symlinks inside the
    /// root, the last component included. With <paramref name="create"/>, missing folders are made (0755, owned by
    /// the caller) and reported to <paramref name="created"/> with their parent's descriptor and name. The caller
    /// closes the descriptor.
    /// </summary>
    public InRootFolder OpenFolder(string path, bool create, Action<int, string>? created = null)
    {
        if (path.Length == 0) return Dup(RootFd);
        if (!DisableOpenat2 && s_openat2 >= 0)
        {
            var fd = LibC.Openat2(RootFd, path, LibC.OPath | LibC.ODirectory | LibC.OCloExec, LibC.ResolveInRoot | LibC.ResolveNoMagicLinks);
            if (fd >= 0)
            {
                s_openat2 = 1;
                return new InRootFolder(fd, InRootFailure.None, "");
            }

            // ENOSYS: an old kernel; EPERM/EINVAL/E2BIG: a sandbox that filters openat2. Other errors (a missing
            // folder to create, a file in the way, a loop) are for the walk to handle and describe.
            if (fd is -LibC.ENOSYS or -LibC.EPERM or -LibC.EINVAL or -7 /* E2BIG */) s_openat2 = -1;
        }

        return Walk(path, create, created);
    }

    private InRootFolder Walk(string path, bool create, Action<int, string>? created)
    {
        Interlocked.Increment(ref s_walks);
        var pending = new List<string>(path.Split('/', StringSplitOptions.RemoveEmptyEntries));
        var stack = new List<(int Fd, string Name)> { (RootFd, "") };

        // Names past the last folder that exists: as containerd's RootPath, "missing/.." is resolved by name,
        // and nothing is created until the whole path is known.
        var missing = new List<string>();
        var at = 0;
        var links = 0;
        try
        {
            while (at < pending.Count)
            {
                var part = pending[at++];
                if (part == ".") continue;
                if (part == "..")
                {
                    // A chroot's "/.." is "/": the root is never left.
                    if (missing.Count > 0) missing.RemoveAt(missing.Count - 1);
                    else if (stack.Count > 1) PopTo(stack, stack.Count - 1);
                    continue;
                }

                if (missing.Count > 0)
                {
                    missing.Add(part);
                    continue;
                }

                var current = stack[^1].Fd;
                var rc = LibC.StatAt(current, part, out var status);
                if (rc == -LibC.ENOENT)
                {
                    missing.Add(part);
                    continue;
                }

                if (rc != 0) throw LibC.Error("statx", Describe(stack, part), -rc);
                if (status.IsSymlink)
                {
                    if (++links > MaxSymlinks) return Fail(InRootFailure.TooManyLinks, stack, part);
                    var target = LibC.ReadLinkAt(current, part, out var errno) ?? throw LibC.Error("readlinkat", Describe(stack, part), errno);
                    if (target.StartsWith('/')) PopTo(stack, 1);
                    pending.RemoveRange(0, at);
                    pending.InsertRange(0, target.Split('/', StringSplitOptions.RemoveEmptyEntries));
                    at = 0;
                    continue;
                }

                if (!status.IsDirectory) return Fail(InRootFailure.NotADirectory, stack, part);
                Push(stack, part);
            }

            foreach (var part in missing)
            {
                if (!create) return Fail(InRootFailure.Missing, stack, part);
                var current = stack[^1].Fd;
                var rc = LibC.MkdirAt(current, part, 0x1ED /* 0755 */);
                if (rc != 0 && rc != -LibC.EEXIST) throw LibC.Error("mkdirat", Describe(stack, part), -rc);
                if (rc == 0) created?.Invoke(current, part);
                if (LibC.StatAt(current, part, out var made) != 0 || !made.IsDirectory) return Fail(InRootFailure.NotADirectory, stack, part);
                Push(stack, part);
            }

            if (stack.Count == 1) return Dup(RootFd);
            var result = stack[^1].Fd;
            stack.RemoveAt(stack.Count - 1);
            return new InRootFolder(result, InRootFailure.None, "");
        }
        finally
        {
            PopTo(stack, 1);
        }
    }

    private static void Push(List<(int Fd, string Name)> stack, string part)
    {
        var fd = LibC.Openat(stack[^1].Fd, part, LibC.OPath | LibC.ODirectory | LibC.ONoFollow);
        if (fd < 0) throw LibC.Error("openat", Describe(stack, part), -fd);
        stack.Add((fd, part));
    }

    private static InRootFolder Dup(int fd)
    {
        // "." relative to a folder descriptor reopens the folder itself: a descriptor the caller may close.
        var copy = LibC.Openat(fd, ".", LibC.OPath | LibC.ODirectory);
        if (copy < 0) throw LibC.Error("openat", ".", -copy);
        return new InRootFolder(copy, InRootFailure.None, "");
    }

    private static InRootFolder Fail(InRootFailure failure, List<(int Fd, string Name)> stack, string part) =>
        new(-1, failure, Describe(stack, part));

    private static string Describe(List<(int Fd, string Name)> stack, string part) =>
        string.Join('/', stack.Skip(1).Select(s => s.Name).Append(part));

    private static void PopTo(List<(int Fd, string Name)> stack, int count)
    {
        while (stack.Count > count)
        {
            LibC.Close(stack[^1].Fd);
            stack.RemoveAt(stack.Count - 1);
        }
    }

    public void Dispose() => LibC.Close(RootFd);
}
