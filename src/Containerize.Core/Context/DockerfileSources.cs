using Containerize.Core.Diagnostics;
using Containerize.Core.Dockerfiles.Instructions;
using Containerize.Core.Dockerfiles.Stages;

namespace Containerize.Core.Context;

/// <summary>
/// The COPY and ADD sources a Dockerfile reads from the build context, with their lines: what the ignore-file check
/// (CTZ2106) needs before any build runs. Sources of <c>COPY --from</c>, heredocs and URLs are not in the context, and a
/// source with a variable is only known after expansion, so those are left to the engine.
/// </summary>
public static class DockerfileSources
{
    public static IEnumerable<(string Source, int Line)> FromModel(DockerfileModel model) =>
        FromInstructions(model.Stages.SelectMany(s => s.Instructions));

    /// <summary>The context sources of these instructions (the engine passes them after expansion).</summary>
    public static IEnumerable<(string Source, int Line)> FromInstructions(IEnumerable<Instruction> instructions)
    {
        foreach (var instruction in instructions)
        {
            var paths = instruction switch
            {
                CopyInstruction { From: null } copy => copy.Paths.SourcePaths,
                AddInstruction add => add.Paths.SourcePaths,
                _ => [],
            };
            foreach (var source in paths)
            {
                if (source.Contains('$', StringComparison.Ordinal)) continue;
                yield return (source, instruction.StartLine);
            }
        }
    }

    /// <summary>Checks the context's Dockerfile, when it has one, and returns CTZ2106 diagnostics (errors when strict).</summary>
    public static async Task<IReadOnlyList<Diagnostic>> CheckAsync(BuildContext context, bool strict, CancellationToken cancellationToken)
    {
        if (context.DockerfilePath is not { } path || !File.Exists(path)) return [];
        DockerfileModel model;
        try
        {
            model = await DockerfileModel.LoadAsync(path, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (ContainerizeException)
        {
            // An advisory check: a Dockerfile that does not parse is the build's error to report, not the listing's.
            return [];
        }

        return ContextHygiene.CheckSources(context, FromModel(model), path, strict);
    }
}
