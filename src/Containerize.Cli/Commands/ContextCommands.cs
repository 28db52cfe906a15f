using System.Text;
using Containerize.Core.Context;
using Containerize.Core.Os;
using Containerize.Core.Diagnostics;

namespace Containerize.Cli.Commands;

/// <summary>The build context's commands: ls, why, tar, and walk (raw include/exclude patterns, for diagnosis).</summary>
internal static class ContextCommands
{
    public static IEnumerable<CliCommand> All => [new Ls(), new Why(), new Tar(), new WalkCommand()];

    private static readonly OptionSpec File = OptionSpec.Value("the Dockerfile (selects <name>.dockerignore beside it)", "-f", "--file");

    private static Task<BuildContext> OpenAsync(CommandArgs args, CliContext context, string dir, CancellationToken ct) =>
        BuildContext.OpenAsync(context.FullPath(dir), args.Get("--file") is { } f ? context.FullPath(f) : null, ct);

    private static string One(CommandArgs args, int count, string usage)
    {
        if (args.Positionals.Count != count) throw CommandArgs.Bad($"expected {count} argument(s)", usage);
        return args.Positionals[0];
    }

    private sealed class Ls : CliCommand
    {
        public override string Name => "context ls";

        public override string Usage => "containerize context ls [-f Dockerfile] [--digests] [--cache-dir DIR] [--strict] DIR";

        public override string Summary => "list the files and symlinks of the build context, as the build sees them";

        public override IReadOnlyList<OptionSpec> Options =>
        [
            File,
            OptionSpec.Flag("print 'sha256:<hex> <path>' from a snapshot (digests cached on disk)", "--digests"),
            OptionSpec.Value("the digest cache folder (default: $XDG_CACHE_HOME/containerize)", "--cache-dir"),
            OptionSpec.Flag("make hygiene warnings errors", "--strict"),
        ];

        public override async Task<int> RunAsync(CommandArgs args, CliContext context, CancellationToken cancellationToken)
        {
            var dir = One(args, 1, Usage);
            var ctx = await OpenAsync(args, context, dir, cancellationToken).ConfigureAwait(false);
            var sink = new TextWriterSink(context.Out, context.Error);
            var hygiene = new ContextHygiene(ctx, HygieneOptions.Default with { Strict = args.Has("--strict") });
            var stdout = context.OpenStdout();
            await using (stdout.ConfigureAwait(false))
            {
                var writer = new StreamWriter(stdout, new UTF8Encoding(false), 1 << 16) { NewLine = "\n" };
                await using (writer.ConfigureAwait(false))
                {
                    if (args.Has("--digests"))
                    {
                        var cache = DigestCache.ForContext(ctx.Root, args.Get("--cache-dir") is { } c ? context.FullPath(c) : null);
                        var snapshot = await ContextSnapshot.CreateAsync(ctx, cache, sink, hygiene, cancellationToken).ConfigureAwait(false);
                        await snapshot.ComputeDigestsAsync(cancellationToken).ConfigureAwait(false);
                        foreach (var e in snapshot.Entries)
                        {
                            if (e.Type == EntryType.File)
                            {
                                // Three writes rather than an interpolated line: no string per file.
                                writer.Write(e.Digest);
                                writer.Write(' ');
                                writer.WriteLine(e.Path);
                            }
                            else if (e.Type == EntryType.Symlink) writer.WriteLine($"symlink {e.Path} -> {e.LinkTarget}");
                        }

                        PhaseTimer.Mark("digests listed");
                        await snapshot.SaveCacheAsync(cancellationToken).ConfigureAwait(false);
                    }
                    else
                    {
                        ctx.WriteListing(writer, hygiene, sink, cancellationToken);
                    }
                }
            }

            PhaseTimer.Mark("walk and listing");
            hygiene.Finish(sink);
            // A COPY/ADD source the ignore file excludes makes the build fail or silently miss it: say so before any build.
            var sourceProblems = await DockerfileSources.CheckAsync(ctx, args.Has("--strict"), cancellationToken).ConfigureAwait(false);
            foreach (var d in sourceProblems) sink.Report(d);
            PhaseTimer.Mark("COPY sources checked");
            return sourceProblems.Any(d => d.Severity == Severity.Error) ? 1 : 0;
        }
    }

    private sealed class Why : CliCommand
    {
        public override string Name => "context why";

        public override string Usage => "containerize context why [-f Dockerfile] DIR PATH";

        public override string Summary => "explain whether a path is in the build context, and which .dockerignore line decides";

        public override IReadOnlyList<OptionSpec> Options => [File];

        public override async Task<int> RunAsync(CommandArgs args, CliContext context, CancellationToken cancellationToken)
        {
            var dir = One(args, 2, Usage);
            var ctx = await OpenAsync(args, context, dir, cancellationToken).ConfigureAwait(false);
            var path = args.Positionals[1];
            await context.Out.WriteLineAsync($"{ctx.ToContextPath(path)}: {ctx.Explain(path)}").ConfigureAwait(false);
            return 0;
        }
    }

    private sealed class Tar : CliCommand
    {
        public override string Name => "context tar";

        public override string Usage => "containerize context tar [-f Dockerfile] [--exact] DIR > context.tar";

        public override string Summary => "write the build context as the tar stream the docker client sends";

        public override IReadOnlyList<OptionSpec> Options =>
        [
            File,
            OptionSpec.Flag("exactly what 'context ls' lists: no forced Dockerfile/.dockerignore (BuildKit does not filter a tar context)", "--exact"),
        ];

        public override async Task<int> RunAsync(CommandArgs args, CliContext context, CancellationToken cancellationToken)
        {
            var dir = One(args, 1, Usage);
            var ctx = await OpenAsync(args, context, dir, cancellationToken).ConfigureAwait(false);
            var sink = new TextWriterSink(context.Out, context.Error);
            var stdout = context.OpenStdout();
            await using (stdout.ConfigureAwait(false))
            {
                await ContextTar.WriteAsync(args.Has("--exact") ? ctx : ctx.ForDockerClient(), stdout, ContextTarOptions.FromEnvironment(), sink, cancellationToken).ConfigureAwait(false);
            }

            return 0;
        }
    }

    private sealed class WalkCommand : CliCommand
    {
        public override string Name => "context walk";

        public override string Usage => "containerize context walk [--include PATTERN]... [--exclude PATTERN]... DIR";

        public override string Summary => "walk a folder with raw include/exclude patterns, as BuildKit's sender does (diagnostics)";

        public override IReadOnlyList<OptionSpec> Options =>
        [
            OptionSpec.Many("a pattern the path must match", "--include"),
            OptionSpec.Many("a pattern the path must not match", "--exclude"),
        ];

        public override Task<int> RunAsync(CommandArgs args, CliContext context, CancellationToken cancellationToken)
        {
            var dir = One(args, 1, Usage);
            var includes = args.GetAll("--include");
            var excludes = args.GetAll("--exclude");
            var filter = new ContextFilter(
                excludes.Count > 0 ? PatternMatcher.Create(excludes) : null,
                includes.Count > 0 ? PatternMatcher.Create(includes) : null);
            var walker = new ContextWalker(context.FullPath(dir), filter);
            walker.Walk(e =>
            {
                context.Out.WriteLine(e.IsDirectory ? e.Path + "/" : e.Path);
                return WalkAction.Continue;
            }, cancellationToken);
            return Task.FromResult(0);
        }
    }
}
