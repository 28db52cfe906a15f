using Containerize.Core.Runtime.Diff;

namespace Containerize.Core.Runtime;

/// <summary>
/// A successful step: its filesystem difference, whose content stays on disk (SourcePath of each change) until this
/// is disposed. The engine writes the layer from <see cref="Changes"/>, then disposes.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class RunResult : IAsyncDisposable, IDisposable
{
    internal RunResult(IReadOnlyList<FileChange> changes, RootfsStrategy strategy, string runDirectory)
    {
        Changes = changes;
        Strategy = strategy;
        RunDirectory = runDirectory;
    }

    /// <summary>Ordered as a layer needs them: a folder before its entries.</summary>
    public IReadOnlyList<FileChange> Changes { get; }

    /// <summary>The changes as the layer writer's entries; write the layer before disposing this result.</summary>
    public IEnumerable<Containerize.Core.Images.Layers.LayerEntry> ToLayerEntries() => Changes.ToLayerEntries();

    /// <summary>Overlay or Copy: what was used.</summary>
    public RootfsStrategy Strategy { get; }

    public string RunDirectory { get; }

    public void Dispose() => ContainerRuntime.RemoveRunDirectory(RunDirectory);

    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }
}
