using System.Collections.Concurrent;
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
        var outputs = request.Outputs.Select(o => BuildOutputWriter.Parse(o, contextDir)).ToList();
        BuildOutputWriter.Validate(outputs, tags);
        var hostPlatform = BuildPlatforms.Host;
        var targetPlatform = request.Platform is { } requested ? BuildPlatforms.Parse(requested) : hostPlatform;
        var options = new BuildOptions
        {
            BuildArgs = request.BuildArgs,
            Target = request.Target,
            TargetPlatform = BuildPlatforms.ArgValue(targetPlatform),
            BuildPlatform = BuildPlatforms.ArgValue(hostPlatform),
        };
        var plan = planner.Plan(model, options);
        PhaseTimer.Mark("dockerfile parsed and planned");

        CheckSecretSources(request);
        var store = await OciLayoutStore.OpenOrCreateAsync(StoreLocation.Resolve(request.StorePath), cancellationToken).ConfigureAwait(false);
        var registryOptions = new Registry.RegistryOptions { Sink = sink, Offline = request.Offline };
        // Bases are pulled without their layers; whatever reads one fetches it through this (RemoteBlobs).
        using var fetcher = Registry.RegistryBlobFetcher.Attach(store, registryOptions);
        var scratch = Path.Combine(store.IngestPath, "build-" + Guid.NewGuid().ToString("N")[..12]);
        var named = new NamedContextSet(request.NamedContexts, scratch);
        var built = new ConcurrentDictionary<int, ImageState>();
        var resolver = new BaseImageResolver(store, contextDir, sink, built) { NamedContexts = named, Platform = targetPlatform, RegistryOptions = registryOptions };
        // FROM --platform=P picks P from an index (often $BUILDPLATFORM, for a build stage that runs here).
        BaseImageResolver ResolverFor(ResolvedStage s) => s.Platform is { Length: > 0 } p && BuildPlatforms.Parse(p) is var pp && pp != targetPlatform
            ? new BaseImageResolver(store, contextDir, sink, built) { NamedContexts = named, Platform = pp, RegistryOptions = registryOptions }
            : resolver;
        PhaseTimer.Mark("store opened");

        // Instructions expand with their base image's environment, as in BuildKit: resolve the bases, then plan again.
        var bases = new Dictionary<string, ImageState>(StringComparer.Ordinal);
        bool Replaced(ResolvedStage s) => s.Stage.Name is { } n && named.ValueOf(n) is not null;
        foreach (var stage in plan.Stages.Where(s => s.BaseStageIndex is null && s.BaseName != "scratch" && !Replaced(s)))
        {
            if (bases.ContainsKey(stage.BaseName)) continue;
            try
            {
                bases[stage.BaseName] = await ResolverFor(stage).ResolveAsync(stage.BaseName, null, cancellationToken).ConfigureAwait(false);
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
                BaseImageOnBuild = bases.ToDictionary(kv => kv.Key, kv => kv.Value.ContainerConfig.OnBuild ?? (IReadOnlyList<string>)[], StringComparer.Ordinal),
            });
        }

        PhaseTimer.Mark("base images resolved, plan expanded");
        foreach (var w in plan.Warnings) sink.Report(w);
        var context = (await BuildContext.OpenAsync(contextDir, dockerfile, cancellationToken).ConfigureAwait(false)).WithFileModes(request.FileModes);
        var snapshot = await ContextSnapshot.CreateAsync(context, null, sink, cancellationToken).ConfigureAwait(false);
        var contextSources = DockerfileSources.FromInstructions(plan.Stages.SelectMany(s => s.Instructions).Select(i => i.Instruction));
        foreach (var d in ContextHygiene.CheckSources(context, contextSources, dockerfile)) sink.Report(d);
        PhaseTimer.Mark("context snapshot");

        var cache = new BuildCache(store);
        var explainer = new MissExplainer(cache.Folder);
        var directories = new DirectoryIndex(store, cache.Folder);
        var rootfsCache = new ConcurrentDictionary<Digest, Lazy<Task<string>>>();
        var rootfsCount = 0;
        Task<string> Rootfs(ImageState image, CancellationToken ct) =>
            rootfsCache.GetOrAdd(image.Manifest?.Digest ?? default, _ => new Lazy<Task<string>>(async () =>
            {
                // Extracted once per build even when two stages ask at the same time.
                var folder = Path.Combine(scratch, Interlocked.Increment(ref rootfsCount).ToString(System.Globalization.CultureInfo.InvariantCulture));
                Directory.CreateDirectory(folder);
                foreach (var layer in image.Layers)
                {
                    await using var blob = await store.OpenLayerAsync(layer, image.Manifest?.Digest.ShortId, ct).ConfigureAwait(false);
                    // The digest names the layer in an error about one of its entries (and is checked on the way).
                    await Images.Layers.LayerApplier.ApplyAsync(folder, blob, expectedDigest: layer.Digest, cancellationToken: ct).ConfigureAwait(false);
                }

                return folder;
            })).Value;

        var scopedCache = new ConcurrentDictionary<(Digest, string), Lazy<Task<string>>>();
        Task<string> SourceRootfs(ImageState image, SourceScope? scope, CancellationToken ct)
        {
            var digest = image.Manifest?.Digest ?? default;
            // A full extraction already made (for RUN --mount, USER, --chown) serves every scope.
            if (scope is null || rootfsCache.ContainsKey(digest)) return Rootfs(image, ct);
            return scopedCache.GetOrAdd((digest, scope.Key), _ => new Lazy<Task<string>>(async () =>
            {
                var folder = Path.Combine(scratch, Interlocked.Increment(ref rootfsCount).ToString(System.Globalization.CultureInfo.InvariantCulture));
                if (await ScopedExtraction.TryExtractAsync(store, image, scope, folder, ct).ConfigureAwait(false)) return folder;
                Directory.Delete(folder, recursive: true);
                return await Rootfs(image, ct).ConfigureAwait(false);
            })).Value;
        }

        // Step numbers follow the plan's order whatever order concurrent stages finish in.
        var total = plan.Stages.Sum(s => 1 + s.Instructions.Count);
        var firstNumber = new Dictionary<int, int>();
        var next = 1;
        foreach (var stage in plan.Stages)
        {
            firstNumber[stage.Index] = next;
            next += 1 + stage.Instructions.Count;
        }

        var concurrent = StageScheduler.HasIndependentStages(plan);
        var logGate = new object();

        async Task<(ImageState State, List<StepRecord> Records)> BuildStageAsync(ResolvedStage stage, CancellationToken ct)
        {
            var log = new StageSink(sink, concurrent ? $"[{stage.Stage.DisplayName}] " : null, logGate);
            var records = new List<StepRecord>();
            var number = firstNumber[stage.Index];
            var clock = Stopwatch.StartNew();
            var started = DateTimeOffset.UtcNow;
            ImageState state;
            if (Replaced(stage))
            {
                // BuildKit: a named context with a stage's name replaces the whole stage.
                log.Info($"Step {number}/{total} : {stage.Stage.From.Original} (replaced by --build-context {stage.Stage.Name})");
                state = await resolver.ResolveAsync(stage.Stage.Name!, null, ct).ConfigureAwait(false);
                log.Info($" ---> {state.ShortId}");
                records.Add(new StepRecord(number, stage.Stage.From.Original, true, null, clock.Elapsed, state.ShortId) { Stage = stage.Stage.DisplayName, Started = started });
                built[stage.Index] = state;
                return (state, records);
            }

            log.Info($"Step {number}/{total} : {stage.Stage.From.Original}");
            try
            {
                state = stage.BaseStageIndex is null && bases.TryGetValue(stage.BaseName, out var resolvedBase)
                    ? resolvedBase
                    : await ResolverFor(stage).ResolveAsync(stage.BaseName, stage.BaseStageIndex, ct).ConfigureAwait(false);
            }
            catch (ContainerizeException e) when (e.Diagnostic.File is null)
            {
                // Point at the FROM line: the store's or importer's error knows no Dockerfile.
                throw new ContainerizeException(e.Diagnostic with { File = dockerfile, Line = stage.Stage.From.StartLine }, e);
            }

            log.Info($" ---> {state.ShortId}");
            records.Add(new StepRecord(number, stage.Stage.From.Original, true, null, clock.Elapsed, state.ShortId) { Stage = stage.Stage.DisplayName, Started = started });
            if (state.ContainerConfig.OnBuild is { Count: > 0 })
            {
                // The plan runs the base's triggers first; as in Docker they are consumed, not passed on to this image.
                state = await ImageCommitter.StoreAsync(store, state.Config with { Config = state.ContainerConfig with { OnBuild = null } }, state.Layers, ct)
                    .ConfigureAwait(false);
            }

            var triggerCount = stage.Instructions.Count(i => i.FromOnbuild);
            if (triggerCount > 0) log.Info($"# Executing {triggerCount} build trigger{(triggerCount == 1 ? "" : "s")}");

            // Host mode: the steps of a stage on an image (not scratch, not a stage) never look at that image's files.
            var unread = request.IgnoreBaseFiles && stage.BaseStageIndex is null ? state.Layers.Count : 0;
            var stepContext = new StepContext
            {
                Store = store,
                Snapshot = snapshot,
                DockerfilePath = dockerfile,
                Sink = log,
                Plan = plan,
                ResolveImage = resolver.ResolveAsync,
                Rootfs = Rootfs,
                SourceRootfs = SourceRootfs,
                RuntimeRoot = request.RuntimeRoot ?? BuildRequest.DefaultRuntimeRoot,
                LayerCompression = request.LayerCompression,
                Directories = directories.AboveLowest(unread),
                Secrets = request.Secrets,
                SshAgents = request.SshAgents,
                NamedContexts = named,
            };
            if (plan.Stages.FirstOrDefault(s => s.Index == stage.BaseStageIndex) is { } baseStage)
            {
                // BuildKit 0.13: a stage built FROM another stage starts with that stage's ARG values (its RUN
                // environment and cache keys), as the planner already expands its instructions with them.
                foreach (var (name, value) in baseStage.Args) stepContext.Args[name] = value;
            }

            foreach (var step in stage.Instructions)
            {
                clock.Restart();
                started = DateTimeOffset.UtcNow;
                number++;
                stepContext.StepLabel = $"Step {number}/{total}";
                var text = step.FromOnbuild ? $"{step.Source.Original} (ONBUILD trigger)" : step.Source.Original;
                log.Info($"{stepContext.StepLabel} : {text}");
                if (step.Instruction is ArgInstruction arg)
                {
                    // ARG changes only the build environment: no image, no history (as BuildKit).
                    foreach (var def in arg.Args.Where(d => d.Value is not null)) stepContext.Args[def.Key] = def.Value!;
                    log.Info($" ---> {state.ShortId}");
                    records.Add(new StepRecord(number, text, true, null, clock.Elapsed, state.ShortId) { Stage = stage.Stage.DisplayName, Started = started });
                    continue;
                }

                var executor = _executors.FirstOrDefault(e => e.Handles(step))
                    ?? throw new ContainerizeException(BuildErrors.Unsupported, $"{step.Instruction.Keyword} is not supported by this engine", dockerfile, step.Source.StartLine,
                        "build this Dockerfile with `containerize handoff build`");
                var inputs = new List<string>
                {
                    "engine:" + BuildCache.ResultsVersion,
                    // scratch differs by platform: its config carries os and architecture.
                    "parent:" + (state.Manifest?.Digest.ToString() ?? $"scratch {state.Config.Os}/{state.Config.Architecture}/{state.Config.Variant}"),
                    "instruction:" + InstructionText.Format(step.Instruction),
                };
                // The planner names what a step uses: for a RUN, every build arg in scope, since all are in its environment.
                // Path decisions made without the base's files may differ from those made with them: never share a result.
                if (unread > 0) inputs.Add("base-files:unread");
                inputs.AddRange(step.UsedVariables.Where(stepContext.Args.ContainsKey).Order(StringComparer.Ordinal).Select(v => $"arg:{v}={stepContext.Args[v]}"));

                inputs.AddRange((await executor.CacheInputsAsync(step, state, stepContext, ct).ConfigureAwait(false)).Select(i => "input:" + i));
                var key = BuildCache.Key(inputs);
                // Triggers all sit on the FROM line: tell them apart by their position.
                var location = $"{dockerfile}\n{stage.Index}\n{step.Source.StartLine}" + (step.FromOnbuild ? $"\nonbuild{number}" : "");

                var hit = request.NoCache ? null : await cache.LookupAsync(key, ct).ConfigureAwait(false);
                string? why = null;
                if (hit is not null)
                {
                    log.Info(" ---> Using cache");
                    state = hit;
                }
                else
                {
                    why = request.NoCache ? "--no-cache" : await explainer.ExplainAsync(location, inputs, ct).ConfigureAwait(false);
                    var outcome = await executor.ExecuteAsync(step, state, stepContext, ct).ConfigureAwait(false);
                    state = await ImageCommitter.CommitAsync(store, state, outcome, ct).ConfigureAwait(false);
                    await cache.StoreAsync(key, state.Manifest!, ct).ConfigureAwait(false);
                }

                await explainer.RememberAsync(location, inputs, ct).ConfigureAwait(false);
                log.Info($" ---> {state.ShortId}");
                records.Add(new StepRecord(number, text, hit is not null, why, clock.Elapsed, state.ShortId) { Stage = stage.Stage.DisplayName, Started = started });
                PhaseTimer.Mark(hit is null ? $"step {number} (ran)" : $"step {number} (cached)");
            }

            built[stage.Index] = state;
            return (state, records);
        }

        IReadOnlyDictionary<int, (ImageState State, List<StepRecord> Records)> results;
        try
        {
            results = await StageScheduler.RunAsync(plan, concurrent ? request.MaxParallelStages : 1, BuildStageAsync, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            await snapshot.SaveCacheAsync(cancellationToken).ConfigureAwait(false);
            await named.SaveCachesAsync(cancellationToken).ConfigureAwait(false);
            if (Directory.Exists(scratch)) Directory.Delete(scratch, recursive: true);
        }

        PhaseTimer.Mark("digest cache saved");
        var records = results.Values.SelectMany(r => r.Records).OrderBy(r => r.Number).ToList();
        var state = results[plan.Target.Index].State;
        var image = state;
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

        if (outputs.Count > 0)
        {
            await BuildOutputWriter.WriteAsync(store, image, tags, outputs, image.Config.Platform, sink, cancellationToken).ConfigureAwait(false);
        }

        PhaseTimer.Mark("tagged");
        BuildSummary.Write(records, sink);
        return new BuildResult(image, records, tags);
    }

    /// <summary>As the docker client: every --secret file and --ssh socket must exist before anything runs.</summary>
    private static void CheckSecretSources(BuildRequest request)
    {
        foreach (var (id, file) in request.Secrets)
        {
            if (!File.Exists(file))
            {
                throw new ContainerizeException(BuildErrors.BadSecretSource, $"secret '{id}': file '{file}' does not exist",
                    hint: "give an existing file with --secret id=ID,src=FILE, or env=VARIABLE");
            }
        }

        foreach (var (id, socket) in request.SshAgents)
        {
            // Off Linux no RUN can use the agent (CTZ5047 says so at the step): only a socket that exists is checked.
            if (OperatingSystem.IsLinux() ? Os.LibC.LStat(socket) is not { Kind: Os.EntryType.Socket } : !File.Exists(socket))
            {
                throw new ContainerizeException(BuildErrors.BadSecretSource, $"ssh agent '{id}': '{socket}' is not a socket",
                    hint: "start an agent (eval $(ssh-agent)) or give --ssh ID=/path/to/agent.sock; key files are not supported, only agent sockets");
            }
        }
    }

    private static ImageReference ParseTag(string tag) =>
        ImageReference.TryParse(tag, out var reference) && reference!.Digest is null
            ? reference.WithDefaultTag()
            : throw new ContainerizeException(BuildErrors.BadTag, $"invalid tag '{tag}'", hint: "write -t name[:tag], e.g. -t myapp:1.0");
}
