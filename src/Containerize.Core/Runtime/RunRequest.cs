using Containerize.Core.Images.Oci;
using Containerize.Core.Runtime.Mounts;

namespace Containerize.Core.Runtime;

/// <summary>How the container reaches the network: Docker's default for RUN is the host's network.</summary>
public enum NetworkMode
{
    /// <summary>No network namespace: the host's interfaces, as `RUN --network=host` and Docker's default for builds.</summary>
    Host,

    /// <summary>A new, empty network namespace: only the loopback interface (`RUN --network=none`).</summary>
    None,

    /// <summary>
    /// `containerize run`'s own network: a namespace with loopback and outbound access through slirp4netns, where
    /// ports are published (-p, -P). Docker's default bridge network, without a bridge or firewall rules on the host.
    /// </summary>
    Bridge,
}

/// <summary>How the step's rootfs is made from the parent's layers.</summary>
public enum RootfsStrategy
{
    /// <summary>overlayfs where it works (root, kernel support), else the copy.</summary>
    Auto,

    /// <summary>An overlay mount over cached per-layer folders; the upper folder is the diff.</summary>
    Overlay,

    /// <summary>An extracted copy, diffed against a snapshot taken before the command (kaniko's way).</summary>
    Copy,
}

/// <summary>One layer of the parent image, bottom first.</summary>
public abstract record RootfsLayer;

/// <summary>
/// A layer as an uncompressed tar stream (the engine decompresses the blob). Extracted once per diff_id into the
/// snapshots folder and shared by every later step and build.
/// </summary>
public sealed record TarLayer(Digest DiffId, Func<CancellationToken, Task<Stream>> OpenUncompressed) : RootfsLayer;

/// <summary>A plain folder used as a layer as it is (a stage's rootfs, a test's busybox tree). It has no whiteouts.</summary>
public sealed record DirectoryLayer(string Path) : RootfsLayer;

/// <summary>
/// One RUN step, with its final argv: the engine has already applied the shell form (["/bin/sh","-c", "..."]).
/// User is Docker's USER string ("app", "1654", "app:staff", "1654:1654"), resolved in the step's rootfs.
/// </summary>
public sealed record RunRequest
{
    public required IReadOnlyList<RootfsLayer> Layers { get; init; }

    public required IReadOnlyList<string> Args { get; init; }

    /// <summary>KEY=value entries; PATH gets Docker's default when absent.</summary>
    public IReadOnlyList<string> Env { get; init; } = [];

    /// <summary>An absolute path in the container; created when missing.</summary>
    public string WorkingDirectory { get; init; } = "/";

    public string User { get; init; } = "";

    public NetworkMode Network { get; init; } = NetworkMode.Host;

    /// <summary>With <see cref="NetworkMode.Bridge"/>: the ports to publish; host port 0 is any free port.</summary>
    public IReadOnlyList<Containerize.Core.Runtime.Network.PortBinding> Ports { get; init; } = [];

    public IReadOnlyList<RunMount> Mounts { get; init; } = [];

    /// <summary>
    /// KEY=value entries from secrets (RUN --mount=type=secret,env=): in the process's environment like <see cref="Env"/>,
    /// but redacted from the config.json of a bundle kept after a failure.
    /// </summary>
    public IReadOnlyList<string> SecretEnv { get; init; } = [];

    public string Hostname { get; init; } = "buildkitsandbox";

    /// <summary>A label for messages and the failed bundle's folder name (e.g. "[build 3/7] RUN dotnet restore").</summary>
    public string? Description { get; init; }
}
