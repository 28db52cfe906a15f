using Containerize.Core.Building.Cache;
using Containerize.Core.Building.Plan;
using Containerize.Core.Diagnostics;
using Containerize.Core.Dockerfiles.Stages;

namespace Containerize.Core.Building.Steps;

/// <summary>What one step gave: the image after it, whether the cache had it, and why it ran when it did not.</summary>
public sealed record StepResult(ImageState Image, bool CacheHit, string? MissReason);

/// <summary>
/// Runs one instruction (not ARG, which the stage applies itself): picks its executor, keys it
/// (<see cref="StepCacheKey"/>), then takes the cached image or runs the executor, commits its outcome and caches
/// the result; the inputs are remembered so that the next miss can say what changed.
/// </summary>
public sealed class StepRunner(BuildCache cache, MissExplainer explainer, bool noCache)
{
    private readonly IReadOnlyList<IStepExecutor> _executors = [new MetadataStep(), new CopyStep(), new RunStep()];

    /// <param name="location">The step's place, <see cref="StepCacheKey.Location"/>.</param>
    /// <param name="baseFilesUnread">The stage decides paths without its FROM image's files (Host mode).</param>
    public async Task<StepResult> RunAsync(
        ResolvedInstruction step, ImageState parent, StepContext context, string location, bool baseFilesUnread, CancellationToken cancellationToken)
    {
        var executor = _executors.FirstOrDefault(e => e.Handles(step))
            ?? throw new ContainerizeException(BuildErrors.Unsupported, $"{step.Instruction.Keyword} is not supported by this engine", context.DockerfilePath, step.Source.StartLine,
                "build this Dockerfile with `containerize handoff build`");
        var inputs = await executor.CacheInputsAsync(step, parent, context, cancellationToken).ConfigureAwait(false);
        var key = StepCacheKey.For(parent, step, context.Args, baseFilesUnread, inputs);

        var hit = noCache ? null : await cache.LookupAsync(key.Key, cancellationToken).ConfigureAwait(false);
        StepResult result;
        if (hit is not null)
        {
            context.Sink.Info(" ---> Using cache");
            result = new StepResult(hit, true, null);
        }
        else
        {
            var why = noCache ? "--no-cache" : await explainer.ExplainAsync(location, key.Lines, cancellationToken).ConfigureAwait(false);
            var outcome = await executor.ExecuteAsync(step, parent, context, cancellationToken).ConfigureAwait(false);
            var image = await ImageCommitter.CommitAsync(context.Store, parent, outcome, cancellationToken).ConfigureAwait(false);
            await cache.StoreAsync(key.Key, image.Manifest!, cancellationToken).ConfigureAwait(false);
            result = new StepResult(image, false, why);
        }

        await explainer.RememberAsync(location, key.Lines, cancellationToken).ConfigureAwait(false);
        return result;
    }
}
