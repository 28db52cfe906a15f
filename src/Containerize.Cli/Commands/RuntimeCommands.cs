using System.Runtime.Versioning;
using Containerize.Core.Diagnostics;
using Containerize.Core.Runtime;

namespace Containerize.Cli.Commands;

/// <summary>The runtime's own commands: a RUN step over a rootfs folder, for diagnosing the runtime and for its tests.</summary>
internal static class RuntimeCommands
{
    public static IEnumerable<CliCommand> All => OperatingSystem.IsLinux() ? [new RuntimeExecCommand()] : [];
}

[SupportedOSPlatform("linux")]
internal sealed class RuntimeExecCommand : CliCommand
{
    public override string Name => "runtime exec";

    public override string Usage => "containerize runtime exec --rootfs DIR [--user U] [--env K=V]... [--workdir DIR] [--network host|none] [--strategy auto|overlay|copy] [--state DIR] [--changes] -- CMD [ARG...]";

    public override string Summary => "Run a command in runc over a rootfs folder as a RUN step would (diagnostics; rootless when not root)";

    public override IReadOnlyList<OptionSpec> Options =>
    [
        OptionSpec.Value("the rootfs folder (used as the only layer; never changed)", "--rootfs"),
        OptionSpec.Value("USER: name, uid, name:group or uid:gid", "-u", "--user"),
        OptionSpec.Many("an environment variable", "-e", "--env"),
        OptionSpec.Value("the working directory (created when missing)", "-w", "--workdir"),
        OptionSpec.Value("host (default) or none", "--network"),
        OptionSpec.Value("auto (default), overlay or copy", "--strategy"),
        OptionSpec.Value("the runtime's state folder (default: under the temp folder, per user)", "--state"),
        OptionSpec.Flag("print the step's filesystem changes after its output", "--changes"),
    ];

    public override async Task<int> RunAsync(CommandArgs args, CliContext context, CancellationToken cancellationToken)
    {
        var rootfs = args.Get("--rootfs") ?? throw CommandArgs.Bad("--rootfs is required", Usage);
        rootfs = context.FullPath(rootfs);
        if (!Directory.Exists(rootfs)) throw new ContainerizeException(GeneralErrors.FileNotFound, $"rootfs folder not found: {rootfs}", hint: "check the path");
        if (args.Positionals.Count == 0) throw CommandArgs.Bad("no command given after --", Usage);
        var network = args.Get("--network") switch
        {
            null or "host" or "default" => NetworkMode.Host,
            "none" => NetworkMode.None,
            var other => throw CommandArgs.Bad($"unknown network mode '{other}'", Usage),
        };
        var strategy = args.Get("--strategy") switch
        {
            null or "auto" => RootfsStrategy.Auto,
            "overlay" => RootfsStrategy.Overlay,
            "copy" => RootfsStrategy.Copy,
            var other => throw CommandArgs.Bad($"unknown strategy '{other}'", Usage),
        };
        var state = args.Get("--state") is { } s
            ? context.FullPath(s)
            : Path.Combine(Path.GetTempPath(), $"containerize-{Environment.UserName}", "runtime");

        var runtime = new ContainerRuntime(new RuntimeOptions { Root = state, Strategy = strategy });
        var request = new RunRequest
        {
            Layers = [new DirectoryLayer(rootfs)],
            Args = args.Positionals,
            Env = args.GetAll("--env"),
            WorkingDirectory = args.Get("--workdir") ?? "/",
            User = args.Get("--user") ?? "",
            Network = network,
        };
        await using var result = await runtime.RunAsync(request, context.Out.WriteLine, cancellationToken).ConfigureAwait(false);
        if (args.Has("--changes"))
        {
            context.Out.WriteLine($"--- changes ({result.Strategy})");
            foreach (var change in result.Changes) context.Out.WriteLine(change.ToString());
        }

        return 0;
    }
}
