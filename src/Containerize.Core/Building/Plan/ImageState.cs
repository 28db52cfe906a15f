using Containerize.Core.Images.Oci;

namespace Containerize.Core.Building.Plan;

/// <summary>
/// An image as the build goes: its layers and config. <see cref="Manifest"/> is the stored manifest once committed
/// (null for scratch before any step). The cache keys the next step on it.
/// </summary>
public sealed record ImageState(Descriptor? Manifest, Digest? ConfigDigest, IReadOnlyList<Descriptor> Layers, ImageConfiguration Config)
{
    public static ImageState Scratch(Platform platform) => new(null, null, [], new ImageConfiguration
    {
        Architecture = platform.Architecture,
        Os = platform.Os,
        Variant = platform.Variant,
        RootFs = new RootFs { DiffIds = [] },
        Config = new ContainerConfig { Env = ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"] },
    });

    /// <summary>Docker's image ID is the config digest; its first 12 hex digits are what the build log prints.</summary>
    public string ShortId => ConfigDigest?.ShortId ?? "scratch";

    public ContainerConfig ContainerConfig => Config.Config ?? new ContainerConfig();
}
