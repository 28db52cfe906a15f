namespace Containerize.Cli.Commands;

internal static class BuildCommands
{
    public static IEnumerable<CliCommand> All =>
    [
        .. RuntimeCommands.All,
        .. HandoffCommands.All,
        .. EngineCommands.All,
    ];
}
