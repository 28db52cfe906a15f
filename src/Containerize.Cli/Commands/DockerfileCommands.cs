namespace Containerize.Cli.Commands;

/// <summary>The Dockerfile front end's commands: dump and check. Filled in by the front-end work.</summary>
internal static class DockerfileCommands
{
    public static IEnumerable<CliCommand> All => [];
}
