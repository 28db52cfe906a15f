namespace Containerize.Cli.Commands;

internal static class BuildCommands
{
    public static IEnumerable<CliCommand> All =>
    [
        .. HandoffCommands.All,
        .. RuntimeCommands.All,
        .. EngineCommands.All,
    ];
}
