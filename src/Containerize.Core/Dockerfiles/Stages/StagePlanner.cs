using System.Globalization;
using Containerize.Core.Diagnostics;
using Containerize.Core.Dockerfiles.Instructions;

namespace Containerize.Core.Dockerfiles.Stages;

/// <summary>
/// Builds the stage graph of a Dockerfile and resolves what a target needs, with BuildKit's rules (dockerfile2llb):
/// global ARGs feed FROM only; a stage sees a global ARG only after redeclaring it; build args override defaults;
/// ARG values and ENV share one environment (the later one wins) and carry over to a stage built on the stage;
/// <c>FROM name</c> refers to an earlier stage (name as written); <c>COPY --from</c> and <c>RUN --mount=from=</c> refer
/// to any stage by name (case-insensitive) or COPY by index, and otherwise to an image; cycles are errors; unreachable stages are skipped.
/// </summary>
public sealed class StagePlanner(IWordExpander expander)
{
    public BuildPlan Plan(DockerfileModel model, BuildOptions? options = null)
    {
        options ??= new BuildOptions();
        var graph = Graph(model, options);
        var resolved = new Dictionary<int, ResolvedStage>();
        foreach (var index in graph.Order)
        {
            var (baseName, platform, baseStage, fromUsed) = graph.Bases[index];
            ResolvedStage? parent = baseStage is { } bi ? resolved[bi] : null;
            resolved[index] = ResolveStage(model.Stages[index], baseName, platform, baseStage, parent, graph.Triggers[index], graph.Dependencies[index], fromUsed,
                graph.Globals, options, model.File);
        }

        var warnings = new List<Diagnostic>(model.Warnings);
        WarnUnusedBuildArgs(model, options, graph.Order, warnings);
        var ordered = graph.Order.Select(i => resolved[i]).ToList();
        return new BuildPlan(ordered, resolved[graph.Target], graph.Globals, warnings);
    }

    /// <summary>
    /// The images the needed stages are built FROM (scratch and stages left out), in build order, known before any
    /// instruction is expanded: the engine resolves them first, then plans once with their environment
    /// (<see cref="BuildOptions.BaseImageEnv"/>) and ONBUILD triggers (<see cref="BuildOptions.BaseImageOnBuild"/>).
    /// </summary>
    public IReadOnlyList<StageBase> Bases(DockerfileModel model, BuildOptions? options = null)
    {
        var graph = Graph(model, options ?? new BuildOptions());
        return graph.Order.Where(i => graph.Bases[i].BaseStage is null && graph.Bases[i].BaseName != "scratch")
            .Select(i => new StageBase(model.Stages[i], graph.Bases[i].BaseName, graph.Bases[i].Platform)).ToList();
    }

    /// <summary>The stage graph: FROM lines expanded with the global ARGs, ONBUILD triggers, dependencies, the target and the build order.</summary>
    private StageGraph Graph(DockerfileModel model, BuildOptions options)
    {
        var file = model.File;
        var globals = ResolveGlobals(model, options);
        var stages = model.Stages;

        // Names registered so far: FROM can only see earlier stages; a later duplicate name wins, as in BuildKit.
        var byName = new Dictionary<string, int>(StringComparer.Ordinal);
        var bases = new (string BaseName, string? Platform, int? BaseStage, IReadOnlySet<string> Used)[stages.Count];
        foreach (var stage in stages)
        {
            var from = stage.From;
            var name = Expand(from.BaseName, globals, file, from.StartLine);
            if (name.Result.Length == 0)
            {
                throw new ContainerizeException(DockerfileErrors.BlankBaseName, $"base name ({from.BaseName}) should not be blank", file, from.StartLine,
                    "give the ARG used in FROM a default value or pass it with --build-arg");
            }

            var used = new HashSet<string>(name.Matched, StringComparer.Ordinal);
            string? platform = null;
            if (from.Platform is { } p)
            {
                var pe = Expand(p, globals, file, from.StartLine);
                platform = pe.Result;
                used.UnionWith(pe.Matched);
            }

            // BuildKit looks the base name up as written among the (lower-cased) names: "FROM Build" is an image.
            bases[stage.Index] = (name.Result, platform, byName.TryGetValue(name.Result, out var b) ? b : null, used);
            if (stage.Name is { } n) byName[n] = stage.Index;
        }

        var triggers = stages.Select(s => Triggers(s, bases[s.Index].BaseStage is { } bs ? stages[bs] : null, bases[s.Index].BaseName, options, file)).ToArray();
        var deps = stages.Select(s => Dependencies(s, bases[s.Index].BaseStage is { } bs ? stages[bs] : null, bases[s.Index].BaseName, triggers[s.Index], byName, stages.Count, file)).ToArray();
        CheckCycles(stages, deps, file);

        var target = ResolveTarget(model, options, byName);
        return new StageGraph(globals, bases, triggers, deps, target, BuildOrder(target, deps));
    }

    private sealed record StageGraph(
        Dictionary<string, string> Globals,
        (string BaseName, string? Platform, int? BaseStage, IReadOnlySet<string> Used)[] Bases,
        IReadOnlyList<Instruction>[] Triggers,
        List<StageDependency>[] Dependencies,
        int Target,
        List<int> Order);

    private Dictionary<string, string> ResolveGlobals(DockerfileModel model, BuildOptions options)
    {
        var globals = PlatformArgs.For(options.TargetPlatform, options.BuildPlatform);
        foreach (var name in PlatformArgs.Names)
        {
            if (options.BuildArgs.TryGetValue(name, out var v)) globals[name] = v;
        }

        foreach (var arg in model.GlobalArgs)
        {
            var assigned = new List<(string Key, string? Value)>();
            foreach (var def in arg.Args)
            {
                var key = Expand(def.Key, globals, model.File, arg.StartLine).Result;
                var value = def.Value is null ? null : Expand(def.Value, globals, model.File, arg.StartLine).Result;
                if (options.BuildArgs.TryGetValue(key, out var over)) value = over;
                assigned.Add((key, value));
            }

            foreach (var (key, value) in assigned)
            {
                if (value is not null) globals[key] = value;
            }
        }

        return globals;
    }

    /// <summary>
    /// The ONBUILD triggers that run first in a stage, at its FROM line: a stage built on a stage gets that stage's own
    /// ONBUILD instructions (its base's triggers were consumed there, as Docker clears OnBuild after running them);
    /// a stage built on an image gets the image's config OnBuild, when the engine supplied it.
    /// </summary>
    private static IReadOnlyList<Instruction> Triggers(Stage stage, Stage? parent, string baseName, BuildOptions options, string? file)
    {
        if (parent is not null)
        {
            return parent.Instructions.OfType<OnbuildInstruction>().Select(o => o.Trigger with { StartLine = stage.From.StartLine, EndLine = stage.From.EndLine }).ToList();
        }

        return options.BaseImageOnBuild is { } all && all.TryGetValue(baseName, out var triggers) && triggers.Count > 0
            ? OnbuildTriggers.Parse(triggers, baseName, stage.From, file)
            : [];
    }

    private static List<StageDependency> Dependencies(Stage stage, Stage? parent, string baseName, IReadOnlyList<Instruction> triggers, Dictionary<string, int> byName, int count, string? file)
    {
        var result = new List<StageDependency>();
        if (parent is not null) result.Add(new StageDependency(DependencyKind.Base, parent.Index, baseName, stage.From.StartLine));

        // ONBUILD triggers run in this stage, so their --from references are this stage's dependencies.
        foreach (var instruction in triggers.Concat(stage.Instructions))
        {
            switch (instruction)
            {
                case CopyInstruction { From: { Length: > 0 } from } copy:
                    if (int.TryParse(from, NumberStyles.None, CultureInfo.InvariantCulture, out var index))
                    {
                        if (index >= count)
                        {
                            throw new ContainerizeException(DockerfileErrors.InvalidStageIndex, $"invalid stage index {index}", file, copy.StartLine,
                                $"the Dockerfile has stages 0 to {count - 1}; refer to a stage by its AS name");
                        }

                        result.Add(new StageDependency(DependencyKind.CopyFrom, index, from, copy.StartLine));
                    }
                    else
                    {
                        result.Add(new StageDependency(DependencyKind.CopyFrom, byName.TryGetValue(from.ToLowerInvariant(), out var s) ? s : null, from, copy.StartLine));
                    }

                    break;
                case RunInstruction run:
                    foreach (var m in run.Mounts)
                    {
                        if (m.From is not { Length: > 0 } mf || m.Type == MountType.Tmpfs) continue;
                        result.Add(new StageDependency(DependencyKind.MountFrom, byName.TryGetValue(mf.ToLowerInvariant(), out var s) ? s : null, mf, run.StartLine));
                    }

                    break;
            }
        }

        return result;
    }

    private static void CheckCycles(IReadOnlyList<Stage> stages, List<StageDependency>[] deps, string? file)
    {
        var state = new int[stages.Count];

        void Visit(int i)
        {
            state[i] = 1;
            foreach (var d in deps[i])
            {
                if (d.StageIndex is not { } j) continue;
                if (state[j] == 1)
                {
                    throw new ContainerizeException(DockerfileErrors.CircularDependency, $"circular dependency detected on stage: {stages[j].DisplayName}", file, d.Line,
                        "a stage cannot copy from itself or from a stage that depends on it");
                }

                if (state[j] == 0) Visit(j);
            }

            state[i] = 2;
        }

        for (var i = 0; i < stages.Count; i++)
        {
            if (state[i] == 0) Visit(i);
        }
    }

    private static int ResolveTarget(DockerfileModel model, BuildOptions options, Dictionary<string, int> byName)
    {
        if (string.IsNullOrEmpty(options.Target)) return model.Stages.Count - 1;
        if (byName.TryGetValue(options.Target.ToLowerInvariant(), out var t)) return t;
        var names = model.Stages.Where(s => s.Name is not null).Select(s => s.Name!).ToList();
        throw new ContainerizeException(DockerfileErrors.UnknownTarget, $"target stage \"{options.Target}\" could not be found", model.File, null,
            names.Count == 0 ? "the Dockerfile has no named stages (name one with FROM image AS name)" : "stages are: " + string.Join(", ", names));
    }

    /// <summary>Depth-first post-order from the target: every stage after the stages it needs, unreachable stages left out.</summary>
    private static List<int> BuildOrder(int target, List<StageDependency>[] deps)
    {
        var order = new List<int>();
        var seen = new HashSet<int>();

        void Visit(int i)
        {
            if (!seen.Add(i)) return;
            foreach (var d in deps[i].Where(d => d.StageIndex is not null).OrderBy(d => d.StageIndex)) Visit(d.StageIndex!.Value);
            order.Add(i);
        }

        Visit(target);
        return order;
    }

    private ResolvedStage ResolveStage(
        Stage stage, string baseName, string? platform, int? baseStage, ResolvedStage? parent, IReadOnlyList<Instruction> triggers, List<StageDependency> deps,
        IReadOnlySet<string> fromUsed, Dictionary<string, string> globals, BuildOptions options, string? file)
    {
        // A stage built on another stage continues its state: ENV, ARG values and the build-time environment.
        var env = parent is null ? new Dictionary<string, string>(StringComparer.Ordinal) : new Dictionary<string, string>(parent.Env, StringComparer.Ordinal);
        var args = parent is null ? new Dictionary<string, string>(StringComparer.Ordinal) : new Dictionary<string, string>(parent.Args, StringComparer.Ordinal);

        // As in BuildKit's llb state, ARG (with a value) and ENV write the same environment: the last one wins.
        var scope = parent is null ? new Dictionary<string, string>(StringComparer.Ordinal) : new Dictionary<string, string>(parent.Variables, StringComparer.Ordinal);
        if (parent is null && options.BaseImageEnv is { } baseEnv && baseEnv.TryGetValue(baseName, out var imageEnv))
        {
            foreach (var entry in imageEnv)
            {
                var eq = entry.IndexOf('=');
                if (eq > 0) scope[entry[..eq]] = entry[(eq + 1)..];
            }
        }
        var result = new List<ResolvedInstruction>();

        foreach (var (instruction, fromOnbuild) in triggers.Select(t => (t, true)).Concat(stage.Instructions.Select(i => (i, false))))
        {
            var used = new HashSet<string>(StringComparer.Ordinal);
            var unset = new HashSet<string>(StringComparer.Ordinal);

            string X(string word)
            {
                var r = Expand(word, scope, file, instruction.StartLine);
                used.UnionWith(r.Matched);
                unset.UnionWith(r.Unmatched);
                return r.Result;
            }

            string? XN(string? word) => word is null ? null : X(word);

            SourcesAndDest Paths(SourcesAndDest p) => p with
            {
                SourcePaths = p.SourcePaths.Select(X).ToList(),
                DestPath = X(p.DestPath),
                SourceContents = p.SourceContents.Select(c => c.Expand ? c with { Data = Raw(c.Data) } : c).ToList(),
            };

            string Raw(string text)
            {
                WordExpansion r;
                try
                {
                    r = expander.ExpandRaw(text, scope);
                }
                catch (ContainerizeException e) when (e.Diagnostic.Line is null)
                {
                    throw new ContainerizeException(e.Diagnostic with { File = file, Line = instruction.StartLine }, e);
                }

                used.UnionWith(r.Matched);
                unset.UnionWith(r.Unmatched);
                return r.Result;
            }

            Instruction expanded;
            IReadOnlyList<ArgDefinition>? declared = null;
            switch (instruction)
            {
                case EnvInstruction e:
                    var vars = e.Variables.Select(kv => kv with { Key = X(kv.Key), Value = X(kv.Value) }).ToList();
                    foreach (var kv in vars)
                    {
                        env[kv.Key] = kv.Value;
                        scope[kv.Key] = kv.Value;
                    }

                    expanded = e with { Variables = vars };
                    break;
                case ArgInstruction a:
                    // BuildKit expands all of an ARG's defaults before dispatchArg applies any value (so in
                    // `ARG A=1 B=$A` B is empty, as in Docker 26): they are its history text, "ARG A=1 B=".
                    var before = new Dictionary<string, string>(scope, StringComparer.Ordinal);
                    declared = a.Args.Select(d => d.Value is null ? d : d with { Value = Expand(d.Value, before, file, instruction.StartLine).Result }).ToList();
                    var defs = new List<ArgDefinition>();
                    foreach (var def in a.Args)
                    {
                        // BuildKit's dispatchArg: the name is not expanded; a build arg beats the default, whose
                        // variables count as used only then; a bare ARG takes the global value.
                        string? Default()
                        {
                            var r = Expand(def.Value!, before, file, instruction.StartLine);
                            used.UnionWith(r.Matched);
                            unset.UnionWith(r.Unmatched);
                            return r.Result;
                        }

                        var value = options.BuildArgs.TryGetValue(def.Key, out var over) ? over
                            : def.Value is not null ? Default()
                            : globals.GetValueOrDefault(def.Key);
                        defs.Add(new ArgDefinition(def.Key, value));
                        if (value is null) continue;
                        args[def.Key] = value;
                        scope[def.Key] = value;
                    }

                    expanded = a with { Args = defs };
                    break;
                case LabelInstruction l:
                    expanded = l with { Labels = l.Labels.Select(kv => kv with { Key = X(kv.Key), Value = X(kv.Value) }).ToList() };
                    break;
                case AddInstruction add:
                    expanded = add with
                    {
                        Chown = XN(add.Chown),
                        Chmod = XN(add.Chmod),
                        Checksum = XN(add.Checksum),
                        Paths = Paths(add.Paths),
                    };
                    break;
                case CopyInstruction copy:
                    if (copy.From is { Length: > 0 } cf && expander.ExpandWord(cf, new Dictionary<string, string>()).Result != cf)
                    {
                        throw new ContainerizeException(DockerfileErrors.FromVariableNotSupported,
                            "variable expansion is not supported for --from, define a new stage with FROM using ARG from global scope as a workaround",
                            file, copy.StartLine, "write FROM ${IMAGE} AS src at the top level and COPY --from=src");
                    }

                    expanded = copy with { Chown = XN(copy.Chown), Chmod = XN(copy.Chmod), Paths = Paths(copy.Paths) };
                    break;
                case ExposeInstruction ex:
                    var ports = new List<string>();
                    foreach (var p in ex.Ports)
                    {
                        var r = ExpandWords(p, scope, file, ex.StartLine);
                        used.UnionWith(r.Matched);
                        unset.UnionWith(r.Unmatched);
                        ports.AddRange(r.Words);
                    }

                    // BuildKit rejects a bad port when it converts the Dockerfile, before any step runs.
                    try
                    {
                        ExposedPorts.Parse(ports);
                    }
                    catch (ContainerizeException e) when (e.Diagnostic.Line is null)
                    {
                        throw new ContainerizeException(e.Diagnostic with { File = file, Line = ex.StartLine }, e);
                    }

                    expanded = ex with { Ports = ports };
                    break;
                case StopSignalInstruction s:
                    expanded = s with { Signal = X(s.Signal) };
                    break;
                case UserInstruction u:
                    expanded = u with { User = X(u.User) };
                    break;
                case WorkdirInstruction w:
                    expanded = w with { Path = X(w.Path) };
                    break;
                case VolumeInstruction v:
                    expanded = v with { Volumes = v.Volumes.Select(X).ToList() };
                    break;
                case RunInstruction run:
                    // RUN is not expanded by the front end (the shell does it), but its mounts are, and every build arg in
                    // scope is part of its environment and so of its cache key.
                    var mounts = run.MountSpecs.Select(m => RunMount.Parse(m, X, file, run.StartLine)).ToList();
                    used.UnionWith(args.Keys);
                    expanded = run with { Mounts = mounts };
                    break;
                default:
                    // CMD, ENTRYPOINT, SHELL, HEALTHCHECK, MAINTAINER and ONBUILD are kept as written.
                    expanded = instruction;
                    break;
            }

            result.Add(new ResolvedInstruction(expanded, instruction, used, unset, fromOnbuild) { DeclaredArgs = declared });
        }

        return new ResolvedStage(stage, baseName, platform, baseStage, result, deps, fromUsed, args, env, scope);
    }

    private WordExpansion Expand(string word, IReadOnlyDictionary<string, string> env, string? file, int line)
    {
        try
        {
            return expander.ExpandWord(word, env);
        }
        catch (ContainerizeException e) when (e.Diagnostic.Line is null)
        {
            throw new ContainerizeException(e.Diagnostic with { File = file, Line = line }, e);
        }
    }

    private WordsExpansion ExpandWords(string word, IReadOnlyDictionary<string, string> env, string? file, int line)
    {
        try
        {
            return expander.ExpandWords(word, env);
        }
        catch (ContainerizeException e) when (e.Diagnostic.Line is null)
        {
            throw new ContainerizeException(e.Diagnostic with { File = file, Line = line }, e);
        }
    }

    private static void WarnUnusedBuildArgs(DockerfileModel model, BuildOptions options, List<int> order, List<Diagnostic> warnings)
    {
        var declared = new HashSet<string>(model.GlobalArgs.SelectMany(a => a.Args).Select(a => a.Key), StringComparer.Ordinal);
        declared.UnionWith(PlatformArgs.Names);
        foreach (var i in order)
        {
            declared.UnionWith(model.Stages[i].Instructions.OfType<ArgInstruction>().SelectMany(a => a.Args).Select(a => a.Key));
        }

        var unused = options.BuildArgs.Keys.Where(k => !declared.Contains(k)).Order(StringComparer.Ordinal).ToList();
        if (unused.Count > 0)
        {
            warnings.Add(new Diagnostic(DockerfileErrors.UnusedBuildArg, Severity.Warning,
                $"One or more build-args [{string.Join(" ", unused)}] were not consumed", model.File, null,
                "declare them with ARG in the stages that use them"));
        }
    }
}
