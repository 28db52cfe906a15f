using System.Text;
using Containerize.Core.Dockerfiles.Instructions;
using Containerize.Core.Dockerfiles.Parsing;
using Containerize.Core.Dockerfiles.Stages;

namespace Containerize.Cli.Commands;

/// <summary>The Dockerfile front end's commands: dump (BuildKit's AST dump) and check (stages and expanded instructions).</summary>
internal static class DockerfileCommands
{
    public static IEnumerable<CliCommand> All => [new DumpCommand(), new CheckCommand()];

    private sealed class DumpCommand : CliCommand
    {
        public override string Name => "dockerfile dump";

        public override string Usage => "containerize dockerfile dump FILE";

        public override string Summary => "Print the parsed Dockerfile in BuildKit's AST dump format.";

        public override async Task<int> RunAsync(CommandArgs args, CliContext context, CancellationToken cancellationToken)
        {
            if (args.Positionals.Count != 1) throw CommandArgs.Bad("expected one Dockerfile path", Usage);
            var file = args.Positionals[0];
            var result = await DockerfileParser.ParseFileAsync(context.FullPath(file), file, cancellationToken).ConfigureAwait(false);
            foreach (var w in result.Warnings) await context.Error.WriteLineAsync(w.ToDiagnostic(file).ToString()).ConfigureAwait(false);

            // Raw bytes: the dump is compared byte for byte with BuildKit's, so no newline translation or BOM.
            var stdout = context.OpenStdout();
            await stdout.WriteAsync(Encoding.UTF8.GetBytes(result.Dump()), cancellationToken).ConfigureAwait(false);
            await stdout.FlushAsync(cancellationToken).ConfigureAwait(false);
            return 0;
        }
    }

    private sealed class CheckCommand : CliCommand
    {
        public override string Name => "dockerfile check";

        public override string Usage => "containerize dockerfile check FILE [--build-arg K=V]... [--target STAGE] [--platform OS/ARCH]";

        public override string Summary => "Validate a Dockerfile and print the stages the target needs with their expanded instructions.";

        public override IReadOnlyList<OptionSpec> Options =>
        [
            OptionSpec.Many("set a build argument (K alone takes K from the environment)", "--build-arg"),
            OptionSpec.Value("the stage to build (default: the last)", "--target"),
            OptionSpec.Value("the target platform (default: linux/amd64)", "--platform"),
        ];

        public override async Task<int> RunAsync(CommandArgs args, CliContext context, CancellationToken cancellationToken)
        {
            if (args.Positionals.Count != 1) throw CommandArgs.Bad("expected one Dockerfile path", Usage);
            var file = args.Positionals[0];
            var buildArgs = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var a in args.GetAll("--build-arg"))
            {
                var (key, value) = CommandArgs.SplitKeyValue(a);
                if (key.Length == 0) throw CommandArgs.Bad($"invalid --build-arg '{a}'", Usage);
                value ??= Environment.GetEnvironmentVariable(key);
                if (value is not null) buildArgs[key] = value;
            }

            var model = await DockerfileModel.LoadAsync(context.FullPath(file), file, cancellationToken).ConfigureAwait(false);
            var options = new BuildOptions
            {
                BuildArgs = buildArgs,
                Target = args.Get("--target"),
                TargetPlatform = args.Get("--platform") ?? PlatformArgs.DefaultPlatform,
            };
            var plan = new StagePlanner(new ShellWordExpander(model.EscapeToken)).Plan(model, options);
            foreach (var w in plan.Warnings) await context.Error.WriteLineAsync(w.ToString()).ConfigureAwait(false);

            var output = context.Out;
            var needed = plan.Stages.Select(s => s.Index).ToHashSet();
            var skipped = model.Stages.Where(s => !needed.Contains(s.Index)).Select(s => s.DisplayName).ToList();
            await output.WriteLineAsync($"target {plan.Target.Stage.DisplayName}: {plan.Stages.Count} of {model.Stages.Count} stages"
                + (skipped.Count == 0 ? "" : $" (skipped: {string.Join(", ", skipped)})")).ConfigureAwait(false);
            foreach (var stage in plan.Stages)
            {
                var from = stage.Stage.From with { BaseName = stage.BaseName, Platform = stage.Platform };
                await output.WriteLineAsync($"stage {stage.Index} {stage.Stage.DisplayName} ({InstructionText.Format(from)})").ConfigureAwait(false);
                foreach (var i in stage.Instructions)
                {
                    var prefix = i.FromOnbuild ? "(onbuild) " : "";
                    await output.WriteLineAsync($"  {i.Source.StartLine}: {prefix}{InstructionText.Format(i.Instruction)}").ConfigureAwait(false);
                }
            }

            return 0;
        }
    }
}
