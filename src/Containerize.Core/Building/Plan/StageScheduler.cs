using System.Runtime.ExceptionServices;
using Containerize.Core.Dockerfiles.Stages;

namespace Containerize.Core.Building.Plan;

/// <summary>
/// Which of a plan's stages run when: each as soon as the stages it needs are built, at most <c>maxParallel</c> at once
/// when two stages could run at the same time (one at a time otherwise), so independent stages build concurrently.
/// The first failure cancels the others; the scheduler waits until every stage has stopped, then rethrows that first
/// failure (not the cancellations it caused). It also numbers the steps: in the plan's order, whatever order
/// concurrent stages finish in.
/// </summary>
public sealed class StageScheduler
{
    private readonly BuildPlan _plan;
    private readonly int _parallel;
    private readonly Dictionary<int, int> _firstStep = [];

    public StageScheduler(BuildPlan plan, int maxParallel)
    {
        _plan = plan;
        Concurrent = HasIndependentStages(plan);
        _parallel = Concurrent ? Math.Max(1, maxParallel) : 1;
        var next = 1;
        foreach (var stage in plan.Stages)
        {
            // A stage's FROM is a step, then each instruction (ONBUILD triggers included).
            _firstStep[stage.Index] = next;
            next += 1 + stage.Instructions.Count;
        }

        TotalSteps = next - 1;
    }

    /// <summary>True when two stages could run at the same time: the log then names each line's stage.</summary>
    public bool Concurrent { get; }

    /// <summary>The "/N" of "Step 3/N".</summary>
    public int TotalSteps { get; }

    /// <summary>The number of a stage's FROM step; its instructions follow.</summary>
    public int FirstStep(ResolvedStage stage) => _firstStep[stage.Index];

    public async Task<IReadOnlyDictionary<int, T>> RunAsync<T>(Func<ResolvedStage, CancellationToken, Task<T>> build, CancellationToken cancellationToken)
    {
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var gate = new SemaphoreSlim(_parallel);
        var tasks = new Dictionary<int, Task<T>>();
        Exception? first = null;

        async Task<T> RunStage(ResolvedStage stage, Task[] needs)
        {
            // A failed dependency fails this stage with the dependency's exception, which is not recorded again.
            await Task.WhenAll(needs).ConfigureAwait(false);
            await gate.WaitAsync(cancel.Token).ConfigureAwait(false);
            try
            {
                return await build(stage, cancel.Token).ConfigureAwait(false);
            }
            catch (Exception e)
            {
                Interlocked.CompareExchange(ref first, e, null);
                await cancel.CancelAsync().ConfigureAwait(false);
                throw;
            }
            finally
            {
                gate.Release();
            }
        }

        // The plan lists dependencies first, so every stage a stage needs already has its task.
        foreach (var stage in _plan.Stages)
        {
            var needs = Needs(stage, _plan).Select(i => (Task)tasks[i]).ToArray();
            tasks[stage.Index] = RunStage(stage, needs);
        }

        try
        {
            await Task.WhenAll(tasks.Values).ConfigureAwait(false);
        }
        catch (Exception) when (first is not null)
        {
            ExceptionDispatchInfo.Capture(first).Throw();
        }

        return tasks.ToDictionary(kv => kv.Key, kv => kv.Value.Result);
    }

    /// <summary>True when two stages of the plan could run at the same time (neither needs the other, even indirectly).</summary>
    private static bool HasIndependentStages(BuildPlan plan)
    {
        var ancestors = new Dictionary<int, HashSet<int>>();
        foreach (var stage in plan.Stages)
        {
            var set = new HashSet<int>();
            foreach (var need in Needs(stage, plan))
            {
                set.Add(need);
                set.UnionWith(ancestors[need]);
            }

            ancestors[stage.Index] = set;
        }

        return plan.Stages.Any(a => plan.Stages.Any(b => a.Index < b.Index && !ancestors[a.Index].Contains(b.Index) && !ancestors[b.Index].Contains(a.Index)));
    }

    private static IEnumerable<int> Needs(ResolvedStage stage, BuildPlan plan) =>
        stage.Dependencies.Where(d => d.StageIndex is { } i && i != stage.Index && plan.Stages.Any(s => s.Index == i)).Select(d => d.StageIndex!.Value).Distinct();
}
