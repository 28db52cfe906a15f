using System.Text.Json;
using Containerize.Tests.Images.Layers.Breakouts;
using Containerize.Tests.Infrastructure;

namespace Containerize.Tests.Building.Hostile;

/// <summary>
/// One hostile image of hostile-images.json: layers on top of a busybox base, in the breakout cases' entry format
/// (<see cref="BreakoutEntry"/>), with what a container must see and what the image must hold (README.md).
/// </summary>
internal sealed record HostileImageCase
{
    public required string Name { get; init; }

    public string? Why { get; init; }

    /// <summary>The hostile layers, lowest first, above the busybox base.</summary>
    public required IReadOnlyList<IReadOnlyList<BreakoutEntry>> Layers { get; init; }

    /// <summary>A path a container reads through the hostile links, and the text it must find there.</summary>
    public string? Read { get; init; }

    public string? Text { get; init; }

    /// <summary>A path a container writes through the hostile links.</summary>
    public string? Write { get; init; }

    /// <summary>Null: every use must succeed; else the CTZ code each use must fail with.</summary>
    public string? Error { get; init; }

    /// <summary>With <see cref="Error"/>: the entry the message must name.</summary>
    public string? Entry { get; init; }

    /// <summary>What our full extraction of the image must hold, checked in the container's view (resolved inside the root).</summary>
    public IReadOnlyList<BreakoutCheck> Checks { get; init; } = [];

    public override string ToString() => Name;
}

internal sealed record HostileImageFile(string Source, IReadOnlyList<HostileImageCase> Cases);

internal static class HostileImageData
{
    private static readonly JsonSerializerOptions Options = new() { PropertyNameCaseInsensitive = true, UnmappedMemberHandling = System.Text.Json.Serialization.JsonUnmappedMemberHandling.Disallow };

    private static readonly Lazy<IReadOnlyList<HostileImageCase>> All = new(() =>
    {
        var path = Path.Combine(RepoPaths.Root, "tests", "Containerize.Tests", "Building", "Hostile", "hostile-images.json");
        var file = JsonSerializer.Deserialize<HostileImageFile>(File.ReadAllText(path), Options) ?? throw new InvalidDataException(path + " is empty");
        if (file.Cases.GroupBy(c => c.Name).FirstOrDefault(g => g.Count() > 1) is { } duplicate) throw new InvalidDataException($"case '{duplicate.Key}' appears twice");
        foreach (var c in file.Cases)
        {
            // A case must say what it proves: a read and a write for a success, the entry named for a failure.
            if (c.Error is null ? c.Read is null || c.Text is null || c.Write is null || c.Checks.Count == 0 : c.Entry is null)
            {
                throw new InvalidDataException($"case '{c.Name}' lacks {(c.Error is null ? "read, text, write or checks" : "the entry its error names")}");
            }
        }

        return file.Cases;
    });

    public static IReadOnlyList<HostileImageCase> Cases => All.Value;

    public static HostileImageCase Get(string name) => All.Value.Single(c => c.Name == name);
}
