using Containerize.Core.Building.Plan;
using Containerize.Core.Dockerfiles.Instructions;
using Containerize.Core.Dockerfiles.Stages;

namespace Containerize.Core.Building.Cache;

/// <summary>
/// What a step's result depends on, as the lines its build-cache key hashes (<see cref="BuildCache.Key"/>), in order:
/// <list type="number">
/// <item><c>engine:N</c>, the engine's results version (<see cref="BuildCache.ResultsVersion"/>);</item>
/// <item><c>parent:</c> the manifest digest of the image the step starts from (a base image, or the previous step's
/// result), or for scratch <c>scratch os/arch/variant</c>, since its config carries the platform;</item>
/// <item><c>instruction:</c> the instruction after variable expansion (<see cref="InstructionText.Format"/>);</item>
/// <item><c>base-files:unread</c> when path questions are decided without the FROM image's files (Host mode): such a
/// result may differ from one made with them, so the two never share an entry;</item>
/// <item><c>arg:NAME=VALUE</c> for each variable the step used that is an ARG in force, by name: for RUN every ARG in
/// scope, since all are in its environment (the planner puts them in <see cref="ResolvedInstruction.UsedVariables"/>);</item>
/// <item><c>input:</c> each line the executor adds (<see cref="Steps.IStepExecutor.CacheInputsAsync"/>): the digests of
/// COPY's sources and heredocs, COPY --from's image, RUN's bind-mount sources, secret ids (never their bytes).</item>
/// </list>
/// The lines are also what <see cref="MissExplainer"/> compares to say why a step ran.
/// </summary>
public sealed record StepCacheKey(IReadOnlyList<string> Lines)
{
    public string Key => BuildCache.Key(Lines);

    public static StepCacheKey For(
        ImageState parent, ResolvedInstruction step, IReadOnlyDictionary<string, string> args, bool baseFilesUnread, IEnumerable<string> executorInputs)
    {
        var lines = new List<string>
        {
            "engine:" + BuildCache.ResultsVersion,
            "parent:" + (parent.Manifest?.Digest.ToString() ?? $"scratch {parent.Config.Os}/{parent.Config.Architecture}/{parent.Config.Variant}"),
            "instruction:" + InstructionText.Format(step.Instruction),
        };
        if (baseFilesUnread) lines.Add("base-files:unread");
        lines.AddRange(step.UsedVariables.Where(args.ContainsKey).Order(StringComparer.Ordinal).Select(v => $"arg:{v}={args[v]}"));
        lines.AddRange(executorInputs.Select(i => "input:" + i));
        return new StepCacheKey(lines);
    }

    /// <summary>
    /// Where a step sits, for <see cref="MissExplainer"/>: the Dockerfile, the stage and the line; ONBUILD triggers all
    /// sit on the FROM line, so they are told apart by their step number.
    /// </summary>
    public static string Location(string dockerfile, int stageIndex, ResolvedInstruction step, int number) =>
        $"{dockerfile}\n{stageIndex}\n{step.Source.StartLine}" + (step.FromOnbuild ? $"\nonbuild{number}" : "");
}
