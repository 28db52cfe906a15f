using Containerize.Cli.Commands;
using Containerize.Core.Diagnostics;

namespace Containerize.Cli;

/// <summary>The <c>containerize</c> command: finds the command, runs it, and turns coded errors into exit code 1.</summary>
public static class CliApp
{
    private static readonly CliCommand[] Commands =
    [
        .. DockerfileCommands.All,
        .. ContextCommands.All,
        .. ImageCommands.All,
        .. SupplyCommands.All,
        .. RegistryCommands.All,
        .. SigningCommands.All,
        .. BuildCommands.All,
    ];

    public static Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken) =>
        RunAsync(args, stdout, stderr, Console.OpenStandardOutput, Environment.CurrentDirectory, cancellationToken);

    public static async Task<int> RunAsync(
        string[] args, TextWriter stdout, TextWriter stderr, Func<Stream> openStdout, string workingDirectory, CancellationToken cancellationToken)
    {
        var context = new CliContext(stdout, stderr, openStdout, workingDirectory);
        if (args.Length == 0 || args[0] is "-h" or "--help" or "help")
        {
            PrintHelp(stdout);
            return args.Length == 0 ? 2 : 0;
        }

        if (args[0] is "--version")
        {
            stdout.WriteLine(typeof(CliApp).Assembly.GetName().Version?.ToString(3));
            return 0;
        }

        // The longest command name that the arguments start with wins ("store check" over "store").
        var command = Commands
            .Where(c => Matches(c.Name, args))
            .OrderByDescending(c => c.Name.Length)
            .FirstOrDefault();
        if (command is null)
        {
            stderr.WriteLine(new Diagnostic(GeneralErrors.UnknownCommand, Severity.Error, $"unknown command '{string.Join(' ', args.TakeWhile(a => !a.StartsWith('-')).Take(2))}'",
                Hint: "run 'containerize --help' for the list of commands").ToDisplayString());
            return 1;
        }

        var rest = args.Skip(command.Name.Split(' ').Length).ToArray();
        if ((command.OptionsEndAtFirstOperand ? rest.TakeWhile(a => a.StartsWith('-')) : rest).Any(a => a is "-h" or "--help"))
        {
            PrintCommandHelp(stdout, command);
            return 0;
        }

        try
        {
            var parsed = CommandArgs.Parse(rest, command.Options, command.Usage, command.OptionsEndAtFirstOperand);
            PhaseTimer.Mark("command line parsed");
            return await command.RunAsync(parsed, context, cancellationToken).ConfigureAwait(false);
        }
        catch (ContainerizeException e)
        {
            stderr.WriteLine(e.Diagnostic.ToDisplayString());
            return 1;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            stderr.WriteLine(new Diagnostic(GeneralErrors.Cancelled, Severity.Error, "cancelled").ToString());
            return 130;
        }
        catch (IOException e)
        {
            stderr.WriteLine(new Diagnostic(GeneralErrors.IoError, Severity.Error, e.Message).ToString());
            return 1;
        }
        catch (UnauthorizedAccessException e)
        {
            stderr.WriteLine(new Diagnostic(GeneralErrors.IoError, Severity.Error, e.Message, Hint: "check the permissions of the path").ToDisplayString());
            return 1;
        }
    }

    private static bool Matches(string name, string[] args)
    {
        var words = name.Split(' ');
        return words.Length <= args.Length && words.Select((w, i) => w == args[i]).All(b => b);
    }

    private static void PrintHelp(TextWriter output)
    {
        output.WriteLine("containerize: build OCI images from Dockerfiles and .NET projects, without a daemon.");
        output.WriteLine();
        output.WriteLine("Commands:");
        foreach (var c in Commands.OrderBy(c => c.Name, StringComparer.Ordinal))
        {
            output.WriteLine($"  {c.Name,-22} {c.Summary}");
        }

        output.WriteLine();
        output.WriteLine("Run 'containerize COMMAND --help' for a command's options.");
    }

    private static void PrintCommandHelp(TextWriter output, CliCommand command)
    {
        output.WriteLine($"usage: {command.Usage}");
        output.WriteLine();
        output.WriteLine(command.Summary);
        if (command.Options.Count == 0) return;
        output.WriteLine();
        foreach (var o in command.Options)
        {
            var names = string.Join(", ", o.Names) + (o.TakesValue ? " VALUE" : "");
            output.WriteLine($"  {names,-26} {o.Help}");
        }
    }
}
