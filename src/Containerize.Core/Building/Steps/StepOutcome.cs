using Containerize.Core.Images.Oci;

namespace Containerize.Core.Building.Steps;

/// <summary>A stored layer made by a step: the blob and the diff_id that goes into rootfs.</summary>
public sealed record StepLayer(Descriptor Blob, Digest DiffId);

/// <summary>
/// What a step did: the new container config, the layer it added (null for a metadata step, recorded in history as
/// empty_layer) and its history text, in BuildKit's form (<see cref="BuildKitHistory"/>; null for no history entry,
/// as BuildKit's ONBUILD).
/// </summary>
public sealed record StepOutcome(ContainerConfig Config, StepLayer? Layer, string? CreatedBy)
{
    /// <summary>The config's author when the step sets it (MAINTAINER); null keeps the parent's.</summary>
    public string? Author { get; init; }
}
