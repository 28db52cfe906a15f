using Containerize.Core.Diagnostics;
using Containerize.Core.Dockerfiles.Instructions;

namespace Containerize.Core.Dockerfiles.Stages;

/// <summary>What to build: build-arg overrides, the target stage (default: the last) and the platforms.</summary>
public sealed record BuildOptions
{
    public IReadOnlyDictionary<string, string> BuildArgs { get; init; } = new Dictionary<string, string>();

    public string? Target { get; init; }

    public string TargetPlatform { get; init; } = PlatformArgs.DefaultPlatform;

    public string BuildPlatform { get; init; } = PlatformArgs.DefaultPlatform;

    /// <summary>
    /// The Env of each base image, by the expanded FROM name. BuildKit expands a stage's instructions with its base
    /// image's environment (<c>USER $APP_UID</c> on Microsoft's images), so the engine resolves the bases first.
    /// </summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>>? BaseImageEnv { get; init; }

    /// <summary>
    /// The ONBUILD triggers (config <c>OnBuild</c>) of each base image, by the expanded FROM name. They run in the
    /// stage right after FROM, before its own instructions, as in Docker.
    /// </summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>>? BaseImageOnBuild { get; init; }
}

public enum DependencyKind
{
    /// <summary><c>FROM earlier-stage</c>.</summary>
    Base,

    /// <summary><c>COPY --from=</c>.</summary>
    CopyFrom,

    /// <summary><c>RUN --mount=from=</c>.</summary>
    MountFrom,
}

/// <summary>An edge of the stage graph: to an earlier or later stage, or (when <see cref="StageIndex"/> is null) to an image.</summary>
public sealed record StageDependency(DependencyKind Kind, int? StageIndex, string Reference, int Line);

/// <summary>
/// An instruction after variable expansion. <see cref="UsedVariables"/> are the set variables it read (for RUN: every
/// build arg in its environment), <see cref="UnsetVariables"/> those it named that had no value; the build cache keys on them.
/// </summary>
public sealed record ResolvedInstruction(
    Instruction Instruction,
    Instruction Source,
    IReadOnlySet<string> UsedVariables,
    IReadOnlySet<string> UnsetVariables,
    bool FromOnbuild = false)
{
    /// <summary>
    /// ARG's names and defaults as BuildKit expands them, before a build arg or a global value applies (its history
    /// text, "ARG V=1"); null for any other instruction, whose <see cref="Instruction"/> is already that.
    /// </summary>
    public IReadOnlyList<ArgDefinition>? DeclaredArgs { get; init; }
}

/// <summary>
/// A stage ready to build: its expanded base, its expanded instructions and the stages it needs. At its end:
/// <see cref="Args"/> the ARG values, <see cref="Env"/> the ENV values (the image config), <see cref="Variables"/> the
/// build-time environment both write (what a later instruction or a stage built on this one expands with).
/// </summary>
public sealed record ResolvedStage(
    Stage Stage,
    string BaseName,
    string? Platform,
    int? BaseStageIndex,
    IReadOnlyList<ResolvedInstruction> Instructions,
    IReadOnlyList<StageDependency> Dependencies,
    IReadOnlySet<string> FromVariables,
    IReadOnlyDictionary<string, string> Args,
    IReadOnlyDictionary<string, string> Env,
    IReadOnlyDictionary<string, string> Variables)
{
    public int Index => Stage.Index;
}

/// <summary>A needed stage built FROM an image (not scratch, not a stage): its FROM name and platform, expanded with the global ARGs.</summary>
public sealed record StageBase(Stage Stage, string BaseName, string? Platform);

/// <summary>The stages the target needs, in build order (dependencies first), with the global ARG values.</summary>
public sealed record BuildPlan(
    IReadOnlyList<ResolvedStage> Stages,
    ResolvedStage Target,
    IReadOnlyDictionary<string, string> GlobalArgs,
    IReadOnlyList<Diagnostic> Warnings);
