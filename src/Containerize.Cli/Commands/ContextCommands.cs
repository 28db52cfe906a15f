namespace Containerize.Cli.Commands;

internal static class ContextCommands
{
    public static IEnumerable<CliCommand> All => [];
}
