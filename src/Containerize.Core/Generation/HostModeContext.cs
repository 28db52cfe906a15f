namespace Containerize.Core.Generation;

/// <summary>
/// Host mode's output under the project's <c>obj/container/</c>: the staged context (<c>context/</c>, one sub-folder per
/// layer) and the Dockerfile beside it, outside the context so that editing neither touches the other.
/// </summary>
public static class HostModeContext
{
    /// <param name="Executables">Context-relative paths (<c>layer/path</c>) of the app host and the files marked ContainerExecutable.</param>
    public sealed record Result(string DockerfilePath, string ContextDirectory, string DockerfileText, StagingResult Staging, IReadOnlyList<string> Executables);

    public static async Task<Result> PrepareAsync(ContainerPlan plan, LayerPlan layers, string containerDirectory, CancellationToken cancellationToken)
    {
        var context = Path.Combine(containerDirectory, "context");
        var staging = await ContextStager.StageAsync(layers, context, cancellationToken);
        var text = DockerfileWriter.WriteHostMode(plan, layers);
        var dockerfile = Path.Combine(containerDirectory, "Dockerfile");
        await OutputFiles.WriteTextIfChangedAsync(dockerfile, text, cancellationToken);
        var executables = layers.Layers.SelectMany(l => l.Files.Where(f => f.Executable).Select(f => l.Name + "/" + f.RelativePath)).ToList();
        return new Result(dockerfile, context, text, staging, executables);
    }
}
