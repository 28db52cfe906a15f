using System.Globalization;
using System.Runtime.Versioning;
using Containerize.Core.Runtime.Containers;

namespace Containerize.Cli.Commands;

/// <summary>`ps`, `logs`, `stop`, `rm`: the containers `containerize run` started, as docker's commands of the same names.</summary>
[SupportedOSPlatform("linux")]
internal sealed class ContainerPsCommand : CliCommand
{
    public override string Name => "ps";

    public override string Usage => "containerize ps [-a] [-q] [--runtime-root DIR]";

    public override string Summary => "List containers (running ones; -a also those that exited)";

    public override IReadOnlyList<OptionSpec> Options =>
    [
        OptionSpec.Flag("show every container, not only running ones", "-a", "--all"),
        OptionSpec.Flag("print only the ids", "-q", "--quiet"),
        EngineRunCommand.RuntimeRootOption,
    ];

    public override Task<int> RunAsync(CommandArgs args, CliContext context, CancellationToken cancellationToken)
    {
        var all = new ContainerManager(EngineRunCommand.RuntimeRoot(args, context)).List()
            .Where(c => args.Has("--all") || c.Status == ContainerStatus.Running).ToList();
        if (args.Has("--quiet"))
        {
            foreach (var c in all) context.Out.WriteLine(c.Info.ShortId);
            return Task.FromResult(0);
        }

        context.Out.WriteLine($"{"CONTAINER ID",-14}{"IMAGE",-24}{"COMMAND",-32}{"CREATED",-22}{"STATUS",-14}NAMES");
        foreach (var c in all)
        {
            var command = c.Info.Command.Length > 29 ? c.Info.Command[..28] + "…" : c.Info.Command;
            var status = c.Status switch
            {
                ContainerStatus.Running => "Up",
                ContainerStatus.Exited => c.ExitCode is { } code ? $"Exited ({code.ToString(CultureInfo.InvariantCulture)})" : "Exited",
                _ => "Created",
            };
            context.Out.WriteLine($"{c.Info.ShortId,-14}{c.Info.Image,-24}{"\"" + command + "\"",-32}{c.Info.Created.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture),-22}{status,-14}{c.Info.Name}");
        }

        return Task.FromResult(0);
    }
}

[SupportedOSPlatform("linux")]
internal sealed class ContainerLogsCommand : CliCommand
{
    public override string Name => "logs";

    public override string Usage => "containerize logs [--runtime-root DIR] CONTAINER";

    public override string Summary => "Print a detached container's output (stdout and stderr) so far";

    public override IReadOnlyList<OptionSpec> Options => [EngineRunCommand.RuntimeRootOption];

    public override async Task<int> RunAsync(CommandArgs args, CliContext context, CancellationToken cancellationToken)
    {
        if (args.Positionals.Count != 1) throw CommandArgs.Bad("expected one CONTAINER (id, id prefix or name)", Usage);
        var manager = new ContainerManager(EngineRunCommand.RuntimeRoot(args, context));
        var path = manager.LogPath(manager.Find(args.Positionals[0]));
        if (!File.Exists(path)) return 0;
        // The shim appends while we read: open for reading with sharing, print what is there now.
        await using var log = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var reader = new StreamReader(log);
        await context.Out.WriteAsync(await reader.ReadToEndAsync(cancellationToken).ConfigureAwait(false)).ConfigureAwait(false);
        return 0;
    }
}

[SupportedOSPlatform("linux")]
internal sealed class ContainerStopCommand : CliCommand
{
    public override string Name => "stop";

    public override string Usage => "containerize stop [-t SECONDS] [--runtime-root DIR] CONTAINER...";

    public override string Summary => "Stop containers: the image's STOPSIGNAL (SIGTERM), then SIGKILL after the timeout (10 s)";

    public override IReadOnlyList<OptionSpec> Options =>
    [
        OptionSpec.Value("seconds to wait after SIGTERM before SIGKILL (default 10)", "-t", "--time"),
        EngineRunCommand.RuntimeRootOption,
    ];

    public override async Task<int> RunAsync(CommandArgs args, CliContext context, CancellationToken cancellationToken)
    {
        if (args.Positionals.Count == 0) throw CommandArgs.Bad("expected a CONTAINER (id, id prefix or name)", Usage);
        var seconds = 10;
        if (args.Get("--time") is { } t && (!int.TryParse(t, NumberStyles.None, CultureInfo.InvariantCulture, out seconds)))
        {
            throw CommandArgs.Bad($"invalid -t '{t}': give whole seconds", Usage);
        }

        var manager = new ContainerManager(EngineRunCommand.RuntimeRoot(args, context));
        foreach (var reference in args.Positionals)
        {
            await manager.StopAsync(manager.Find(reference), TimeSpan.FromSeconds(seconds), cancellationToken).ConfigureAwait(false);
            context.Out.WriteLine(reference);
        }

        return 0;
    }
}

[SupportedOSPlatform("linux")]
internal sealed class ContainerRmCommand : CliCommand
{
    public override string Name => "rm";

    public override string Usage => "containerize rm [-f] [--runtime-root DIR] CONTAINER...";

    public override string Summary => "Remove containers (-f kills a running one first)";

    public override IReadOnlyList<OptionSpec> Options =>
    [
        OptionSpec.Flag("kill the container first when it runs", "-f", "--force"),
        EngineRunCommand.RuntimeRootOption,
    ];

    public override async Task<int> RunAsync(CommandArgs args, CliContext context, CancellationToken cancellationToken)
    {
        if (args.Positionals.Count == 0) throw CommandArgs.Bad("expected a CONTAINER (id, id prefix or name)", Usage);
        var manager = new ContainerManager(EngineRunCommand.RuntimeRoot(args, context));
        foreach (var reference in args.Positionals)
        {
            await manager.RemoveAsync(manager.Find(reference), args.Has("--force"), cancellationToken).ConfigureAwait(false);
            context.Out.WriteLine(reference);
        }

        return 0;
    }
}
