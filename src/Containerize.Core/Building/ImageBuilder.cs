using System.Diagnostics;
using System.Runtime.Versioning;
using Containerize.Core.Building.Cache;
using Containerize.Core.Building.Output;
using Containerize.Core.Building.Plan;
using Containerize.Core.Building.Steps;
using Containerize.Core.Context;
using Containerize.Core.Diagnostics;
using Containerize.Core.Dockerfiles.Instructions;
using Containerize.Core.Dockerfiles.Stages;
using Containerize.Core.Images.Oci;
using Containerize.Core.Images.Store;

namespace Containerize.Core.Building;

/// <summary>A finished build: the target image (stored, tagged with the request's names) and what each step did.</summary>
public sealed record BuildResult(ImageState Image, IReadOnlyList<StepRecord> Steps, IReadOnlyList<ImageReference> Tags);

/// <summary>
/// `containerize build`: plans the Dockerfile (stages the target needs), then runs each instruction in order through
/// its executor, committing an image per step into the store and keying the build cache on parent + instruction +
/// used args + sources. Streams Docker's classic log. Tags only when every step succeeded.
/// </summary>
[SupportedOSPlatform("linux")]
public sealed class ImageBuilder(IDiagnosticSink sink)
{
    private readonly IReadOnlyList<IStepExecutor> _executors = [new MetadataStep(), new CopyStep(), new RunStep()];

    public async Task<BuildResult> BuildAsync(BuildRequest request, CancellationToken cancellationToken)
    {
        var contextDir = Path.GetFullPath(request.ContextDirectory);
        if (!Directory.Exists(contextDir))
        {
            throw new ContainerizeException(GeneralErrors.FileNotFound, $"build context '{request.ContextDirectory}' is not a folder", hint: "give the context folder as the last argument");
        }

        var dockerfile = Path.GetFullPath(request.DockerfilePath ?? Path.Combine(contextDir, "Dockerfile"));
        var tags = request.Tags.Select(ParseTag).ToList();
        var model = await DockerfileModel.LoadAsync(dockerfile, dockerfile, cancellationToken).ConfigureAwait(false);
        var planner = new StagePlanner(new Dockerfiles.Stages.ShellWordExpander(model.EscapeToken));
        var options = new BuildOptions
        {
            BuildArgs = request.BuildArgs,
            Target = request.Target,
        };
        var plan = planner.Plan(model, options);
        PhaseTimer.Mark("dockerfile parsed and planned");

        var store = await OciLayoutStore.OpenOrCreateAsync(StoreLocation.Resolve(request.StorePath), cancellationToken).ConfigureAwait(false);
        var built = new Dictionary<int, ImageState>();
        var resolver = new BaseImageResolver(store, contextDir, sink, built);
        PhaseTimer.Mark("store opened");

        // Instructions expand with their base image's environment, as in BuildKit: resolve the bases, then plan again.
        var bases = new Dictionary<string, ImageState>(StringComparer.Ordinal);
        foreach (var stage in plan.Stages.Where(s => s.BaseStageIndex is null && s.BaseName != "scratch"))
        {
            if (bases.ContainsKey(stage.BaseName)) continue;
            try
            {
                bases[stage.BaseName] = await resolver.ResolveAsync(stage.BaseName, null, cancellationToken).ConfigureAwait(false);
            }
            catch (ContainerizeException e) when (e.Diagnostic.File is null)
            {
                throw new ContainerizeException(e.Diagnostic with { File = dockerfile, Line = stage.Stage.From.StartLine }, e);
            }
        }

        if (bases.Count > 0)
        {
            plan = planner.Plan(model, options with
            {
                BaseImageEnv = bases.ToDictionary(kv => kv.Key, kv => kv.Value.ContainerConfig.Env ?? (IReadOnlyList<string>)[], StringComparer.Ordinal),
            });
        }

        PhaseTimer.Mark("base images resolved, plan expanded");
        foreach (var w in plan.Warnings) sink.Report(w);
        var context = await BuildContext.OpenAsync(contextDir, dockerfile, cancellationToken).ConfigureAwait(false);
        var snapshot = await ContextSnapshot.CreateAsync(context, null, sink, cancellationToken).ConfigureAwait(false);
        var contextSources = DockerfileSources.FromInstructions(plan.Stages.SelectMany(s => s.Instructions).Select(i => i.Instruction));
        foreach (var d in ContextHygiene.CheckSources(context, contextSources, dockerfile)) sink.Report(d);
        PhaseTimer.Mark("context snapshot");

        var cache = new BuildCache(store);
        var explainer = new MissExplainer(cache.Folder);
        var directories = new DirectoryIndex(store, cache.Folder);
        var scratch = Path.Combine(store.IngestPath, "build-" + Guid.NewGuid().ToString("N")[..12]);
        var rootfsCache = new Dictionary<Digest, string>();
        async Task<string> Rootfs(ImageState image, CancellationToken ct)
        {
            var key = image.Manifest?.Digest ?? default;
            if (rootfsCache.TryGetValue(key, out var folder)) return folder;
            folder = Path.Combine(scratch, rootfsCache.Count.ToString(System.Globalization.CultureInfo.InvariantCulture));
            Directory.CreateDirectory(folder);
            foreach (var layer in image.Layers)
            {
                await using var blob = await store.OpenBlobAsync(layer.Digest, ct).ConfigureAwait(false);
                await Images.Layers.LayerApplier.ApplyAsync(folder, blob, cancellationToken: ct).ConfigureAwait(false);
            }

            rootfsCache[key] = folder;
            return folder;
        }

        var total = plan.Stages.Sum(s => 1 + s.Instructions.Count);
        var number = 0;
        var records = new List<StepRecord>();
        ImageState? state = null;
        try
        {
            foreach (var stage in plan.Stages)
            {
                var clock = Stopwatch.StartNew();
                number++;
                sink.Info($"Step {number}/{total} : {stage.Stage.From.Original}");
                try
                {
                    state = stage.BaseStageIndex is null && bases.TryGetValue(stage.BaseName, out var resolvedBase)
                        ? resolvedBase
                        : await resolver.ResolveAsync(stage.BaseName, stage.BaseStageIndex, cancellationToken).ConfigureAwait(false);
                }
                catch (ContainerizeException e) when (e.Diagnostic.File is null)
                {
                    // Point at the FROM line: the store's or importer's error knows no Dockerfile.
                    throw new ContainerizeException(e.Diagnostic with { File = dockerfile, Line = stage.Stage.From.StartLine }, e);
                }

                sink.Info($" ---> {state.ShortId}");
                records.Add(new StepRecord(number, stage.Stage.From.Original, true, null, clock.Elapsed, state.ShortId));

                var stepContext = new StepContext
                {
                    Store = store,
                    Snapshot = snapshot,
                    DockerfilePath = dockerfile,
                    Sink = sink,
                    Plan = plan,
                    ResolveImage = resolver.ResolveAsync,
                    Rootfs = Rootfs,
                    RuntimeRoot = request.RuntimeRoot ?? BuildRequest.DefaultRuntimeRoot,
                    Directories = directories,
                };
                foreach (var step in stage.Instructions)
                {
                    clock.Restart();
                    number++;
                    stepContext.StepLabel = $"Step {number}/{total}";
                    var text = step.Source.Original;
                    sink.Info($"{stepContext.StepLabel} : {text}");
                    if (step.Instruction is ArgInstruction arg)
                    {
                        // ARG changes only the build environment: no image, no history (as BuildKit).
                        foreach (var def in arg.Args.Where(d => d.Value is not null)) stepContext.Args[def.Key] = def.Value!;
                        sink.Info($" ---> {state.ShortId}");
                        records.Add(new StepRecord(number, text, true, null, clock.Elapsed, state.ShortId));
                        continue;
                    }

                    var executor = _executors.FirstOrDefault(e => e.Handles(step))
                        ?? throw new ContainerizeException(EngineErrors.Unsupported, $"{step.Instruction.Keyword} is not supported by this engine", dockerfile, step.Source.StartLine,
                            "build this Dockerfile with `containerize handoff build`");
                    var inputs = new List<string>
                    {
                        "parent:" + (state.Manifest?.Digest.ToString() ?? "scratch"),
                        "instruction:" + InstructionText.Format(step.Instruction),
                    };
                    inputs.AddRange(step.UsedVariables.Where(stepContext.Args.ContainsKey).Order(StringComparer.Ordinal).Select(v => $"arg:{v}={stepContext.Args[v]}"));
                    if (step.Instruction is RunInstruction)
                    {
                        // A RUN sees every build arg in its environment.
                        inputs.AddRange(stepContext.Args.Keys.Except(step.UsedVariables).Order(StringComparer.Ordinal).Select(v => $"arg:{v}={stepContext.Args[v]}"));
                    }

                    inputs.AddRange((await executor.CacheInputsAsync(step, state, stepContext, cancellationToken).ConfigureAwait(false)).Select(i => "input:" + i));
                    var key = BuildCache.Key(inputs);
                    var location = $"{dockerfile}\n{stage.Index}\n{step.Source.StartLine}";

                    var hit = request.NoCache ? null : await cache.LookupAsync(key, cancellationToken).ConfigureAwait(false);
                    string? why = null;
                    if (hit is not null)
                    {
                        sink.Info(" ---> Using cache");
                        state = hit;
                    }
                    else
                    {
                        why = request.NoCache ? "--no-cache" : await explainer.ExplainAsync(location, inputs, cancellationToken).ConfigureAwait(false);
                        var outcome = await executor.ExecuteAsync(step, state, stepContext, cancellationToken).ConfigureAwait(false);
                        state = await ImageCommitter.CommitAsync(store, state, outcome, cancellationToken).ConfigureAwait(false);
                        await cache.StoreAsync(key, state.Manifest!, cancellationToken).ConfigureAwait(false);
                    }

                    await explainer.RememberAsync(location, inputs, cancellationToken).ConfigureAwait(false);
                    sink.Info($" ---> {state.ShortId}");
                    records.Add(new StepRecord(number, text, hit is not null, why, clock.Elapsed, state.ShortId));
                    PhaseTimer.Mark(hit is null ? $"step {number} (ran)" : $"step {number} (cached)");
                }

                built[stage.Index] = state;
            }
        }
        finally
        {
            await snapshot.SaveCacheAsync(cancellationToken).ConfigureAwait(false);
            if (Directory.Exists(scratch)) Directory.Delete(scratch, recursive: true);
        }

        PhaseTimer.Mark("digest cache saved");
        var image = state!;
        if (image.Manifest is null)
        {
            // FROM scratch with nothing else: still an image, with no layers.
            image = await ImageCommitter.StoreAsync(store, image.Config with { Created = ImageCommitter.Created }, [], cancellationToken).ConfigureAwait(false);
        }

        sink.Info($"Successfully built {image.ShortId}");
        foreach (var tag in tags)
        {
            await store.TagAsync(tag, image.Manifest!, cancellationToken).ConfigureAwait(false);
            sink.Info($"Successfully tagged {tag.FamiliarString}");
        }

        PhaseTimer.Mark("tagged");
        BuildSummary.Write(records, sink);
        return new BuildResult(image, records, tags);
    }

    private static ImageReference ParseTag(string tag) =>
        ImageReference.TryParse(tag, out var reference) && reference!.Digest is null
            ? reference.WithDefaultTag()
            : throw new ContainerizeException(EngineErrors.BadTag, $"invalid tag '{tag}'", hint: "write -t name[:tag], e.g. -t myapp:1.0");
}
