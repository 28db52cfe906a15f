using Containerize.Core.Context;
using Containerize.Core.Diagnostics;
using Containerize.Core.Handoff;

namespace Containerize.Cli.Commands;

internal static class HandoffCommands
{
    public static IEnumerable<CliCommand> All => [new HandoffBuildCommand()];
}

/// <summary><c>containerize handoff build</c>: the same Dockerfile and context, built by Docker/BuildKit or Podman.</summary>
internal sealed class HandoffBuildCommand : CliCommand
{
    public override string Name => "handoff build";

    public override string Usage =>
        "containerize handoff build [--engine docker|podman] [-f Dockerfile] [-t REF]... [--target T] [--build-arg K=V]... [--label K=V]... [--platform P] [--no-cache] [--push [--insecure-registry]] CONTEXT";

    public override string Summary => "hand a Dockerfile and its context to Docker (BuildKit or classic) or Podman";

    public override IReadOnlyList<OptionSpec> Options =>
    [
        OptionSpec.Value("docker (default) or podman", "--engine"),
        OptionSpec.Value("the Dockerfile (default CONTEXT/Dockerfile)", "-f", "--file"),
        OptionSpec.Many("a name for the image", "-t", "--tag"),
        OptionSpec.Value("the stage to build", "--target"),
        OptionSpec.Many("a build argument", "--build-arg"),
        OptionSpec.Flag("do not use the engine's cache", "--no-cache"),
        .. EngineOnlyOptions,
    ];

    /// <summary>The options only an external engine takes; `containerize build --engine docker|podman` accepts them too.</summary>
    public static IReadOnlyList<OptionSpec> EngineOnlyOptions =>
    [
        OptionSpec.Many("a label for the image", "--label"),
        OptionSpec.Value("the target platform, e.g. linux/amd64", "--platform"),
        OptionSpec.Value("network for RUN steps (none, host, default)", "--network"),
        OptionSpec.Flag("push every tag after the build", "--push"),
        OptionSpec.Flag("push without TLS (podman; a Docker daemon uses its own insecure-registries)", "--insecure-registry"),
        OptionSpec.Value("the client program (a path or a name on PATH)", "--client"),
        OptionSpec.Value("auto, buildkit or classic", "--builder-kind"),
        OptionSpec.Flag("show the engine's probes and command line", "-v", "--verbose"),
    ];

    public override Task<int> RunAsync(CommandArgs args, CliContext context, CancellationToken cancellationToken) =>
        HandOffAsync(EngineNames.Parse(args.Get("--engine")), args, context, Usage, cancellationToken);

    /// <summary>Builds with an external engine; shared by `handoff build` and `build --engine docker|podman`.</summary>
    public static async Task<int> HandOffAsync(EngineKind engine, CommandArgs args, CliContext context, string usage, CancellationToken cancellationToken)
    {
        if (args.Positionals.Count != 1) throw CommandArgs.Bad("give exactly one CONTEXT folder", usage);
        var contextDir = context.FullPath(args.Positionals[0]);
        var dockerfile = context.FullPath(args.Get("--file") ?? Path.Combine(contextDir, "Dockerfile"));
        if (!File.Exists(dockerfile)) throw new ContainerizeException(GeneralErrors.FileNotFound, $"Dockerfile '{dockerfile}' not found", hint: "give it with -f");

        if (!Directory.Exists(contextDir)) throw new ContainerizeException(GeneralErrors.FileNotFound, $"context folder '{contextDir}' does not exist", hint: "give the folder to build from");
        var buildContext = await BuildContext.OpenAsync(contextDir, dockerfile, cancellationToken);
        var relative = Path.GetRelativePath(contextDir, dockerfile);
        var inside = !relative.StartsWith("..", StringComparison.Ordinal) && !Path.IsPathRooted(relative);
        var request = new ExternalBuildRequest
        {
            // Exactly what the docker CLI sends: the context after .dockerignore, with the Dockerfile and ignore file kept.
            WriteContext = (stream, ct) => ContextTar.WriteAsync(buildContext, stream, ContextTarOptions.FromEnvironment(), null, ct),
            DockerfileInContext = inside ? relative.Replace('\\', '/') : null,
            DockerfileContent = inside ? null : await File.ReadAllBytesAsync(dockerfile, cancellationToken),
            DockerfileDisplayPath = dockerfile,
            Tags = args.GetAll("--tag"),
            Target = args.Get("--target"),
            BuildArgs = args.GetAll("--build-arg").Select(CommandArgs.SplitKeyValue).ToList(),
            Labels = args.GetAll("--label").Select(CommandArgs.SplitKeyValue).Select(kv => new KeyValuePair<string, string>(kv.Key, kv.Value ?? "")).ToList(),
            Platform = args.Get("--platform"),
            NoCache = args.Has("--no-cache"),
            Network = args.Get("--network"),
            Push = args.Has("--push"),
            InsecureRegistry = args.Has("--insecure-registry"),
        };
        var options = new EngineLocatorOptions
        {
            ClientPath = args.Get("--client"),
            Preference = args.Get("--builder-kind")?.ToLowerInvariant() switch
            {
                null or "auto" => BuilderPreference.Auto,
                "buildkit" => BuilderPreference.BuildKit,
                "classic" => BuilderPreference.Classic,
                var other => throw CommandArgs.Bad($"unknown builder kind '{other}'", usage),
            },
        };

        var sink = new TextWriterSink(context.Error, context.Error, args.Has("--verbose"));
        var result = await ExternalBuilder.BuildAsync(engine, request, options, sink, cancellationToken);
        context.Out.WriteLine(result.ImageId);
        if (result.ManifestDigest is not null) context.Out.WriteLine(result.ManifestDigest);
        return 0;
    }
}
