using Containerize.Core.Diagnostics;
using Containerize.Core.Host;
using Containerize.Core.Publishing;
using Microsoft.Build.Framework;

namespace Containerize.Tasks;

/// <summary>
/// The outer publish of several container RIDs, after the inner publishes: maps the properties onto Core's
/// <see cref="MultiPlatformPublisher"/>, which writes, tags and sends the image index (the SDK's CreateImageIndex).
/// </summary>
public sealed class ContainerizeIndex : ContainerizeTask
{
    /// <summary>The targets' <c>_ContainerizeIndexInput</c> items, mapped by Core's <see cref="TaskInputMapping"/>.</summary>
    [Required] public ITaskItem[] Inputs { get; set; } = [];

    // The project file, for an error raised before the inputs are mapped.
    private string ProjectPath => TaskInputItems.Value(Inputs, "ProjectPath");

    /// <summary>True once the index was written: tells the result target that the publish did not skip.</summary>
    [Output] public bool Built { get; private set; }

    protected override async System.Threading.Tasks.Task ExecuteAsync(IDiagnosticSink sink, CancellationToken cancellationToken)
    {
        await new MultiPlatformPublisher(sink).PublishAsync(TaskInputMapping.ToIndexRequest(TaskInputItems.From(TaskInputs.IndexTask, Inputs)), cancellationToken);
        Built = true;
    }
}
