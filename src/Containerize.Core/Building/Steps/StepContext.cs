using Containerize.Core.Building.Cache;
using Containerize.Core.Building.Plan;
using Containerize.Core.Context;
using Containerize.Core.Diagnostics;
using Containerize.Core.Dockerfiles.Stages;
using Containerize.Core.Images.Oci;
using Containerize.Core.Images.Store;

namespace Containerize.Core.Building.Steps;

/// <summary>
/// Everything a step executor may use, as plain values and services (nothing calls back into the builder): what the
/// whole build shares (store, context snapshot, plan, image names, extracted filesystems, secrets, named contexts) and
/// what is the step's own (its stage's log and path view, the ARG values in force, its label). The builder makes one
/// per stage and derives each step's with <c>with</c>.
/// </summary>
public sealed record StepContext
{
    public required OciLayoutStore Store { get; init; }

    public required ContextSnapshot Snapshot { get; init; }

    public required string DockerfilePath { get; init; }

    /// <summary>The stage's log (its lines prefixed with the stage's name when stages run concurrently).</summary>
    public required IDiagnosticSink Sink { get; init; }

    public required BuildPlan Plan { get; init; }

    /// <summary>COPY --from and RUN --mount=from names: a stage built so far, a stored tag, a location, a registry pull.</summary>
    public required BaseImageResolver Images { get; init; }

    /// <summary>Image filesystems extracted for this build (shared by every stage).</summary>
    public required RootfsCache Rootfs { get; init; }

    public required string RuntimeRoot { get; init; }

    /// <summary>How committed layers are stored; see <see cref="BuildRequest.LayerCompression"/>.</summary>
    public LayerCompression LayerCompression { get; init; } = LayerCompression.None;

    /// <summary>Which paths of an image are folders (COPY's destination rule, WORKDIR), as the stage sees them.</summary>
    public required DirectoryIndex Directories { get; init; }

    /// <summary>`--secret` id → file; see <see cref="BuildRequest.Secrets"/>.</summary>
    public IReadOnlyDictionary<string, string> Secrets { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>`--ssh` id → agent socket.</summary>
    public IReadOnlyDictionary<string, string> SshAgents { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>`--build-context` names.</summary>
    public NamedContextSet NamedContexts { get; init; } = NamedContextSet.Empty;

    /// <summary>
    /// The ARG values in force at this step: its stage's base stage's when built FROM a stage, then those declared so
    /// far (the build environment of RUN, and part of the cache key).
    /// </summary>
    public IReadOnlyDictionary<string, string> Args { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>
    /// The names of the ARGs this stage declared so far (not its base stage's), in order with repeats: BuildKit's
    /// d.buildArgs, which RUN's history text lists (<see cref="BuildKitHistory.Run"/>).
    /// </summary>
    public IReadOnlyList<string> StageArgs { get; init; } = [];

    /// <summary>The ARGs in <see cref="Args"/> set after the ENV of the same name (BuildKit: the last write wins), so RUN sees the ARG's value.</summary>
    public IReadOnlySet<string> ArgsOverEnv { get; init; } = new HashSet<string>(StringComparer.Ordinal);

    /// <summary>A CMD came earlier in this stage (BuildKit's cmdSet): ENTRYPOINT then keeps the CMD.</summary>
    public bool CmdSetInStage { get; init; }

    /// <summary>"Step 3/7", for messages.</summary>
    public string StepLabel { get; init; } = "";
}
