using System.Diagnostics;
using Containerize.Core.Diagnostics;
using Containerize.Core.Os;

namespace Containerize.Core.Runtime.Snapshots;

/// <summary>
/// An overlay mount of a step's rootfs. It is made by mount(8) started in the snapshots folder, so that the
/// lower folders are given as short relative links (Docker's overlay2 re-executes itself in that folder for the same
/// reason): the process-wide working directory of this process is never changed.
/// redirect_dir, metacopy and index are off so that the upper folder is a plain difference: a renamed lower folder is
/// copied, a chown copies the data, and shared lower folders are not tied to one upper.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class OverlayMount
{
    private OverlayMount(string merged, string upper, string work)
    {
        Merged = merged;
        Upper = upper;
        Work = work;
    }

    public string Merged { get; }

    public string Upper { get; }

    public string Work { get; }

    public bool IsMounted { get; private set; }

    /// <param name="lowerLinks">Short links relative to the snapshot root, bottom layer first.</param>
    public static async Task<OverlayMount> MountAsync(string snapshotRoot, IReadOnlyList<string> lowerLinks, string upper, string work,
        string merged, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(upper);
        Directory.CreateDirectory(work);
        Directory.CreateDirectory(merged);
        // overlayfs lists the top layer first.
        var lower = string.Join(':', lowerLinks.Reverse());
        var options = $"lowerdir={lower},upperdir={upper},workdir={work},index=off,redirect_dir=off,metacopy=off";
        if (options.Length >= 4096)
        {
            throw new ContainerizeException(RuntimeErrors.OverlayFailed,
                $"{lowerLinks.Count} layers make an overlay option string of {options.Length} bytes (the limit is 4095)",
                hint: "squash some layers of the base image, or use the copy strategy");
        }

        var psi = new ProcessStartInfo("mount")
        {
            WorkingDirectory = snapshotRoot,
            UseShellExecute = false,
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        };
        foreach (var a in new[] { "-t", "overlay", "overlay", "-o", options, merged }) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var errors = p.StandardError.ReadToEndAsync(cancellationToken);
        await p.StandardOutput.ReadToEndAsync(cancellationToken).ConfigureAwait(false);
        await p.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
        if (p.ExitCode != 0)
        {
            throw new ContainerizeException(RuntimeErrors.OverlayFailed,
                $"could not mount the overlay rootfs at {merged}: {(await errors.ConfigureAwait(false)).Trim()}",
                hint: "overlayfs needs root and a folder that is not itself on overlayfs; the copy strategy works everywhere");
        }

        return new OverlayMount(merged, upper, work) { IsMounted = true };
    }

    /// <summary>Unmounts; a busy mount is detached so that nothing stays mounted.</summary>
    public void Unmount()
    {
        if (!IsMounted) return;
        var errno = LibC.Unmount(Merged, 0);
        if (errno != 0 && errno != LibC.EINVAL) errno = LibC.Unmount(Merged, LibC.MntDetach);
        IsMounted = false;
        if (errno != 0 && errno != LibC.EINVAL) throw LibC.Error("umount2", Merged, errno);
    }

    /// <summary>Whether overlayfs works here: root, the kernel has it, and a test mount in <paramref name="probeRoot"/> succeeds.</summary>
    public static async Task<bool> IsSupportedAsync(string probeRoot, CancellationToken cancellationToken)
    {
        if (LibC.IsRootless) return false;
        try
        {
            if (!File.ReadAllText("/proc/filesystems").Contains("\toverlay", StringComparison.Ordinal)) return false;
        }
        catch (IOException)
        {
            return false;
        }

        var dir = Path.Combine(probeRoot, "probe-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            Directory.CreateDirectory(Path.Combine(dir, "lower"));
            var mount = await MountAsync(dir, ["lower"], Path.Combine(dir, "upper"), Path.Combine(dir, "work"), Path.Combine(dir, "merged"),
                cancellationToken).ConfigureAwait(false);
            mount.Unmount();
            return true;
        }
        catch (ContainerizeException)
        {
            return false;
        }
        finally
        {
            try
            {
                Directory.Delete(dir, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }
}
