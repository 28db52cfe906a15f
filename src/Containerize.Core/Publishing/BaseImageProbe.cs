using Containerize.Core.Diagnostics;
using Containerize.Core.Generation;
using Containerize.Core.Images.Oci;
using Containerize.Core.Images.Store;
using Containerize.Core.Registry;

namespace Containerize.Core.Publishing;

/// <summary>
/// Resolves the base image of a publish: one manifest HEAD for a tag (the SDK resolves the tag on every publish too, so a
/// patched base reaches the next publish), none for a digest-pinned base or offline (the stored copy). The content is
/// pulled into the store (manifest and config: the layers stay in the registry until something reads them) only when
/// the store does not hold that digest. An unreachable registry falls back to the
/// stored copy with the CTZ4004 warning; a base that cannot be resolved at all gives no facts, and the build reports it.
/// </summary>
public static class BaseImageProbe
{
    public static async Task<BaseImageFacts?> ProbeAsync(string baseImage, Platform platform, OciLayoutStore store, RegistryClient? client,
        IDiagnosticSink sink, CancellationToken cancellationToken)
    {
        if (!ImageReference.TryParse(baseImage, out var parsed) || parsed is null) return null;
        var reference = parsed.WithDefaultTag();
        Descriptor? root;
        if (reference.Digest is { } pinned)
        {
            root = await store.ResolveAsync(reference.ByDigest(pinned), cancellationToken).ConfigureAwait(false);
            if (root is null && client is null) return null;
        }
        else if (client is null)
        {
            root = await store.ResolveAsync(reference, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            try
            {
                root = await client.HeadManifestAsync(reference, cancellationToken).ConfigureAwait(false);
            }
            catch (ContainerizeException e) when (e.Code == RegistryErrors.Unreachable)
            {
                root = await store.ResolveAsync(reference, cancellationToken).ConfigureAwait(false);
                if (root is null) return null;
                sink.Report(new Diagnostic(RegistryErrors.Unreachable, Severity.Warning,
                    $"{reference.Registry} cannot be reached; using the stored {reference.FamiliarString} ({root.Digest.ShortId}), which may be out of date"));
            }
            catch (ContainerizeException e)
            {
                // Denied, not found, a bad answer: the build resolves the base itself and reports it with its context.
                sink.Detail($"base image {reference}: {e.Diagnostic.Message}");
                return null;
            }
        }

        var digest = reference.Digest ?? root?.Digest;
        if (digest is null) return null;
        var pinnedReference = reference.WithDigest(digest.Value);
        if (!await HasPlatformAsync(store, reference.ByDigest(digest.Value), platform, cancellationToken).ConfigureAwait(false))
        {
            if (client is null) return null;
            try
            {
                await new ImagePuller(client, store) { DeferLayers = true }.PullAsync(pinnedReference, platform, cancellationToken).ConfigureAwait(false);
            }
            catch (ContainerizeException e)
            {
                sink.Detail($"base image {pinnedReference}: {e.Diagnostic.Message}");
                return null;
            }
        }

        // The build resolves `name:tag@digest` by its tag in the store: the tag must name what was resolved.
        var stored = await store.ResolveAsync(reference.ByDigest(digest.Value), cancellationToken).ConfigureAwait(false);
        if (stored is null) return null;
        if (reference.Tag is not null) await store.TagAsync(reference.WithoutDigest(), stored, cancellationToken).ConfigureAwait(false);
        var manifestDescriptor = await ImageGraph.SelectManifestAsync(store, stored, platform, cancellationToken).ConfigureAwait(false);
        var manifest = await store.ReadManifestAsync(manifestDescriptor, cancellationToken).ConfigureAwait(false);
        var config = await store.ReadConfigAsync(manifest.Config, cancellationToken).ConfigureAwait(false);
        return new BaseImageFacts(reference, digest.Value, config.Config?.Env ?? [], reference.Digest is not null);
    }

    // Whether the store holds the root, the platform's manifest and its config (the layers may stay remote).
    private static async Task<bool> HasPlatformAsync(OciLayoutStore store, ImageReference byDigest, Platform platform, CancellationToken cancellationToken)
    {
        try
        {
            var root = await store.ResolveAsync(byDigest, cancellationToken).ConfigureAwait(false);
            if (root is null) return false;
            var manifest = await ImageGraph.SelectManifestAsync(store, root, platform, cancellationToken).ConfigureAwait(false);
            if (!await store.HasBlobAsync(manifest.Digest, cancellationToken).ConfigureAwait(false)) return false;
            var m = await store.ReadManifestAsync(manifest, cancellationToken).ConfigureAwait(false);
            return await store.HasBlobAsync(m.Config.Digest, cancellationToken).ConfigureAwait(false);
        }
        catch (ContainerizeException)
        {
            return false;
        }
    }
}
