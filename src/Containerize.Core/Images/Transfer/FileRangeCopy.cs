using Containerize.Core.Os;

namespace Containerize.Core.Images.Transfer;

/// <summary>
/// Copies the rest of one file into another at their current positions with Linux's copy_file_range: the kernel
/// moves the pages itself, so a 100 MB base layer is not read into this process and written back out.
/// </summary>
internal static class FileRangeCopy
{
    /// <summary>
    /// Copies from <paramref name="source"/>'s position to its end, at <paramref name="destination"/>'s position, and
    /// moves both positions past what was copied. False (nothing copied, positions kept) where the kernel cannot copy
    /// between these two files, so the caller copies through memory.
    /// </summary>
    public static async Task<bool> TryCopyAsync(FileStream source, FileStream destination, CancellationToken cancellationToken)
    {
        if (!OperatingSystem.IsLinux()) return false;
        await destination.FlushAsync(cancellationToken).ConfigureAwait(false);
        long inOffset = source.Position, outOffset = destination.Position;
        var remaining = source.Length - inOffset;
        var first = true;
        while (remaining > 0)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var n = LibC.CopyFileRange(source.SafeFileHandle, ref inOffset, destination.SafeFileHandle, ref outOffset, Math.Min(remaining, 1L << 30));
            if (n < 0)
            {
                var errno = (int)-n;
                // ENOSYS, EXDEV (older kernels), EINVAL or EOPNOTSUPP (file systems without it) before any byte moved:
                // the caller's ordinary copy does the whole file.
                if (first && errno is LibC.ENOSYS or LibC.EXDEV or LibC.EINVAL or LibC.EOPNOTSUPP) return false;
                if (errno == LibC.EINTR) continue;
                throw LibC.Error("copy_file_range from " + source.Name + " to", destination.Name, errno);
            }

            if (n == 0) throw new IOException($"{source.Name} ended {remaining} bytes before its length");
            first = false;
            remaining -= n;
        }

        source.Position = inOffset;
        destination.Position = outOffset;
        return true;
    }
}
