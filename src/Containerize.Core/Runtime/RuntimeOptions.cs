namespace Containerize.Core.Runtime;

/// <summary>Where the runtime keeps its state, and how it makes rootfs.</summary>
public sealed record RuntimeOptions
{
    /// <summary>
    /// The runtime's folder: snapshots/ (extracted layers, shared), cache/ (RUN --mount=type=cache), runs/ (one folder
    /// per step: bundle, upper, rootfs; a failed step's stays), runc/ (runc's state).
    /// </summary>
    public required string Root { get; init; }

    /// <summary>The runc program: a path, or a name looked up on PATH.</summary>
    public string Runc { get; init; } = "runc";

    public RootfsStrategy Strategy { get; init; } = RootfsStrategy.Auto;
}
