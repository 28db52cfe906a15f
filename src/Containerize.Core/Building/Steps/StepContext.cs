using Containerize.Core.Building.Plan;
using Containerize.Core.Context;
using Containerize.Core.Diagnostics;
using Containerize.Core.Dockerfiles.Stages;
using Containerize.Core.Images.Store;

namespace Containerize.Core.Building.Steps;

/// <summary>What a step executor may use: the store, the context snapshot, the stages built so far and the stage's ARG values.</summary>
public sealed class StepContext
{
    public required OciLayoutStore Store { get; init; }

    public required ContextSnapshot Snapshot { get; init; }

    public required string DockerfilePath { get; init; }

    public required IDiagnosticSink Sink { get; init; }

    public required BuildPlan Plan { get; init; }

    /// <summary>Resolves a FROM or COPY --from image name (a stage index, a stored tag, a location) to its state.</summary>
    public required Func<string, int?, CancellationToken, Task<ImageState>> ResolveImage { get; init; }

    /// <summary>Extracts an image into a scratch folder (shared for the build's duration) and returns it.</summary>
    public required Func<ImageState, CancellationToken, Task<string>> Rootfs { get; init; }

    /// <summary>
    /// Extracts only what a scope names (COPY --from's sources), or the whole image when the scope is null or a
    /// partial tree could differ; null: always <see cref="Rootfs"/>.
    /// </summary>
    internal Func<ImageState, SourceScope?, CancellationToken, Task<string>>? SourceRootfs { get; init; }

    public required string RuntimeRoot { get; init; }

    /// <summary>How committed layers are stored; see <see cref="BuildRequest.LayerCompression"/>.</summary>
    public Images.Oci.LayerCompression LayerCompression { get; init; } = Images.Oci.LayerCompression.None;

    /// <summary>Which paths of an image are folders (COPY's destination rule, WORKDIR).</summary>
    public required Cache.DirectoryIndex Directories { get; init; }

    /// <summary>`--secret` id → file; see <see cref="BuildRequest.Secrets"/>.</summary>
    public IReadOnlyDictionary<string, string> Secrets { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>`--ssh` id → agent socket.</summary>
    public IReadOnlyDictionary<string, string> SshAgents { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>`--build-context` names.</summary>
    public NamedContextSet NamedContexts { get; init; } = NamedContextSet.Empty;

    /// <summary>The ARG values in force in the current stage: its base stage's when built FROM a stage, then those declared so far (the build environment of RUN).</summary>
    public Dictionary<string, string> Args { get; } = new(StringComparer.Ordinal);

    /// <summary>"Step 3/7", for messages.</summary>
    public string StepLabel { get; set; } = "";
}
