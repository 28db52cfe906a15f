namespace Containerize.Cli.Commands;

internal static class ImageCommands
{
    public static IEnumerable<CliCommand> All => [.. LayerCommands.All];
}
