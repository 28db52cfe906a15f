using Containerize.Core.Generation;

namespace Containerize.Core.Publishing;

/// <summary>
/// Host mode's output under the project's <c>obj/container/</c>: the staged context (<c>context/</c>, one sub-folder per
/// layer) and the Dockerfile beside it, outside the context so that editing neither touches the other.
/// </summary>
public static class HostModeContext
{
    /// <param name="FileModes">Context-relative paths (<c>layer/path</c>) → the mode they have where the file system has none.</param>
    public sealed record Result(string DockerfilePath, string ContextDirectory, string DockerfileText, StagingResult Staging, IReadOnlyDictionary<string, UnixFileMode> FileModes);

    public static async Task<Result> PrepareAsync(ContainerPlan plan, LayerPlan layers, string containerDirectory, CancellationToken cancellationToken)
    {
        var context = Path.Combine(containerDirectory, "context");
        var staging = await ContextStager.StageAsync(layers, context, cancellationToken);
        var text = DockerfileWriter.WriteHostMode(plan, layers);
        var dockerfile = Path.Combine(containerDirectory, "Dockerfile");
        await OutputFiles.WriteTextIfChangedAsync(dockerfile, text, cancellationToken);
        var modes = new Dictionary<string, UnixFileMode>(StringComparer.Ordinal);
        foreach (var layer in layers.Layers)
        {
            foreach (var file in layer.Files)
            {
                if (file.Mode is { } mode) modes[layer.Name + "/" + file.RelativePath] = mode;
            }
        }

        return new Result(dockerfile, context, text, staging, modes);
    }
}
