using Containerize.Core.Context;
using Containerize.Core.Diagnostics;

namespace Containerize.Core.Building.Steps;

/// <summary>
/// Where a `RUN --mount=type=bind,source=` leads in a context (the main one or a named one), as BuildKit mounts it:
/// resolved among the context's kept entries, symlinks followed inside the context and never on this machine, so a
/// link to a host folder cannot put that folder into the step.
/// </summary>
internal static class BindSource
{
    /// <summary>The source's path relative to the context root ("" for the root itself).</summary>
    public static string InSnapshot(ContextSnapshot snapshot, string? source, string what, string file, int line)
    {
        var r = snapshot.Resolve(source ?? "") ?? throw new ContainerizeException(BuildErrors.SourceLinkUnresolved,
            $"RUN --mount=type=bind: source '{source}': too many levels of symbolic links in {what}", file, line,
            "a symlink on this path leads back to itself: fix or remove it");
        if (r.FollowedLink && r.Path.Length > 0 && snapshot.Find(r.Path) is null)
        {
            throw new ContainerizeException(BuildErrors.SourceLinkUnresolved,
                $"RUN --mount=type=bind: source '{source}' follows a symlink to '/{r.Path}', which is not in {what} (links are resolved inside it, as BuildKit does)",
                file, line,
                "a link is never followed out of the context: copy its target into the context (and keep .dockerignore from excluding it), or name the real path");
        }

        // A source that names nothing without any link is the runtime's CTZ5509, as before.
        return r.Path;
    }
}
