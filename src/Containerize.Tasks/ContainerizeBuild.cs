using Containerize.Core.Diagnostics;
using Containerize.Core.Host;
using Containerize.Core.Publishing;
using Microsoft.Build.Framework;

namespace Containerize.Tasks;

/// <summary>
/// The image build after Publish, in MSBuild's process (an MSBuild on .NET 10 or later): maps the targets' inputs onto a
/// <see cref="ContainerPublishRequest"/> with Core's <see cref="TaskInputMapping"/> and hands it to the native host or to
/// Core's <see cref="ContainerPublisher"/>. Other MSBuilds run the netstandard2.0 ContainerizeOutOfProcess instead.
/// The SDK's outputs (GeneratedContainer, GeneratedArchiveOutputPath) are set by the targets from the files it writes.
/// </summary>
public sealed class ContainerizeBuild : ContainerizeTask
{
    /// <summary>
    /// The project's properties and items as the targets list them once (<c>_ContainerizeInput</c>): Core's
    /// <see cref="TaskInputMapping"/> gives them their meaning, here and in the out-of-process host alike.
    /// </summary>
    [Required] public ITaskItem[] Inputs { get; set; } = [];

    // The project file, for an error raised before the inputs are mapped.
    private string ProjectPath => TaskInputItems.Value(Inputs, "ProjectPath");

    /// <summary>The native containerize that runs the publish out of MSBuild's process; empty runs it in this process.</summary>
    public string? HostPath { get; set; }

    /// <summary>
    /// True once the image was built: the result target then sets the SDK's outputs from obj/container without the
    /// "skipped" line. Built here or in the native host, they come from the same files as a skipped publish's.
    /// </summary>
    [Output] public bool Built { get; private set; }

    protected override async System.Threading.Tasks.Task ExecuteAsync(IDiagnosticSink sink, CancellationToken cancellationToken)
    {
        // MSBuild nodes keep task assemblies loaded: the assembly that really runs, to spot a stale one.
        var tasks = typeof(ContainerizeBuild).Assembly;
        sink.Detail($"Containerize tasks {tasks.GetName().Version} from {tasks.Location}");
        var request = TaskInputMapping.ToPublishRequest(TaskInputItems.From(TaskInputs.BuildTask, Inputs));
        PhaseTimer.Mark("task: project mapped");
        if (PublishHostClient.WhyUnusable(HostPath) is { } why)
        {
            sink.Detail($"Publishing in MSBuild's process: {why}");
        }
        else
        {
            var outcome = await new PublishHostClient(HostPath!, sink).RunAsync(request, cancellationToken);
            if (outcome.Ran)
            {
                Built = outcome.Succeeded;
                return;
            }

            sink.Detail($"Publishing in MSBuild's process: {outcome.Why}");
        }

        await new ContainerPublisher(sink).PublishAsync(request, cancellationToken);
        Built = true;
    }
}
