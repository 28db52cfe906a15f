using System.Globalization;
using System.Runtime.Versioning;
using Containerize.Core.Runtime.Containers;
using Containerize.Core.Runtime.Network;

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

        // docker's columns; PORTS only while a container runs (docker drops an exited container's ports too).
        var rows = all.Select(c => new[]
        {
            c.Info.ShortId,
            c.Info.Image,
            "\"" + (c.Info.Command.Length > 20 ? c.Info.Command[..19] + "…" : c.Info.Command) + "\"",
            c.Info.Created.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture),
            c.Status switch
            {
                ContainerStatus.Running => "Up",
                ContainerStatus.Exited => c.ExitCode is { } code ? $"Exited ({code.ToString(CultureInfo.InvariantCulture)})" : "Exited",
                _ => "Created",
            },
            c.Status == ContainerStatus.Running && c.Info.Network == "bridge" ? PortDisplay.Column(c.Info.Ports, c.Info.ExposedPorts) : "",
            c.Info.Name,
        }).ToList();
        string[] header = ["CONTAINER ID", "IMAGE", "COMMAND", "CREATED", "STATUS", "PORTS", "NAMES"];
        var widths = header.Select((h, i) => rows.Select(r => r[i].Length).Append(h.Length).Max()).ToArray();
        foreach (var row in rows.Prepend(header))
        {
            context.Out.WriteLine(string.Join("   ", row.Select((cell, i) => i == row.Length - 1 ? cell : cell.PadRight(widths[i]))));
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

/// <summary>`port CONTAINER [PRIVATE_PORT[/PROTO]]`: the published ports, in docker port's lines.</summary>
[SupportedOSPlatform("linux")]
internal sealed class ContainerPortCommand : CliCommand
{
    public override string Name => "port";

    public override string Usage => "containerize port [--runtime-root DIR] CONTAINER [PRIVATE_PORT[/PROTO]]";

    public override string Summary => "List a container's published ports, or the host address of one of them";

    public override IReadOnlyList<OptionSpec> Options => [EngineRunCommand.RuntimeRootOption];

    public override Task<int> RunAsync(CommandArgs args, CliContext context, CancellationToken cancellationToken)
    {
        if (args.Positionals.Count is < 1 or > 2) throw CommandArgs.Bad("expected a CONTAINER and at most one PRIVATE_PORT[/PROTO]", Usage);
        var manager = new ContainerManager(EngineRunCommand.RuntimeRoot(args, context));
        var container = manager.Find(args.Positionals[0]);
        // A stopped container publishes nothing (docker prints nothing for it).
        var ports = container.Status == ContainerStatus.Running ? container.Info.Ports : [];
        if (args.Positionals.Count == 1)
        {
            foreach (var line in PortDisplay.Lines(ports)) context.Out.WriteLine(line);
            return Task.FromResult(0);
        }

        var endpoints = PortDisplay.For(ports, args.Positionals[1]);
        if (endpoints.Count == 0)
        {
            throw new Core.Diagnostics.ContainerizeException(Core.Runtime.RuntimeErrors.NoSuchPort,
                $"No public port '{(args.Positionals[1].Contains('/', StringComparison.Ordinal) ? args.Positionals[1] : args.Positionals[1] + "/tcp")}' published for {args.Positionals[0]}",
                hint: "containerize port CONTAINER lists the published ones; publish with run -p or -P");
        }

        foreach (var endpoint in endpoints) context.Out.WriteLine(endpoint);
        return Task.FromResult(0);
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
