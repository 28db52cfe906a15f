using Containerize.Core.Images.Oci;
namespace Containerize.Core.Building.Plan;

/// <summary>What `containerize build` was asked for; paths are absolute.</summary>
public sealed record BuildRequest
{
    /// <summary>
    /// The context folder, or a git URL (<see cref="Context.Git.GitUrl"/>: <c>https://HOST/REPO.git#REF:SUBDIR</c>,
    /// <c>git://</c>, <c>ssh://</c>, <c>git@HOST:PATH</c>, <c>github.com/PATH</c>), checked out by <see cref="GitContexts"/>.
    /// </summary>
    public required string ContextDirectory { get; init; }

    /// <summary>
    /// The Dockerfile; null means CONTEXT/Dockerfile. With a git context a relative path names a file of the
    /// checked-out context folder (as docker's -f with a remote context).
    /// </summary>
    public string? DockerfilePath { get; init; }

    /// <summary>
    /// Modes of context files (context-relative paths) where the file system has none (Windows): a Host-mode publish's
    /// app host and marked files 0755, package files as NuGet extracts them on Linux (0744). Elsewhere the files' own
    /// modes apply; files not named get <see cref="Os.ModeRule"/>'s.
    /// </summary>
    public IReadOnlyDictionary<string, UnixFileMode>? FileModes { get; init; }

    public IReadOnlyList<string> Tags { get; init; } = [];

    public IReadOnlyDictionary<string, string> BuildArgs { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal);

    public string? Target { get; init; }

    public bool NoCache { get; init; }

    /// <summary>How many independent stages may build at once.</summary>
    public int MaxParallelStages { get; init; } = Environment.ProcessorCount;

    /// <summary>
    /// `--secret`: secret id → the file holding its value (absolute). RUN --mount=type=secret binds it read-only for
    /// that step only; its bytes never reach a layer, the history or the cache key (the id and mount options do).
    /// </summary>
    public IReadOnlyDictionary<string, string> Secrets { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>`--ssh`: agent id ("default") → the agent's socket, bound into RUN --mount=type=ssh steps.</summary>
    public IReadOnlyDictionary<string, string> SshAgents { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>
    /// `--build-context NAME=VALUE`: a folder (its own .dockerignore applies), a git URL (checked out, then a folder),
    /// `docker-image://REF`, or an oci-layout:// / oci-archive:// / docker-archive:// location; usable as FROM NAME, COPY --from=NAME and
    /// RUN --mount=from=NAME.
    /// </summary>
    public IReadOnlyDictionary<string, string> NamedContexts { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>
    /// `--platform os/arch[/variant]`: the target platform (TARGETPLATFORM and the other automatic ARGs, the base
    /// image chosen from an index, the config's os/architecture). Null: this machine's platform.
    /// </summary>
    public string? Platform { get; init; }

    /// <summary>
    /// `--output`s, each `oci-layout:DIR`, `oci-archive:FILE`, `docker-archive:FILE`, `registry` (pushes every tag),
    /// `docker` or `podman` (loads); the image is always in the store as well.
    /// </summary>
    public IReadOnlyList<string> Outputs { get; init; } = [];

    /// <summary>
    /// How the engine stores the layers it commits: plain tars by default, as local stores keep them (compressed when
    /// the image leaves, see DistributionLayers); gzip when the caller will send the image out anyway (a publish), so a
    /// big layer is not written twice. Such a build also tags its image with its base's plain layers (a locally built
    /// base's) compressed: what is tagged is what leaves.
    /// </summary>
    public LayerCompression LayerCompression { get; init; } = LayerCompression.None;

    /// <summary>
    /// The time the image says it was made (ContainerSourceDateEpoch): the config's <c>created</c> and that of every
    /// history entry the target stage adds; the entries it starts from (a base image's, an earlier stage's) keep
    /// theirs. Null: the epoch. Steps are committed at the epoch either way, since their digests key the build cache:
    /// the time goes once into the finished image, before it is tagged.
    /// </summary>
    public DateTimeOffset? Created { get; init; }

    /// <summary>--sbom: attach an SBOM read from the image's layers (SPDX, CycloneDX or both).</summary>
    public Supply.Sbom.SbomFormats Sbom { get; init; }

    /// <summary>--provenance: attach a SLSA provenance statement.</summary>
    public bool Provenance { get; init; }

    /// <summary>
    /// The git repository the context was checked out from and its commit (set by <see cref="GitContexts"/>), which
    /// the provenance names as its source (without user or password); null for a folder.
    /// </summary>
    public string? SourceRepository { get; init; }

    public string? SourceRevision { get; init; }

    /// <summary>The store folder; null resolves as every command does ($CONTAINERIZE_STORE, then the user cache).</summary>
    public string? StorePath { get; init; }

    /// <summary>Never contact a registry: a base not in the store, or a base layer needed but left remote, is a coded error.</summary>
    public bool Offline { get; init; }

    /// <summary>
    /// Decide path questions (WORKDIR's folder, COPY's destination and the folders above it) without the files of each
    /// stage's FROM image, as if it had none: a Host-mode publish, whose Dockerfile only copies into a fresh /app, so
    /// its image never depends on whether the base's layers were downloaded, and none are.
    /// </summary>
    public bool IgnoreBaseFiles { get; init; }

    /// <summary>The runtime's state folder (snapshots, runs); null is a per-user folder under the temp folder.</summary>
    public string? RuntimeRoot { get; init; }

    public static string DefaultRuntimeRoot => Path.Combine(Path.GetTempPath(), $"containerize-{Environment.UserName}", "runtime");
}
