namespace Containerize.Core.Os;

/// <summary>
/// Host paths of container paths in a rootfs folder that nothing else is writing (USER lookup, WORKDIR, mount
/// stubs), resolved as <see cref="ScopedPath"/> does: symlinks followed inside the rootfs, never out of it. Writers
/// into untrusted trees use <see cref="InRootTree"/>, which acts on descriptors instead of paths.
/// </summary>
internal static class InRootPath
{
    /// <summary>The host path of a container path, the last component followed unless told not to; null for a loop of links.</summary>
    public static string? Resolve(string rootfs, string containerPath, bool followLast = true) =>
        ScopedPath.ResolveOnDisk(rootfs, containerPath, followLast) is { } resolved ? Path.Combine(rootfs, resolved.Path) : null;

    /// <summary>A normalised relative path ("etc/hosts") of an absolute container path; "" for "/".</summary>
    public static string Relative(string containerPath) => string.Join('/', ScopedPath.Clean(containerPath));
}
