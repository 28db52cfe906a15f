using System.Runtime.Versioning;
using Containerize.Core.Building;
using Containerize.Core.Building.Plan;
using Containerize.Core.Diagnostics;
using Containerize.Core.Engines;

namespace Containerize.Cli.Commands;

/// <summary>The build engine's commands: `build` (a daemonless docker build) and `run` (a container from a stored image).</summary>
internal static class EngineCommands
{
    public static IEnumerable<CliCommand> All => OperatingSystem.IsLinux() ? [new EngineBuildCommand(), new EngineRunCommand()] : [];
}

[SupportedOSPlatform("linux")]
internal sealed class EngineBuildCommand : CliCommand
{
    public override string Name => "build";

    public override string Usage =>
        "containerize build [--engine builtin|docker|podman] [-t NAME[:TAG]]... [-f Dockerfile] [--build-arg K=V]... [--target STAGE] [--no-cache] [--store DIR] CONTEXT"
        + " (docker|podman also: [--label K=V]... [--platform P] [--network N] [--push] [--client PATH] [--builder-kind K] [-v])";

    public override string Summary => "Build an image from a Dockerfile, layer by layer, into the store (no daemon; RUN in runc)";

    public override IReadOnlyList<OptionSpec> Options =>
    [
        OptionSpec.Many("name and tag the result (only when every step succeeded)", "-t", "--tag"),
        OptionSpec.Value("the Dockerfile (default: CONTEXT/Dockerfile)", "-f", "--file"),
        OptionSpec.Many("set a build argument (K alone takes K from the environment)", "--build-arg"),
        OptionSpec.Value("the stage to build (default: the last)", "--target"),
        OptionSpec.Flag("run every step, ignoring the build cache", "--no-cache"),
        OptionSpec.Value("the runtime's state folder (default: under the temp folder)", "--runtime-root"),
        ImageCommands.StoreOption,
        OptionSpec.Value("builtin (default: no daemon), docker or podman (the hand-off, as 'handoff build')", "--engine"),
        .. HandoffBuildCommand.EngineOnlyOptions,
    ];

    public override async Task<int> RunAsync(CommandArgs args, CliContext context, CancellationToken cancellationToken)
    {
        // One command for every engine: docker and podman get the same Dockerfile and context through the hand-off.
        var engine = args.Get("--engine")?.Trim().ToLowerInvariant();
        if (engine is not (null or "" or "builtin"))
        {
            var kind = EngineNames.Parse(engine);
            if (new[] { "--store", "--runtime-root" }.FirstOrDefault(args.Has) is { } storeOnly)
            {
                throw CommandArgs.Bad($"{storeOnly} is for the builtin engine; --engine {engine} builds into the engine's own image store", Usage);
            }

            return await HandoffBuildCommand.HandOffAsync(kind, args, context, Usage, cancellationToken).ConfigureAwait(false);
        }

        if (HandoffBuildCommand.EngineOnlyOptions.Select(o => o.Key).FirstOrDefault(args.Has) is { } engineOnly)
        {
            throw CommandArgs.Bad($"{engineOnly} needs --engine docker or --engine podman (the builtin engine does not take it)", Usage);
        }

        if (args.Positionals.Count != 1) throw CommandArgs.Bad("expected one CONTEXT folder", Usage);
        var buildArgs = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var a in args.GetAll("--build-arg"))
        {
            var (key, value) = CommandArgs.SplitKeyValue(a);
            if (key.Length == 0) throw CommandArgs.Bad($"invalid --build-arg '{a}'", Usage);
            value ??= Environment.GetEnvironmentVariable(key);
            if (value is not null) buildArgs[key] = value;
        }

        var request = new BuildRequest
        {
            ContextDirectory = context.FullPath(args.Positionals[0]),
            DockerfilePath = args.Get("--file") is { } f ? context.FullPath(f) : null,
            Tags = args.GetAll("--tag"),
            BuildArgs = buildArgs,
            Target = args.Get("--target"),
            NoCache = args.Has("--no-cache"),
            StorePath = args.Get("--store") is { } s ? context.FullPath(s) : null,
            RuntimeRoot = args.Get("--runtime-root") is { } r ? context.FullPath(r) : null,
        };
        await new ImageBuilder(new TextWriterSink(context.Out, context.Error)).BuildAsync(request, cancellationToken).ConfigureAwait(false);
        return 0;
    }
}

[SupportedOSPlatform("linux")]
internal sealed class EngineRunCommand : CliCommand
{
    public override string Name => "run";

    public override string Usage => "containerize run [--rm] [-e K=V]... [--store DIR] IMAGE [-- CMD [ARG...]]";

    public override string Summary => "Run a container from a stored image in runc (its changes are discarded)";

    public override IReadOnlyList<OptionSpec> Options =>
    [
        OptionSpec.Flag("remove the container when it exits (always done)", "--rm"),
        OptionSpec.Many("set an environment variable (K alone takes K from this environment)", "-e", "--env"),
        OptionSpec.Value("the runtime's state folder (default: under the temp folder)", "--runtime-root"),
        ImageCommands.StoreOption,
    ];

    public override async Task<int> RunAsync(CommandArgs args, CliContext context, CancellationToken cancellationToken)
    {
        if (args.Positionals.Count == 0) throw CommandArgs.Bad("expected an IMAGE", Usage);
        var store = await ImageCommands.OpenStoreAsync(args, context, cancellationToken).ConfigureAwait(false);
        var runtimeRoot = args.Get("--runtime-root") is { } r ? context.FullPath(r) : BuildRequest.DefaultRuntimeRoot;
        await ImageRunner.RunAsync(store, args.Positionals[0], args.Positionals.Skip(1).ToList(), args.GetAll("--env"), runtimeRoot,
            context.Out.WriteLine, new TextWriterSink(context.Out, context.Error), cancellationToken).ConfigureAwait(false);
        return 0;
    }
}
