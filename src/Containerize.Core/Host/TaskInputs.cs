using System.Text.Json.Serialization;
using System.Text.Json;
using Containerize.Core.Diagnostics;

namespace Containerize.Core.Host;

/// <summary>One item of a list input (ContainerPort, ResolvedFileToPublish, ...): its spec and its metadata, FullPath included.</summary>
public sealed record TaskInputItem(string Spec, IReadOnlyDictionary<string, string> Metadata)
{
    /// <summary>The metadata's value, null when absent or blank.</summary>
    public string? Meta(string name) => Metadata.TryGetValue(name, out var v) && !string.IsNullOrWhiteSpace(v) ? v.Trim() : null;
}

/// <summary>
/// What the package's targets hand to a task, raw: the one item list <c>_ContainerizeInput</c>, whose entries are
/// either a value (<c>Include="Name" ContainerizeValue="..."</c>) or a member of a list
/// (<c>Include="@(Items)" ContainerizeList="Name"</c>). Both tasks (net10.0 in MSBuild's process, netstandard2.0
/// handing them to the host) pass it on as it is, and <see cref="TaskInputMapping"/> alone gives the names a meaning,
/// so the MSBuild property list exists in the targets and in that mapping only.
/// </summary>
public sealed record TaskInputs
{
    /// <summary>Which task's inputs these are: <see cref="BuildTask"/> or <see cref="IndexTask"/>.</summary>
    public string Task { get; init; } = BuildTask;

    public IReadOnlyDictionary<string, string> Values { get; init; } = new Dictionary<string, string>();

    public IReadOnlyDictionary<string, IReadOnlyList<TaskInputItem>> Lists { get; init; } = new Dictionary<string, IReadOnlyList<TaskInputItem>>();

    public const string BuildTask = "ContainerizeBuild";
    public const string IndexTask = "ContainerizeIndex";

    /// <summary>The value's metadata on an entry of <c>_ContainerizeInput</c>.</summary>
    public const string ValueMetadata = "ContainerizeValue";

    /// <summary>The list's name on an entry of <c>_ContainerizeInput</c>.</summary>
    public const string ListMetadata = "ContainerizeList";

    public static TaskInputs Parse(ReadOnlySpan<byte> json, string source)
    {
        try
        {
            var inputs = JsonSerializer.Deserialize(json, TaskInputsJsonContext.Default.TaskInputs) ?? throw new JsonException("null document");
            // A member the JSON leaves out is empty, not null (the generated setter passes null for a missing one).
            return inputs with
            {
                Values = inputs.Values ?? new Dictionary<string, string>(),
                Lists = inputs.Lists ?? new Dictionary<string, IReadOnlyList<TaskInputItem>>(),
            };
        }
        catch (JsonException e)
        {
            throw new ContainerizeException(GeneralErrors.BadArguments, $"malformed task inputs: {e.Message}", source,
                hint: "the inputs were written by another version of Containerize.Sdk; run the publish again");
        }
    }

    public static byte[] ToUtf8(TaskInputs inputs) => JsonSerializer.SerializeToUtf8Bytes(inputs, TaskInputsJsonContext.Default.TaskInputs);
}

[JsonSerializable(typeof(TaskInputs))]
internal sealed partial class TaskInputsJsonContext : JsonSerializerContext;
