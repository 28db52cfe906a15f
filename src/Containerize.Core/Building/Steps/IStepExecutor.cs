using Containerize.Core.Building.Plan;
using Containerize.Core.Dockerfiles.Stages;

namespace Containerize.Core.Building.Steps;

/// <summary>
/// One kind of instruction, as kaniko's commands: what, besides the parent image and the instruction's text and
/// variables, its result depends on (the cache key's extra inputs), and how to run it.
/// </summary>
public interface IStepExecutor
{
    bool Handles(ResolvedInstruction step);

    /// <summary>Lines that go into the cache key besides the parent and the instruction (source digests).</summary>
    Task<IReadOnlyList<string>> CacheInputsAsync(ResolvedInstruction step, ImageState parent, StepContext context, CancellationToken cancellationToken);

    Task<StepOutcome> ExecuteAsync(ResolvedInstruction step, ImageState parent, StepContext context, CancellationToken cancellationToken);
}
