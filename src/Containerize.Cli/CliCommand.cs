namespace Containerize.Cli;

/// <summary>What a command sees of the process: its writers and its standard output as bytes.</summary>
internal sealed class CliContext(TextWriter stdout, TextWriter stderr, Func<Stream> openStdout, string workingDirectory)
{
    public TextWriter Out { get; } = stdout;

    public TextWriter Error { get; } = stderr;

    /// <summary>The raw standard output, for commands that write binary data (a tar stream).</summary>
    public Func<Stream> OpenStdout { get; } = openStdout;

    public string WorkingDirectory { get; } = workingDirectory;

    public string FullPath(string path) => Path.GetFullPath(path, WorkingDirectory);
}

/// <summary>
/// One CLI command. Commands are small classes over Containerize.Core; the table in <see cref="CliApp"/> lists them.
/// </summary>
internal abstract class CliCommand
{
    /// <summary>The words that select the command: "dockerfile dump", "build".</summary>
    public abstract string Name { get; }

    public abstract string Usage { get; }

    public abstract string Summary { get; }

    public virtual IReadOnlyList<OptionSpec> Options => [];

    /// <summary>As docker run: everything after the first operand (the image) belongs to the container's command.</summary>
    public virtual bool OptionsEndAtFirstOperand => false;

    public abstract Task<int> RunAsync(CommandArgs args, CliContext context, CancellationToken cancellationToken);
}
