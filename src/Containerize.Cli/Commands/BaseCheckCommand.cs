using Containerize.Core.Diagnostics;
using Containerize.Core.Host;
using Containerize.Core.Publishing;
using Containerize.Core.Registry;

namespace Containerize.Cli.Commands;

/// <summary>
/// Run by Containerize.Sdk's targets on a publish that may be skipped: whether the base tag of the last build still
/// names the same digest (one manifest HEAD). The file is rewritten only when it moved, which makes the image target
/// run again; an unreachable registry is a warning and keeps the last build.
/// </summary>
internal sealed class BaseCheckCommand : CliCommand
{
    public override string Name => "base-check";

    public override string Usage => "containerize base-check obj/container/base.digest";

    public override string Summary => "Ask the registry whether the base tag of the last image build has moved (what a skipped 'dotnet publish' runs).";

    public override async Task<int> RunAsync(CommandArgs args, CliContext context, CancellationToken cancellationToken)
    {
        if (args.Positionals.Count != 1) throw CommandArgs.Bad("one file is required", Usage);
        var path = context.FullPath(args.Positionals[0]);
        var sink = new FileSink(new TextWriterSink(context.Out, context.Error), path);
        using var client = new RegistryClient(new RegistryOptions { Sink = sink });
        await BaseDigestFile.CheckAsync(path, client, sink, cancellationToken).ConfigureAwait(false);
        return 0;
    }

    // Diagnostics name the file, so MSBuild's Exec reads them as warnings of that file (its canonical format).
    private sealed class FileSink(IDiagnosticSink inner, string file) : IDiagnosticSink
    {
        public void Report(Diagnostic diagnostic) => inner.Report(diagnostic with { File = diagnostic.File ?? file });

        public void Info(string message) => inner.Info(message);

        public void Detail(string message) => inner.Detail(message);
    }
}
