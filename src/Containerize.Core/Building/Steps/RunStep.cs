using System.Runtime.Versioning;
using Containerize.Core.Building.Plan;
using Containerize.Core.Diagnostics;
using Containerize.Core.Dockerfiles.Instructions;
using Containerize.Core.Dockerfiles.Stages;
using Containerize.Core.Images.Transfer;
using Containerize.Core.Runtime;

namespace Containerize.Core.Building.Steps;

/// <summary>
/// RUN: the command in runc over the parent's layers (the runtime's overlay or copy rootfs), its filesystem
/// difference written as the step's layer. The environment is the image's plus the stage's ARG values (ENV wins).
/// </summary>
[SupportedOSPlatform("linux")]
public sealed class RunStep : IStepExecutor
{
    public bool Handles(ResolvedInstruction step) => step.Instruction is RunInstruction;

    public Task<IReadOnlyList<string>> CacheInputsAsync(ResolvedInstruction step, ImageState parent, StepContext context, CancellationToken cancellationToken)
    {
        var run = (RunInstruction)step.Instruction;
        return Task.FromResult<IReadOnlyList<string>>([.. run.FlagsUsed, .. run.Command.Files.Select(f => $"<<{f.Name} {Images.Oci.Digest.Sha256(System.Text.Encoding.UTF8.GetBytes(f.Data))}")]);
    }

    public async Task<StepOutcome> ExecuteAsync(ResolvedInstruction step, ImageState parent, StepContext context, CancellationToken cancellationToken)
    {
        var run = (RunInstruction)step.Instruction;
        var file = context.DockerfilePath;
        var line = step.Source.StartLine;
        if (run.Mounts.Count > 0)
        {
            throw new ContainerizeException(EngineErrors.Unsupported, "RUN --mount is not supported by this engine yet", file, line,
                "use a plain RUN, or build this Dockerfile with `containerize handoff build`");
        }

        var config = parent.ContainerConfig;
        var shell = config.Shell ?? ["/bin/sh", "-c"];
        IReadOnlyList<string> args;
        if (run.Command.Files.Count == 0)
        {
            args = MetadataStep.Argv(run.Command, shell);
        }
        else if (run.Command.Files.Count == 1 && run.Command.PrependShell && string.Join(' ', run.Command.Arguments).Trim().TrimStart('<', '-').Trim('"', '\'') == run.Command.Files[0].Name
            && !run.Command.Files[0].Data.StartsWith("#!", StringComparison.Ordinal))
        {
            // BuildKit: a heredoc that is the whole command is the script the shell runs.
            var f = run.Command.Files[0];
            args = [.. shell, f.Chomp ? Dockerfiles.Parsing.HeredocWords.ChompContent(f.Data) : f.Data];
        }
        else
        {
            throw new ContainerizeException(EngineErrors.Unsupported, "RUN with heredocs other than one script without #! is not supported by this engine yet", file, line,
                "write RUN <<EOF with the script alone, or build this Dockerfile with `containerize handoff build`");
        }
        var env = (config.Env ?? []).ToList();
        var envNames = env.Select(e => e.Split('=', 2)[0]).ToHashSet(StringComparer.Ordinal);
        env.AddRange(context.Args.Where(a => !envNames.Contains(a.Key)).OrderBy(a => a.Key, StringComparer.Ordinal).Select(a => a.Key + "=" + a.Value));

        var store = context.Store;
        var layers = parent.Layers.Zip(parent.Config.RootFs.DiffIds, (blob, diffId) => (RootfsLayer)new TarLayer(diffId, async ct =>
            LayerDecompression.Decompress(await store.OpenBlobAsync(blob.Digest, ct).ConfigureAwait(false), blob.MediaType))).ToList();
        var request = new RunRequest
        {
            Layers = layers,
            Args = args,
            Env = env,
            WorkingDirectory = config.WorkingDir is { Length: > 0 } w ? w : "/",
            User = config.User ?? "",
            Network = run.Network == "none" ? NetworkMode.None : NetworkMode.Host,
            Description = run.Command.Files.Count > 0 ? "<<" + run.Command.Files[0].Name : run.Command.ToString(),
        };

        var runtime = new ContainerRuntime(new RuntimeOptions { Root = context.RuntimeRoot });
        RunResult result;
        try
        {
            result = await runtime.RunAsync(request, context.Sink.Info, cancellationToken).ConfigureAwait(false);
        }
        catch (ContainerizeException e) when (e.Code is RuntimeErrors.CommandFailed or RuntimeErrors.RuncFailed)
        {
            throw new ContainerizeException(EngineErrors.StepFailed, $"{context.StepLabel}: {e.Diagnostic.Message}", file, line,
                (e.Diagnostic.Hint ?? "") + "; the image was not tagged, and the steps before this one are cached", e);
        }

        await using (result.ConfigureAwait(false))
        {
            var entries = result.ToLayerEntries().ToList();
            var createdBy = "RUN " + string.Join(' ', args) + " # buildkit";
            if (entries.Count == 0) return new StepOutcome(config, null, createdBy);
            var layer = await LayerStore.WriteAsync(store, entries, new Images.Layers.LayerWriterOptions(), cancellationToken).ConfigureAwait(false);
            return new StepOutcome(config, layer, createdBy);
        }
    }
}
