namespace Containerize.Core.Building.Plan;

/// <summary>What `containerize build` was asked for; paths are absolute.</summary>
public sealed record BuildRequest
{
    public required string ContextDirectory { get; init; }

    /// <summary>The Dockerfile; null means CONTEXT/Dockerfile.</summary>
    public string? DockerfilePath { get; init; }

    public IReadOnlyList<string> Tags { get; init; } = [];

    public IReadOnlyDictionary<string, string> BuildArgs { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal);

    public string? Target { get; init; }

    public bool NoCache { get; init; }

    /// <summary>How many independent stages may build at once.</summary>
    public int MaxParallelStages { get; init; } = Environment.ProcessorCount;

    /// <summary>The store folder; null resolves as every command does ($CONTAINERIZE_STORE, then the user cache).</summary>
    public string? StorePath { get; init; }

    /// <summary>The runtime's state folder (snapshots, runs); null is a per-user folder under the temp folder.</summary>
    public string? RuntimeRoot { get; init; }

    public static string DefaultRuntimeRoot => Path.Combine(Path.GetTempPath(), $"containerize-{Environment.UserName}", "runtime");
}
