using Containerize.Core.Dockerfiles.Stages;

namespace Containerize.Core.Building.Plan;

/// <summary>
/// The build's one plan and the base images it was made with. As in BuildKit, instructions expand with their base
/// image's environment and a base's ONBUILD triggers run first in its stage, so the stage graph's images are resolved
/// (pulled without layers when not stored) before the plan is made, and the stages take them from here.
/// </summary>
public sealed record PlannedBuild(BuildPlan Plan, IReadOnlyDictionary<string, ImageState> Bases)
{
    public static async Task<PlannedBuild> CreateAsync(
        DockerfileModel model, StagePlanner planner, BuildOptions options, IReadOnlyList<StageBase> stageBases, ImageResolvers images, NamedContextSet named,
        CancellationToken cancellationToken)
    {
        var bases = new Dictionary<string, ImageState>(StringComparer.Ordinal);
        foreach (var stageBase in stageBases.Where(b => !named.Replaces(b.Stage)))
        {
            if (bases.ContainsKey(stageBase.BaseName)) continue;
            bases[stageBase.BaseName] = await images.ResolveFromAsync(stageBase.Stage, stageBase.BaseName, stageBase.Platform, null, cancellationToken).ConfigureAwait(false);
        }

        if (bases.Count > 0)
        {
            options = options with
            {
                BaseImageEnv = bases.ToDictionary(kv => kv.Key, kv => kv.Value.ContainerConfig.Env ?? (IReadOnlyList<string>)[], StringComparer.Ordinal),
                BaseImageOnBuild = bases.ToDictionary(kv => kv.Key, kv => kv.Value.ContainerConfig.OnBuild ?? (IReadOnlyList<string>)[], StringComparer.Ordinal),
            };
        }

        return new PlannedBuild(planner.Plan(model, options), bases);
    }

    /// <summary>The image a stage starts from when it is built FROM an image resolved before planning; null otherwise.</summary>
    public ImageState? BaseOf(ResolvedStage stage) =>
        stage.BaseStageIndex is null && Bases.TryGetValue(stage.BaseName, out var image) ? image : null;
}
