using System.Diagnostics;
using Containerize.Core.Building.Cache;
using Containerize.Core.Building.Output;
using Containerize.Core.Building.Plan;
using Containerize.Core.Building.Steps;
using Containerize.Core.Diagnostics;
using Containerize.Core.Dockerfiles.Instructions;
using Containerize.Core.Dockerfiles.Stages;

namespace Containerize.Core.Building;

/// <summary>
/// A stage's last image, its steps' records, and how many history entries it started with (its FROM image's or
/// base stage's; the entries after them are its own steps').
/// </summary>
public sealed record StageResult(ImageState Image, IReadOnlyList<StepRecord> Records, int InheritedHistory);

/// <summary>
/// Builds one stage, logging Docker's classic lines: its FROM (an image resolved for the plan, a stage built earlier,
/// or a named context that replaces the whole stage), the base's ONBUILD triggers consumed, then each instruction
/// through <see cref="StepRunner"/>, ARG applied here as it makes no image.
/// </summary>
public sealed class StageBuilder(
    PlannedBuild planned, ImageResolvers images, StageScheduler scheduler, StepRunner steps, StepContext shared, IDiagnosticSink sink, bool ignoreBaseFiles)
{
    private readonly object _logGate = new();

    public async Task<StageResult> BuildAsync(ResolvedStage stage, CancellationToken cancellationToken)
    {
        var log = new StageSink(sink, scheduler.Concurrent ? $"[{stage.Stage.DisplayName}] " : null, _logGate);
        var records = new List<StepRecord>();
        var number = scheduler.FirstStep(stage);
        var total = scheduler.TotalSteps;
        var clock = Stopwatch.StartNew();
        var started = DateTimeOffset.UtcNow;
        StepRecord Record(string text, ImageState image, bool hit = true, string? why = null) =>
            new(number, text, hit, why, clock.Elapsed, image.ShortId) { Stage = stage.Stage.DisplayName, Started = started };

        ImageState state;
        if (shared.NamedContexts.Replaces(stage.Stage))
        {
            // BuildKit: a named context with a stage's name replaces the whole stage.
            log.Info($"Step {number}/{total} : {stage.Stage.From.Original} (replaced by --build-context {stage.Stage.Name})");
            state = await images.Target.ResolveAsync(stage.Stage.Name!, null, cancellationToken).ConfigureAwait(false);
            log.Info($" ---> {state.ShortId}");
            records.Add(Record(stage.Stage.From.Original, state));
            return Finish(stage, state, records, state.Config.History?.Count ?? 0);
        }

        log.Info($"Step {number}/{total} : {stage.Stage.From.Original}");
        state = planned.BaseOf(stage)
            ?? await images.ResolveFromAsync(stage.Stage, stage.BaseName, stage.Platform, stage.BaseStageIndex, cancellationToken).ConfigureAwait(false);
        log.Info($" ---> {state.ShortId}");
        records.Add(Record(stage.Stage.From.Original, state));
        if (state.ContainerConfig.OnBuild is { Count: > 0 })
        {
            // The plan runs the base's triggers first; as in Docker they are consumed, not passed on to this image.
            state = await ImageCommitter.StoreAsync(shared.Store, state.Config with { Config = state.ContainerConfig with { OnBuild = null } }, state.Layers, cancellationToken)
                .ConfigureAwait(false);
        }

        var inherited = state.Config.History?.Count ?? 0;
        var triggerCount = stage.Instructions.Count(i => i.FromOnbuild);
        if (triggerCount > 0) log.Info($"# Executing {triggerCount} build trigger{(triggerCount == 1 ? "" : "s")}");

        // Host mode: the steps of a stage on an image (not scratch, not a stage) never look at that image's files.
        var unread = ignoreBaseFiles && stage.BaseStageIndex is null ? state.Layers.Count : 0;
        var context = shared with { Sink = log, Directories = shared.Directories.AboveLowest(unread) };
        // BuildKit 0.13: a stage built FROM another stage starts with that stage's ARG values (its RUN environment and
        // cache keys), as the planner already expands its instructions with them.
        var baseStage = planned.Plan.Stages.FirstOrDefault(s => s.Index == stage.BaseStageIndex);
        var args = new Dictionary<string, string>(baseStage?.Args ?? new Dictionary<string, string>(), StringComparer.Ordinal);
        // BuildKit's build environment is one list that ENV and ARG both write, the last write winning: the ARGs
        // whose value beats an ENV of the same name in RUN's environment.
        var argsOverEnv = new HashSet<string>(args.Keys.Where(k => baseStage!.Variables.GetValueOrDefault(k) == args[k]), StringComparer.Ordinal);
        // BuildKit's d.buildArgs and cmdSet are the stage's own, not its base stage's.
        var declared = new List<string>();
        var cmdSet = false;
        foreach (var step in stage.Instructions)
        {
            clock.Restart();
            started = DateTimeOffset.UtcNow;
            number++;
            var label = $"Step {number}/{total}";
            var text = step.FromOnbuild ? $"{step.Source.Original} (ONBUILD trigger)" : step.Source.Original;
            log.Info($"{label} : {text}");
            if (step.Instruction is ArgInstruction arg)
            {
                // ARG changes the build environment and adds BuildKit's empty_layer history entry ("ARG V=1", the
                // default as written); committed here, no step runs and nothing needs caching.
                foreach (var def in arg.Args.Where(d => d.Value is not null))
                {
                    args[def.Key] = def.Value!;
                    argsOverEnv.Add(def.Key);
                }

                declared.AddRange(arg.Args.Select(d => d.Key));
                var history = BuildKitHistory.Arg(step.DeclaredArgs ?? arg.Args);
                state = await ImageCommitter.CommitAsync(shared.Store, state, new StepOutcome(state.ContainerConfig, null, history), cancellationToken).ConfigureAwait(false);
                log.Info($" ---> {state.ShortId}");
                records.Add(Record(text, state));
                continue;
            }

            var stepContext = context with
            {
                Args = new Dictionary<string, string>(args, StringComparer.Ordinal),
                StageArgs = [.. declared],
                ArgsOverEnv = new HashSet<string>(argsOverEnv, StringComparer.Ordinal),
                CmdSetInStage = cmdSet,
                StepLabel = label,
            };
            cmdSet |= step.Instruction is CmdInstruction;
            if (step.Instruction is EnvInstruction env) argsOverEnv.ExceptWith(env.Variables.Select(v => v.Key));
            var location = StepCacheKey.Location(shared.DockerfilePath, stage.Index, step, number);
            var result = await steps.RunAsync(step, state, stepContext, location, unread > 0, cancellationToken).ConfigureAwait(false);
            state = result.Image;
            log.Info($" ---> {state.ShortId}");
            records.Add(Record(text, state, result.CacheHit, result.MissReason));
            PhaseTimer.Mark(result.CacheHit ? $"step {number} (cached)" : $"step {number} (ran)");
        }

        return Finish(stage, state, records, inherited);
    }

    private StageResult Finish(ResolvedStage stage, ImageState state, List<StepRecord> records, int inheritedHistory)
    {
        images.Built(stage.Index, state);
        return new StageResult(state, records, inheritedHistory);
    }
}
