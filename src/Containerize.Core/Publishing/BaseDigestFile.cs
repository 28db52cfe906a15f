using Containerize.Core.Diagnostics;
using Containerize.Core.Generation;
using Containerize.Core.Images.Oci;
using Containerize.Core.Os;
using Containerize.Core.Registry;

namespace Containerize.Core.Publishing;

/// <summary>
/// obj/container/base.digest: the base tag of the last build and the digest it named (two lines). It is an input of
/// the package's image target, so a publish with nothing else changed is skipped only while the tag names the same
/// digest: before that decision `containerize base-check` asks the registry once (HEAD) and rewrites the file when the
/// tag has moved. A digest-pinned base, or one that was not resolved, leaves no file: nothing to check.
/// </summary>
public static class BaseDigestFile
{
    public const string FileName = "base.digest";

    public sealed record Content(ImageReference Reference, Digest Digest);

    public static async Task<Content?> ReadAsync(string path, CancellationToken cancellationToken)
    {
        string[] lines;
        try
        {
            lines = await File.ReadAllLinesAsync(path, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }

        return lines.Length >= 2 && ImageReference.TryParse(lines[0].Trim(), out var reference) && reference is not null
            && Digest.TryParse(lines[1].Trim(), out var digest)
            ? new Content(reference, digest)
            : null;
    }

    /// <summary>After a build: the resolved tag and digest, or no file when there is nothing to check.</summary>
    public static async Task WriteAsync(string path, BaseImageFacts? facts, CancellationToken cancellationToken)
    {
        if (facts is null || facts.Pinned)
        {
            File.Delete(path);
            return;
        }

        await AtomicFile.WriteTextAsync(path, $"{facts.Reference.WithoutDigest()}\n{facts.Digest}\n", AtomicWriteOptions.Generated, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The check before the skip decision: one HEAD of the tag. The file is rewritten only when the tag names another
    /// digest (so its time tells MSBuild to build again); an unreachable registry keeps it, with the CTZ4004 warning.
    /// </summary>
    /// <returns>The new digest when the tag moved, else null.</returns>
    public static async Task<Digest?> CheckAsync(string path, RegistryClient client, IDiagnosticSink sink, CancellationToken cancellationToken)
    {
        if (await ReadAsync(path, cancellationToken).ConfigureAwait(false) is not { } content) return null;
        Descriptor? now;
        try
        {
            now = await client.HeadManifestAsync(content.Reference, cancellationToken).ConfigureAwait(false);
        }
        catch (ContainerizeException e) when (e.Code == RegistryErrors.Unreachable)
        {
            sink.Report(new Diagnostic(RegistryErrors.Unreachable, Severity.Warning,
                $"{content.Reference.Registry} cannot be reached to check the base image {content.Reference.FamiliarString}; keeping the image built on {content.Digest.ShortId}, which may be out of date"));
            return null;
        }

        // Gone or unreadable: the build resolves it again and says what is wrong.
        if (now is null)
        {
            File.Delete(path);
            return null;
        }

        if (now.Digest == content.Digest) return null;
        await AtomicFile.WriteTextAsync(path, $"{content.Reference}\n{now.Digest}\n", AtomicWriteOptions.Generated, cancellationToken).ConfigureAwait(false);
        sink.Info($"Base image {content.Reference.FamiliarString} moved from {content.Digest} to {now.Digest}: the image is built again");
        return now.Digest;
    }
}
