namespace Containerize.Cli.Commands;

internal static class RegistryCommands
{
    public static IEnumerable<CliCommand> All => [];
}
