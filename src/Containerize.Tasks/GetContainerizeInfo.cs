using System.Reflection;
using Containerize.Core.Diagnostics;
using Microsoft.Build.Framework;

namespace Containerize.Tasks;

/// <summary>
/// Says which Containerize tasks MSBuild loaded and from where. MSBuild nodes keep task assemblies loaded between
/// builds, so this line in the log is how a stale task is spotted.
/// </summary>
public sealed class GetContainerizeInfo : ContainerizeTask
{
    [Output]
    public string Version { get; private set; } = "";

    [Output]
    public string TasksAssembly { get; private set; } = "";

    protected override System.Threading.Tasks.Task ExecuteAsync(IDiagnosticSink sink, CancellationToken cancellationToken)
    {
        var assembly = typeof(GetContainerizeInfo).Assembly;
        Version = assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "";
        TasksAssembly = assembly.Location;
        sink.Detail($"Containerize.Sdk {Version}, tasks from {TasksAssembly}");
        return System.Threading.Tasks.Task.CompletedTask;
    }
}
