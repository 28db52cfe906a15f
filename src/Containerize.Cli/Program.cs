using System.Runtime.InteropServices;
using Containerize.Cli;
using Containerize.Core.Diagnostics;

PhaseTimer.Mark("main");

using var cancellation = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cancellation.Cancel();
};

// SIGTERM (docker stop, CI timeouts, `kill`) must cancel too, so that a running container is killed and its
// bundle and mounts are cleaned up instead of being orphaned when the process exits.
using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
{
    context.Cancel = true;
    cancellation.Cancel();
});

var exit = await CliApp.RunAsync(args, Console.Out, Console.Error, cancellation.Token);
PhaseTimer.Mark("command done");
PhaseTimer.Report(Console.Error);
return exit;
