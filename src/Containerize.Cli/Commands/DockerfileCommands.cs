using System.Text;
using Containerize.Core.Dockerfiles.Parsing;

namespace Containerize.Cli.Commands;

/// <summary>The Dockerfile front end's commands: dump (BuildKit's AST dump) and check (stages and expanded instructions).</summary>
internal static class DockerfileCommands
{
    public static IEnumerable<CliCommand> All => [new DumpCommand()];

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
}
