using Containerize.Core.Building.Cache;
using Containerize.Core.Building.Plan;
using Containerize.Core.Diagnostics;

namespace Containerize.Core.Building.Steps;

/// <summary>A path after its symlinks were followed in an image, and what the image has there (null: nothing yet).</summary>
internal readonly record struct ResolvedImagePath(string Path, DirectoryIndex.Item? Existing)
{
    /// <summary>The root, or a folder the image already has.</summary>
    public bool IsFolder => Path.Length == 0 || Existing is { IsFolder: true };
}

/// <summary>
/// Follows the symlinks of a path that a step writes to (COPY/ADD destination, WORKDIR) inside the parent image, as
/// BuildKit does (continuity's fs.RootPath, then MkdirAll): every component, the last one included, that is a symlink
/// in the image is replaced by its target, so the step writes into the link's target and the link stays. An absolute
/// target starts again at the image root and '..' never climbs above it, as in a chroot, so no link can lead out of
/// the image (a link to a host path names that path inside the image). What is missing is looked up no further
/// down: it will be made.
/// </summary>
internal static class ImagePathResolver
{
    /// <summary>continuity's limit on the links followed for one path (Linux's own is 40).</summary>
    public const int MaxLinks = 255;

    /// <param name="path">Relative to the image root, '/'-separated, already cleaned ("" is the root).</param>
    /// <param name="what">The step's words for messages, e.g. "COPY destination /app".</param>
    public static async Task<ResolvedImagePath> ResolveAsync(
        DirectoryIndex index, ImageState image, string path, string what, string file, int line, CancellationToken cancellationToken)
    {
        // Components still to walk, the next one on top; a link's target is pushed in front of what followed the link.
        var pending = new Stack<string>();
        Push(pending, path);
        var resolved = new List<string>();
        DirectoryIndex.Item? current = null;
        var missing = false;
        var links = 0;
        while (pending.TryPop(out var part))
        {
            if (part is "" or ".") continue;
            if (part == "..")
            {
                // Lexical, as filepath.Join cleans a link's target before anything is looked up; every prefix
                // walked so far was a folder or missing, so the parent is too.
                if (resolved.Count > 0) resolved.RemoveAt(resolved.Count - 1);
                current = null;
                missing = false;
                continue;
            }

            if (current is { IsFolder: false })
            {
                // BuildKit: "lstat …: not a directory", or "mkdir …: not a directory".
                throw new ContainerizeException(BuildErrors.DestinationBlocked,
                    $"{what}: /{string.Join('/', resolved)} is a file in the image, not a folder", file, line,
                    "a path written to must lead through folders; remove or rename the file in an earlier step, or choose another destination");
            }

            var candidate = resolved.Count == 0 ? part : string.Join('/', resolved) + "/" + part;
            var item = missing ? null : await index.LookupAsync(image, candidate, cancellationToken).ConfigureAwait(false);
            if (item is { Kind: 'l' } link)
            {
                if (++links > MaxLinks)
                {
                    throw new ContainerizeException(BuildErrors.TooManyLinks,
                        $"{what}: too many symlinks (more than {MaxLinks}) on the way to /{path}; /{candidate} -> {link.LinkTarget} loops", file, line,
                        "a symlink in the image leads back to itself; point the destination at a real folder");
                }

                var target = link.LinkTarget ?? "";
                if (target.StartsWith('/')) resolved.Clear();
                Push(pending, target);
                current = null;
                missing = false;
                continue;
            }

            resolved.Add(part);
            current = item;
            missing = item is null;
        }

        return new ResolvedImagePath(string.Join('/', resolved), resolved.Count == 0 ? null : current);
    }

    private static void Push(Stack<string> pending, string path)
    {
        var parts = path.Split('/');
        for (var i = parts.Length - 1; i >= 0; i--) pending.Push(parts[i]);
    }
}
