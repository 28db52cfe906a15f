using Containerize.Core.Diagnostics;
using Containerize.Core.Publishing;

namespace Containerize.Core.Host;

/// <summary>
/// The publish as the native host (<c>containerize msbuild-host</c>) runs it for the MSBuild task: the request as JSON,
/// diagnostics as protocol lines on <paramref name="output"/>; the publisher's files in obj/container are the outputs.
/// The exit code says whether it succeeded; every error has already been reported as a coded line.
/// </summary>
public static class PublishHost
{
    public const int CancelledExitCode = 130;

    /// <param name="readRequest">The request's JSON and where it came from (for errors).</param>
    /// <param name="keepCopy">Save the request as obj/container/request.json (it came over standard input).</param>
    public static Task<int> RunAsync(
        Func<CancellationToken, Task<(byte[] Json, string Source)>> readRequest, bool keepCopy, TextWriter output, CancellationToken cancellationToken) =>
        GuardedAsync(output, async sink =>
        {
            var (json, source) = await readRequest(cancellationToken).ConfigureAwait(false);
            var request = PublishRequestFile.Parse(json, source);
            if (keepCopy) await PublishRequestFile.SaveAsync(request, json, cancellationToken).ConfigureAwait(false);
            PhaseTimer.Mark("host: request read");
            await new ContainerPublisher(sink).PublishAsync(request, cancellationToken).ConfigureAwait(false);
        }, cancellationToken);

    /// <summary>
    /// The task's raw inputs (<see cref="TaskInputs"/>), from the netstandard2.0 task of an MSBuild that cannot load the
    /// net10.0 one: mapped here with the same <see cref="TaskInputMapping"/> the in-process task uses, then published
    /// (a build, kept as request.json for a replay as any host publish) or indexed.
    /// </summary>
    public static Task<int> RunTaskAsync(
        Func<CancellationToken, Task<(byte[] Json, string Source)>> readInputs, TextWriter output, CancellationToken cancellationToken) =>
        GuardedAsync(output, async sink =>
        {
            var (json, source) = await readInputs(cancellationToken).ConfigureAwait(false);
            var inputs = TaskInputs.Parse(json, source);
            sink.Detail($"Publishing in the host {Environment.ProcessPath} for the out-of-process task");
            switch (inputs.Task)
            {
                case TaskInputs.BuildTask:
                    var request = TaskInputMapping.ToPublishRequest(inputs);
                    await PublishRequestFile.SaveAsync(request, PublishRequestWriter.ToUtf8(request), cancellationToken).ConfigureAwait(false);
                    PhaseTimer.Mark("host: inputs mapped");
                    await new ContainerPublisher(sink).PublishAsync(request, cancellationToken).ConfigureAwait(false);
                    break;
                case TaskInputs.IndexTask:
                    await new MultiPlatformPublisher(sink).PublishAsync(TaskInputMapping.ToIndexRequest(inputs), cancellationToken).ConfigureAwait(false);
                    break;
                default:
                    throw new ContainerizeException(GeneralErrors.BadArguments, $"unknown task '{inputs.Task}' in the task inputs", source,
                        hint: "the package's task and host come from different versions of Containerize.Sdk; restore again");
            }
        }, cancellationToken);

    // Every failure as one coded protocol line and an exit code: the task replays the lines.
    private static async Task<int> GuardedAsync(TextWriter output, Func<IDiagnosticSink, Task> run, CancellationToken cancellationToken)
    {
        var sink = new JsonLinesSink(output);
        sink.Hello();
        try
        {
            await run(sink).ConfigureAwait(false);
            return 0;
        }
        catch (ContainerizeException e)
        {
            sink.Report(e.Diagnostic);
            return 1;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The task cancelled it, and says so itself.
            return CancelledExitCode;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            sink.Report(new Diagnostic(GeneralErrors.IoError, Severity.Error, e.Message, Hint: "check the path's permissions and free space"));
            return 1;
        }
        catch (Exception e)
        {
            // In the MSBuild process this would be MSBuild's own report with the stack trace; here it is one coded
            // error, with the stack for a detailed log.
            sink.Detail(e.ToString());
            sink.Report(new Diagnostic(GeneralErrors.Unexpected, Severity.Error, $"unexpected error in the publish host: {e.GetType().Name}: {e.Message}",
                Hint: "please report it with the detailed log (-v:d); -p:ContainerizeInProcess=true runs the publish in MSBuild's process"));
            return 1;
        }
    }
}
