using System.Runtime.Versioning;
using Containerize.Core.Building.Plan;
using Containerize.Core.Building;
using Containerize.Core.Context.Git;
using Containerize.Core.Diagnostics;
using Containerize.Core.Handoff;
using Containerize.Core.Runtime.Containers;

namespace Containerize.Cli.Commands;

/// <summary>The build engine's commands: `build` (a daemonless docker build) and `run` (a container from a stored image).</summary>
internal static class EngineCommands
{
    /// <summary>
    /// `build` (a Dockerfile without RUN needs only files; a RUN says CTZ5047 off Linux) and the publish host run
    /// everywhere; running containers needs runc, so those commands exist on Linux only.
    /// </summary>
    public static IEnumerable<CliCommand> All => OperatingSystem.IsLinux()
        ? [new EngineBuildCommand(), new EngineRunCommand(), new ContainerPsCommand(), new ContainerLogsCommand(), new ContainerPortCommand(), new ContainerStopCommand(), new ContainerRmCommand(), new MSBuildHostCommand(), new BaseCheckCommand()]
        : [new EngineBuildCommand(), new MSBuildHostCommand(), new BaseCheckCommand()];
}

internal sealed class EngineBuildCommand : CliCommand
{
    public override string Name => "build";

    public override string Usage => "containerize build [--engine builtin|docker|podman] [-t NAME[:TAG]]... [-f Dockerfile] [--build-arg K=V]... [--target STAGE] [--no-cache] " +
        "[--secret id=ID,src=FILE|env=VAR]... [--ssh ID[=SOCKET]]... [--build-context NAME=DIR|GIT-URL|docker-image://REF]... [--platform OS/ARCH[/VARIANT]] " +
        "[--output oci-layout:DIR|oci-archive:FILE|docker-archive:FILE|registry|docker|podman]... [--sbom [--sbom-format F]] [--provenance] [--store DIR] CONTEXT|GIT-URL" +
        " (docker|podman also: [--label K=V]... [--network N] [--push] [--client PATH] [--builder-kind K] [-v])";

    public override string Summary => "Build an image from a Dockerfile, layer by layer, into the store (no daemon; RUN in runc)";

    public override IReadOnlyList<OptionSpec> Options =>
    [
        OptionSpec.Many("name and tag the result (only when every step succeeded)", "-t", "--tag"),
        OptionSpec.Value("the Dockerfile (default: CONTEXT/Dockerfile; with a git URL, relative to its context folder)", "-f", "--file"),
        OptionSpec.Many("set a build argument (K alone takes K from the environment)", "--build-arg"),
        OptionSpec.Value("the stage to build (default: the last)", "--target"),
        OptionSpec.Flag("run every step, ignoring the build cache", "--no-cache"),
        OptionSpec.Many("a secret for RUN --mount=type=secret: id=ID,src=FILE or id=ID,env=VARIABLE", "--secret"),
        OptionSpec.Many("an ssh agent for RUN --mount=type=ssh: default (SSH_AUTH_SOCK) or ID=SOCKET", "--ssh"),
        OptionSpec.Many("a named context: NAME=FOLDER, NAME=GIT-URL, NAME=docker-image://REF or NAME=oci-layout://DIR:TAG", "--build-context"),
        OptionSpec.Value("the target platform (default: this machine's)", "--platform"),
        OptionSpec.Many("also export the image: oci-layout:DIR, oci-archive:FILE, docker-archive:FILE, registry (push every -t), docker, podman", "-o", "--output"),
        OptionSpec.Value("the runtime's state folder (default: under the temp folder)", "--runtime-root"),
        OptionSpec.Flag("attach an SBOM read from the image's layers (OS packages, .NET runtime, the apps' .deps.json)", "--sbom"),
        OptionSpec.Value("spdx (default), cyclonedx, or spdx,cyclonedx", "--sbom-format"),
        OptionSpec.Flag("attach a SLSA provenance statement", "--provenance"),
        ImageCommands.StoreOption,
        OptionSpec.Value("builtin (default: no daemon), docker or podman (the hand-off, as 'handoff build')", "--engine"),
        .. HandoffBuildCommand.EngineOnlyOptions.Where(o => o.Key != "--platform"),
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

            if (args.Positionals.Count == 1 && IsRemote(args.Positionals[0], context) && GitUrl.TryParse(args.Positionals[0], out var url))
            {
                // The engine gets the checked-out folder, fetched with this machine's git (its credential helpers).
                using var checkout = await GitCheckout.CreateAsync(url!, null, new TextWriterSink(context.Error, context.Error), cancellationToken).ConfigureAwait(false);
                // Checked here (inside the checkout, present); the hand-off then reads a relative -f from the context folder.
                checkout.DockerfilePath(args.Get("--file"));
                args.Positionals[0] = checkout.ContextFolder;
                var inCheckout = new CliContext(context.Out, context.Error, context.OpenStdout, checkout.ContextFolder);
                return await HandoffBuildCommand.HandOffAsync(kind, args, inCheckout, Usage, cancellationToken).ConfigureAwait(false);
            }

            return await HandoffBuildCommand.HandOffAsync(kind, args, context, Usage, cancellationToken).ConfigureAwait(false);
        }

        // --platform is taken by both engines.
        if (HandoffBuildCommand.EngineOnlyOptions.Select(o => o.Key).Where(k => k != "--platform").FirstOrDefault(args.Has) is { } engineOnly)
        {
            throw CommandArgs.Bad($"{engineOnly} needs --engine docker or --engine podman (the builtin engine does not take it)", Usage);
        }

        if (args.Positionals.Count != 1) throw CommandArgs.Bad("expected one CONTEXT folder or git URL", Usage);
        var buildArgs = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var a in args.GetAll("--build-arg"))
        {
            var (key, value) = CommandArgs.SplitKeyValue(a);
            if (key.Length == 0) throw CommandArgs.Bad($"invalid --build-arg '{a}'", Usage);
            value ??= Environment.GetEnvironmentVariable(key);
            if (value is not null) buildArgs[key] = value;
        }

        var namedContexts = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var c in args.GetAll("--build-context"))
        {
            var (name, value) = CommandArgs.SplitKeyValue(c);
            if (name.Length == 0 || string.IsNullOrEmpty(value)) throw CommandArgs.Bad($"invalid --build-context '{c}' (NAME=VALUE)", Usage);
            namedContexts[name] = value.Contains("://", StringComparison.Ordinal) || IsRemote(value, context) ? value : context.FullPath(value);
        }

        var ssh = args.GetAll("--ssh").Select(v => SshAgentSource.Parse(v, Environment.GetEnvironmentVariable, context.WorkingDirectory))
            .ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);
        using var secrets = SecretFiles.Create(args.GetAll("--secret").Select(SecretSource.Parse), Environment.GetEnvironmentVariable, context.WorkingDirectory);
        // A git URL (not an existing folder, as docker decides) goes to the engine as written; -f is then relative to it.
        var remote = IsRemote(args.Positionals[0], context);
        var request = new BuildRequest
        {
            ContextDirectory = remote ? args.Positionals[0] : context.FullPath(args.Positionals[0]),
            DockerfilePath = args.Get("--file") is { } f ? (remote ? f : context.FullPath(f)) : null,
            Tags = args.GetAll("--tag"),
            BuildArgs = buildArgs,
            Target = args.Get("--target"),
            NoCache = args.Has("--no-cache"),
            Secrets = secrets.Files,
            SshAgents = ssh,
            NamedContexts = namedContexts,
            Platform = args.Get("--platform"),
            Outputs = args.GetAll("--output").Select(o => o.Contains(':', StringComparison.Ordinal) ? ResolveOutputPath(o, context) : o).ToList(),
            StorePath = args.Get("--store") is { } s ? context.FullPath(s) : null,
            RuntimeRoot = args.Get("--runtime-root") is { } r ? context.FullPath(r) : null,
            Sbom = args.Has("--sbom") || args.Has("--sbom-format") ? Core.Supply.Sbom.SbomFormat.Parse(args.Get("--sbom-format")) : Core.Supply.Sbom.SbomFormats.None,
            Provenance = args.Has("--provenance"),
        };
        await new ImageBuilder(new TextWriterSink(context.Out, context.Error)).BuildAsync(request, cancellationToken).ConfigureAwait(false);
        return 0;
    }

    /// <summary>A git or HTTP URL where no folder of that name exists (docker's CLI checks for a local folder first).</summary>
    private static bool IsRemote(string value, CliContext context) =>
        (GitUrl.IsGitUrl(value) || GitUrl.IsHttpUrl(value)) && !Directory.Exists(context.FullPath(value));

    /// <summary>KIND:PATH with the path made absolute against the current folder (the engine resolves nothing relative).</summary>
    private static string ResolveOutputPath(string output, CliContext context)
    {
        var colon = output.IndexOf(':', StringComparison.Ordinal);
        var path = output[(colon + 1)..];
        var slashes = path.StartsWith("//", StringComparison.Ordinal) ? "//" : "";
        return path.Length - slashes.Length == 0 ? output : output[..(colon + 1)] + context.FullPath(path[slashes.Length..]);
    }
}

[SupportedOSPlatform("linux")]
internal sealed class EngineRunCommand : CliCommand
{
    public override string Name => "run";

    public override string Usage =>
        "containerize run [-d] [--rm] [--name NAME] [-p [IP:][HOST:]PORT[/PROTO]]... [-P] [-e K=V]... [-w DIR] [-u USER] [--entrypoint CMD] " +
        "[--network host|none|bridge] [--store DIR] IMAGE [CMD [ARG...]]";

    public override string Summary => "Run a container from a stored image in runc, as docker run (its exit code is ours; -d detaches)";

    public override bool OptionsEndAtFirstOperand => true;

    public override IReadOnlyList<OptionSpec> Options =>
    [
        OptionSpec.Flag("run in the background and print the container id", "-d", "--detach"),
        OptionSpec.Flag("remove the container when it exits (a foreground one always is)", "--rm"),
        OptionSpec.Value("name the container", "--name"),
        OptionSpec.Many("set an environment variable (K alone takes K from this environment)", "-e", "--env"),
        OptionSpec.Value("the working directory in the container", "-w", "--workdir"),
        OptionSpec.Value("the user (name|uid[:group|gid])", "-u", "--user"),
        OptionSpec.Value("replace the image's ENTRYPOINT (\"\" clears it; the image's CMD is then not used)", "--entrypoint"),
        OptionSpec.Many("publish a port: [IP:][HOST_PORT:]CONTAINER_PORT[/tcp|udp] (no host port: any free one)", "-p", "--publish"),
        OptionSpec.Flag("publish every EXPOSEd port of the image on a free host port", "-P", "--publish-all"),
        OptionSpec.Value("bridge (its own network through slirp4netns; the default with -p/-P), host (the default otherwise) or none", "--net", "--network"),
        OptionSpec.Value("the runtime's state folder (default: under the temp folder)", "--runtime-root"),
        ImageCommands.StoreOption,
    ];

    public override async Task<int> RunAsync(CommandArgs args, CliContext context, CancellationToken cancellationToken)
    {
        if (args.Positionals.Count == 0) throw CommandArgs.Bad("expected an IMAGE", Usage);
        Core.Runtime.NetworkMode? network = args.Get("--network") switch
        {
            null or "default" => null,
            "host" => Core.Runtime.NetworkMode.Host,
            "none" => Core.Runtime.NetworkMode.None,
            "bridge" or "slirp4netns" => Core.Runtime.NetworkMode.Bridge,
            var other => throw CommandArgs.Bad($"unsupported --network '{other}': host, none or bridge (a network of its own, where -p publishes ports)", Usage),
        };
        var command = args.Positionals.Skip(1).ToList();
        if (command.Count > 0 && command[0] == "--") command.RemoveAt(0);
        var store = await ImageCommands.OpenStoreAsync(args, context, cancellationToken).ConfigureAwait(false);
        var options = new ContainerRunOptions
        {
            Image = args.Positionals[0],
            Command = command,
            Env = args.GetAll("--env"),
            Entrypoint = args.Get("--entrypoint"),
            WorkingDirectory = args.Get("--workdir"),
            User = args.Get("--user"),
            Network = network,
            Publish = args.GetAll("--publish"),
            PublishAll = args.Has("--publish-all"),
            Name = args.Get("--name"),
            Detach = args.Has("--detach"),
            Remove = args.Has("--rm"),
        };
        var result = await ImageRunner.RunAsync(store, options, RuntimeRoot(args, context), context.Out.WriteLine, new TextWriterSink(context.Out, context.Error), cancellationToken)
            .ConfigureAwait(false);
        if (options.Detach) context.Out.WriteLine(result.Id);
        return result.ExitCode ?? 0;
    }

    public static string RuntimeRoot(CommandArgs args, CliContext context) =>
        args.Get("--runtime-root") is { } r ? context.FullPath(r) : BuildRequest.DefaultRuntimeRoot;

    public static OptionSpec RuntimeRootOption => OptionSpec.Value("the runtime's state folder (default: under the temp folder)", "--runtime-root");
}
