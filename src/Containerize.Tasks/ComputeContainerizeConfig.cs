using Containerize.Core.Diagnostics;
using Containerize.Core.Host;
using Containerize.Core.Publishing;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

namespace Containerize.Tasks;

/// <summary>
/// The public ComputeContainerizeConfig target's task: maps the same inputs as <see cref="ContainerizeBuild"/> and
/// returns Core's decisions (<see cref="ComputedConfig"/>) under the SDK's property and item names, so they are visible
/// in a binlog and a target after it can change them. Nothing is built or asked of a registry.
/// </summary>
public sealed class ComputeContainerizeConfig : ContainerizeTask
{
    /// <summary>The targets' <c>_ContainerizeInput</c> list, as for <see cref="ContainerizeBuild"/>.</summary>
    [Required] public ITaskItem[] Inputs { get; set; } = [];

    [Output] public string BaseImage { get; private set; } = "";
    [Output] public string Registry { get; private set; } = "";
    [Output] public string Repository { get; private set; } = "";
    [Output] public string[] Tags { get; private set; } = [];
    [Output] public string[] ImageNames { get; private set; } = [];
    [Output] public string RuntimeIdentifier { get; private set; } = "";
    [Output] public string Platform { get; private set; } = "";
    [Output] public string WorkingDirectory { get; private set; } = "";
    [Output] public string User { get; private set; } = "";

    /// <summary>ContainerPort items: the port number, with Type (tcp or udp) as the SDK's item has it.</summary>
    [Output] public ITaskItem[] Ports { get; private set; } = [];

    /// <summary>The image's ENTRYPOINT, one item per argument in order.</summary>
    [Output] public ITaskItem[] Entrypoint { get; private set; } = [];

    /// <summary>The image's CMD, one item per argument in order.</summary>
    [Output] public ITaskItem[] Cmd { get; private set; } = [];

    /// <summary>Host mode's layers of the current publish folder: Description and FileCount metadata.</summary>
    [Output] public ITaskItem[] Layers { get; private set; } = [];

    protected override System.Threading.Tasks.Task ExecuteAsync(IDiagnosticSink sink, CancellationToken cancellationToken)
    {
        var request = TaskInputMapping.ToPublishRequest(TaskInputItems.From(TaskInputs.BuildTask, Inputs));
        var config = ComputedConfig.Compute(request, sink);
        BaseImage = config.BaseImage;
        Registry = config.Registry ?? "";
        Repository = config.Repository;
        Tags = [.. config.Tags];
        ImageNames = [.. config.ImageNames];
        RuntimeIdentifier = config.RuntimeIdentifier;
        Platform = config.Platform;
        WorkingDirectory = config.WorkingDirectory;
        User = config.User ?? "";
        Ports = [.. config.Ports.Select(p => Item(p.Number.ToString(System.Globalization.CultureInfo.InvariantCulture), ("Type", p.Type)))];
        Entrypoint = [.. config.Entrypoint.Select(a => Item(a))];
        Cmd = [.. config.Cmd.Select(a => Item(a))];
        Layers = [.. config.Layers.Select(l => Item(l.Name, ("Description", l.Description), ("FileCount", l.Files.Count.ToString(System.Globalization.CultureInfo.InvariantCulture))))];
        return System.Threading.Tasks.Task.CompletedTask;
    }

    // An argument may hold ';', '%' or '$', which MSBuild would otherwise split or expand: metadata is set literally (as
    // ContainerOutputs does), the item spec, which TaskItem keeps escaped, is escaped here.
    private static TaskItem Item(string spec, params (string Name, string Value)[] metadata)
    {
        var item = new TaskItem(EscapeItemSpec(spec));
        foreach (var (name, value) in metadata) ((ITaskItem2)item).SetMetadataValueLiteral(name, value);
        return item;
    }

    // MSBuild's escaping (%XX) of the characters it gives a meaning to: TaskItem keeps the escaped form and MSBuild
    // unescapes it once, so the argument arrives as it was.
    private static string EscapeItemSpec(string value)
    {
        var text = new System.Text.StringBuilder(value.Length);
        foreach (var ch in value)
        {
            if (ch is '%' or '*' or '?' or '@' or '$' or '(' or ')' or ';' or '\'') text.Append('%').Append(((int)ch).ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
            else text.Append(ch);
        }

        return text.ToString();
    }
}
