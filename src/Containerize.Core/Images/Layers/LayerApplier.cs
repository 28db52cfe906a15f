using Containerize.Core.Images.Oci;

namespace Containerize.Core.Images.Layers;

/// <summary>What an applied layer does with OCI whiteouts.</summary>
public enum WhiteoutMode
{
    /// <summary>Onto a rootfs: <c>.wh.x</c> deletes x, <c>.wh..wh..opq</c> empties the folder of what lower layers put there.</summary>
    Apply,

    /// <summary>Into an empty folder for overlayfs: <c>.wh.x</c> becomes a character device 0/0, <c>.wh..wh..opq</c> the xattr trusted.overlay.opaque=y.</summary>
    OverlayFormat,
}

/// <summary>How layers are applied to a folder.</summary>
public sealed record LayerApplyOptions
{
    public static readonly LayerApplyOptions Default = new();

    /// <summary>Set each entry's uid/gid. Null: only when running as root, which is the only case it can work.</summary>
    public bool? PreserveOwners { get; init; }

    /// <summary>Entries for which this returns false are skipped (whiteouts included): a partial extraction. Null: all.</summary>
    public Func<LayerEntryInfo, bool>? Include { get; init; }

    public WhiteoutMode Whiteouts { get; init; } = WhiteoutMode.Apply;
}

/// <summary>
/// The one unpacker: every place a layer becomes files (RUN snapshots, the copy rootfs of RUN and
/// <c>containerize run</c>, <c>COPY --from</c> of an image, <c>layer apply</c>) goes through it. It follows
/// containerd's applier: each entry's parent is resolved inside the root (<see cref="Os.InRootTree"/>: symlinks
/// evaluated relative to the root, <c>..</c> stopping at it), the entry's own name is never followed, an entry
/// replaces whatever other type was there, symlink targets are stored as written, and hard links name a file
/// inside the root. A hostile layer therefore cannot reach the host; what it cannot be made to mean inside the root
/// (a file where a folder is needed, a symlink loop, a hard link to nothing) is a coded error naming the entry.
/// Modes, owners (as root), times, extended attributes, devices and FIFOs are kept.
/// When the caller passes the expected diff_id or digest, a mismatch is reported after the layer was applied:
/// the folder must then be discarded.
/// </summary>
public static class LayerApplier
{
    public static async Task<LayerReadResult> ApplyAsync(
        string root, Stream layer, LayerApplyOptions? options = null, Digest? expectedDiffId = null, Digest? expectedDigest = null, CancellationToken cancellationToken = default)
    {
        // The applier's safety rests on Linux's descriptor-relative calls (and owners, devices, xattrs mean Linux
        // things): elsewhere, and where Windows rules are forced, the step that needs it fails with a code before
        // anything is written. Host mode never unpacks a layer.
        if (!OperatingSystem.IsLinux() || Os.HostRules.Current.Os != Os.HostOs.Linux)
        {
            throw new Diagnostics.ContainerizeException(LayerErrors.ApplyNeedsLinux,
                $"unpacking layer {(expectedDigest ?? expectedDiffId)?.ToString() ?? "(unnamed)"} into a folder needs Linux, and this is {Os.HostRules.Current.Os}",
                hint: "steps that read a stage or an image as files (COPY --from, RUN, USER or --chown by name) need Linux; hand the Dockerfile to Docker or Podman (`--engine docker`, `-p:ContainerBuildEngine=Docker`)");
        }

        Directory.CreateDirectory(root);
        options ??= LayerApplyOptions.Default;
        using var application = new LayerApplication(root, options, (expectedDigest ?? expectedDiffId)?.ToString());
        var result = await LayerReader.ReadAsync(layer, application.ApplyAsync, expectedDiffId, expectedDigest, cancellationToken).ConfigureAwait(false);
        application.Finish();
        return result;
    }

    /// <summary>Applies a stack of layers, lowest first.</summary>
    public static async Task<IReadOnlyList<LayerReadResult>> ApplyAllAsync(string root, IEnumerable<Func<Stream>> layers, LayerApplyOptions? options = null, CancellationToken cancellationToken = default)
    {
        var results = new List<LayerReadResult>();
        foreach (var open in layers)
        {
            await using var stream = open();
            results.Add(await ApplyAsync(root, stream, options, cancellationToken: cancellationToken).ConfigureAwait(false));
        }

        return results;
    }
}
