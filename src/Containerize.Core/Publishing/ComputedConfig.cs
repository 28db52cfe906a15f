using Containerize.Core.Diagnostics;
using Containerize.Core.Generation;

namespace Containerize.Core.Publishing;

/// <summary>
/// What a publish will decide, computed before it runs, for the public <c>ComputeContainerizeConfig</c> target: the base
/// image (inferred as the SDK does, with ContainerBaseImageMirror applied), names, working directory, user, ports,
/// entrypoint and, once a publish folder exists, the layers. It is the planner's own answer (the same call the publish
/// makes first), so what a binlog shows is what the build uses. No registry is asked: the user and ports are the ones the
/// SDK derives from the base's name; the publish confirms them from the base's config.
/// </summary>
public sealed record ComputedConfig(
    string BaseImage,
    string? Registry,
    string Repository,
    IReadOnlyList<string> Tags,
    IReadOnlyList<string> ImageNames,
    string RuntimeIdentifier,
    string Platform,
    string WorkingDirectory,
    string? User,
    IReadOnlyList<ExposedPort> Ports,
    IReadOnlyList<string> Entrypoint,
    IReadOnlyList<string> Cmd,
    IReadOnlyList<Layer> Layers)
{
    /// <summary>The plan of <paramref name="request"/>, or its first validation error (the others reported first).</summary>
    public static ComputedConfig Compute(ContainerPublishRequest request, IDiagnosticSink sink)
    {
        var (plan, errors) = ContainerPlanner.TryPlan(request.Project, request.Now);
        if (plan is null)
        {
            foreach (var e in errors.Skip(1)) sink.Report(e);
            throw new ContainerizeException(errors[0]);
        }

        return new ComputedConfig(plan.BaseImage, plan.Registry, plan.Repository, plan.Tags, plan.ImageNames, plan.RuntimeIdentifier,
            plan.Platform.ToString(), plan.WorkingDirectory, plan.User, plan.Ports, plan.Entrypoint, plan.Cmd, LayersOf(plan, request));
    }

    // Host mode's layers, from the publish folder as it is now: none before the first publish, and none for a user
    // Dockerfile or Container mode, whose layers the Dockerfile decides.
    private static IReadOnlyList<Layer> LayersOf(ContainerPlan plan, ContainerPublishRequest request)
    {
        var c = plan.Project.Container;
        if (plan.BuildMode != ContainerBuildMode.Host || !string.IsNullOrWhiteSpace(c.ContainerDockerfile)) return [];
        if (request.PublishDirectory is not { Length: > 0 } publishDir || !Directory.Exists(publishDir)) return [];
        return LayerPlanner.Plan(PublishDirectory.Collect(publishDir, request.Files), plan.Project).Layers;
    }
}
