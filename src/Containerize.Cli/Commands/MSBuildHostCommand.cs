using System.Text;
using Containerize.Core.Host;

namespace Containerize.Cli.Commands;

/// <summary>
/// The publish of an MSBuild task, out of MSBuild's process: Containerize.Sdk's task starts the package's native build
/// of this command and writes the request on its standard input as one line, then keeps the input open; closing it
/// cancels the publish. Run by hand on obj/container/request.json, it replays that publish.
/// </summary>
internal sealed class MSBuildHostCommand : CliCommand
{
    public override string Name => "msbuild-host";
    public override string Usage => "containerize msbuild-host --request obj/container/request.json | --request - | --inputs -";
    public override string Summary => "Run the image build of a 'dotnet publish -p:ContainerBuild=true' from its request (what Containerize.Sdk's task runs).";

    public override IReadOnlyList<OptionSpec> Options =>
    [
        OptionSpec.Value("the request file; '-' reads one line from standard input, and the end of the input then cancels", "--request"),
        OptionSpec.Value("'-': the task's raw inputs on standard input, as the netstandard2.0 task of an MSBuild that cannot load net10.0 sends them", "--inputs"),
    ];

    public override async Task<int> RunAsync(CommandArgs args, CliContext context, CancellationToken cancellationToken)
    {
        var inputs = args.Get("--inputs");
        var request = args.Get("--request");
        if ((inputs is null) == (request is null)) throw CommandArgs.Bad("one of --request and --inputs is required", Usage);
        if (inputs is not null && inputs != "-") throw CommandArgs.Bad("--inputs reads standard input only: --inputs -", Usage);
        using var cancellation = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        // Protocol lines are UTF-8 whatever the locale says.
        await using var output = new StreamWriter(context.OpenStdout(), new UTF8Encoding(false));
        if (inputs is not null)
        {
            var stdin = Console.OpenStandardInput();
            return await PublishHost.RunTaskAsync(async ct =>
            {
                var line = await ReadLineAsync(stdin, ct).ConfigureAwait(false);
                _ = CancelAtEndOfInputAsync(stdin, cancellation);
                return (line, "standard input");
            }, output, cancellation.Token).ConfigureAwait(false);
        }

        // Exactly one of the two was given, and it was not --inputs.
        if (request! != "-")
        {
            var path = context.FullPath(request!);
            return await PublishHost.RunAsync(async ct => (await File.ReadAllBytesAsync(path, ct).ConfigureAwait(false), path), false, output, cancellation.Token).ConfigureAwait(false);
        }

        var input = Console.OpenStandardInput();
        return await PublishHost.RunAsync(async ct =>
        {
            var line = await ReadLineAsync(input, ct).ConfigureAwait(false);
            _ = CancelAtEndOfInputAsync(input, cancellation);
            return (line, "standard input");
        }, true, output, cancellation.Token).ConfigureAwait(false);
    }

    // The task writes the line and nothing more until it closes the input.
    private static async Task<byte[]> ReadLineAsync(Stream input, CancellationToken cancellationToken)
    {
        var line = new MemoryStream();
        var buffer = new byte[16 * 1024];
        int read;
        while ((read = await input.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
        {
            var end = Array.IndexOf(buffer, (byte)'\n', 0, read);
            line.Write(buffer, 0, end < 0 ? read : end);
            if (end >= 0) break;
        }

        return line.ToArray();
    }

    private static async Task CancelAtEndOfInputAsync(Stream input, CancellationTokenSource cancellation)
    {
        try
        {
            var buffer = new byte[256];
            while (await input.ReadAsync(buffer).ConfigureAwait(false) > 0)
            {
            }
        }
        catch (IOException)
        {
            // A broken pipe ends the input too.
        }

        try
        {
            cancellation.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // The publish ended first.
        }
    }
}
