using Containerize.Core.Images.Store;
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
public sealed class RunStep : IStepExecutor
{
    public bool Handles(ResolvedInstruction step) => step.Instruction is RunInstruction;

    public Task<IReadOnlyList<string>> CacheInputsAsync(ResolvedInstruction step, ImageState parent, StepContext context, CancellationToken cancellationToken)
    {
        var run = (RunInstruction)step.Instruction;
        return InputsAsync(run, context, context.DockerfilePath, step.Source.StartLine, cancellationToken);
    }

    /// <summary>
    /// The stage's own ARG names, which BuildKit prints before the command in history ("|2 A=1 B="): the parent image
    /// does not say which ARGs its stage declared, and a declared ARG without a value is in no other key line.
    /// </summary>
    private static IEnumerable<string> DeclaredArgs(StepContext context) =>
        context.StageArgs.Count == 0 ? [] : ["declared-args:" + string.Join(' ', context.StageArgs)];

    private static async Task<IReadOnlyList<string>> InputsAsync(RunInstruction run, StepContext context, string file, int line, CancellationToken cancellationToken)
    {
        List<string> inputs = [.. DeclaredArgs(context), .. run.FlagsUsed, .. run.Command.Files.Select(f => $"<<{f.Name} {Images.Oci.Digest.Sha256(System.Text.Encoding.UTF8.GetBytes(f.Data))}")];
        foreach (var m in run.Mounts.Where(m => m.Type == MountType.Bind))
        {
            // A bind mount's content is an input, as BuildKit keys it: the context's files (where source= leads
            // inside the context) or the source stage.
            if (m.From is null)
            {
                var sub = BindSource.InSnapshot(context.Snapshot, m.Source, "the build context", file, line);
                inputs.Add($"bind {m.Source} {await context.Snapshot.TreeDigestAsync(sub.Length == 0 ? "." : sub, cancellationToken).ConfigureAwait(false)}");
            }
            else if (context.NamedContexts.FolderOf(m.From) is not null)
            {
                var named = await context.NamedContexts.SnapshotAsync(m.From, context.Sink, cancellationToken).ConfigureAwait(false);
                var sub = BindSource.InSnapshot(named, m.Source, $"build context '{m.From}'", file, line);
                inputs.Add($"bind context:{m.From} {m.Source} {await named.TreeDigestAsync(sub.Length == 0 ? "." : sub, cancellationToken).ConfigureAwait(false)}");
            }
            else
            {
                inputs.Add($"bind {m.From} {(await context.Images.ResolveAsync(m.From, FromStage(m, context), cancellationToken).ConfigureAwait(false)).Manifest?.Digest} {m.Source}");
            }
        }

        foreach (var m in run.Mounts.Where(m => m.Type == MountType.Secret))
        {
            // As BuildKit: the secret's id and mount options are part of the step, its bytes are not (a rotated
            // CA bundle or token must not invalidate the layers it helped build).
            inputs.Add($"secret {SecretId(m)} given={context.Secrets.ContainsKey(SecretId(m))}");
        }

        return inputs;
    }

    private static int? FromStage(RunMount m, StepContext context) =>
        context.Plan.Stages.FirstOrDefault(s => s.Stage.Name is { } n && string.Equals(n, m.From, StringComparison.OrdinalIgnoreCase))?.Index
        ?? (int.TryParse(m.From, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var i) ? i : null);

    /// <summary>
    /// The front end's --mount onto the runtime's: cache and tmpfs as they are, bind from the context, a named context
    /// or a stage, secrets and ssh agents from the request. Null: an optional secret or agent that was not given.
    /// </summary>
    private static async Task<Runtime.Mounts.RunMount?> MountAsync(RunMount m, int sshIndex, StepContext context, string file, int line, CancellationToken cancellationToken)
    {
        switch (m.Type)
        {
            case MountType.Cache:
                return new Runtime.Mounts.CacheMount(Target(m, file, line), m.CacheId, m.Sharing switch
                {
                    Dockerfiles.Instructions.CacheSharing.Private => Runtime.Mounts.CacheSharing.Private,
                    Dockerfiles.Instructions.CacheSharing.Locked => Runtime.Mounts.CacheSharing.Locked,
                    _ => Runtime.Mounts.CacheSharing.Shared,
                }, m.Uid ?? 0, m.Gid ?? 0, m.Mode ?? 0x1ED, m.ReadOnly);
            case MountType.Tmpfs:
                return new Runtime.Mounts.TmpfsMount(Target(m, file, line), m.SizeLimit > 0 ? m.SizeLimit : null);
            case MountType.Bind:
                string root;
                var sub = string.IsNullOrEmpty(m.Source) ? null : m.Source;
                if (m.From is null)
                {
                    // The context as BuildKit sends it: without what .dockerignore excludes; source= where it leads inside it.
                    root = context.NamedContexts.MountableFolder(context.Snapshot, cancellationToken);
                    sub = BindSource.InSnapshot(context.Snapshot, m.Source, "the build context", file, line);
                }
                else if (context.NamedContexts.FolderOf(m.From) is not null)
                {
                    var named = await context.NamedContexts.SnapshotAsync(m.From, context.Sink, cancellationToken).ConfigureAwait(false);
                    root = context.NamedContexts.MountableFolder(named, cancellationToken);
                    sub = BindSource.InSnapshot(named, m.Source, $"build context '{m.From}'", file, line);
                }
                else
                {
                    // A stage's rootfs: the runtime resolves source= inside it (MountPreparer).
                    root = await context.Rootfs.FullAsync(await context.Images.ResolveAsync(m.From, FromStage(m, context), cancellationToken).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
                }

                return new Runtime.Mounts.BindMount(Target(m, file, line), root, string.IsNullOrEmpty(sub) ? null : sub, ReadWrite: !m.ReadOnly);
            case MountType.Secret:
                var id = SecretId(m);
                if (!context.Secrets.TryGetValue(id, out var secretFile))
                {
                    if (!m.Required) return null;
                    throw new ContainerizeException(BuildErrors.SecretMissing, $"{context.StepLabel}: the required secret '{id}' was not given", file, line,
                        $"pass it with `--secret id={id},src=FILE` (or `id={id},env=VARIABLE`), or drop required=true");
                }

                // env= alone exposes the secret as a variable only (BuildKit's dockerfile 1.10 rule); target= adds the file.
                if (m.Env is not null && m.Target is null) return null;
                return new Runtime.Mounts.SecretMount(id, secretFile, m.Target ?? "/run/secrets/" + id.Split('/')[^1], m.Uid ?? 0, m.Gid ?? 0, m.Mode ?? 0x100);
            case MountType.Ssh:
                var agentId = string.IsNullOrEmpty(m.CacheId) ? "default" : m.CacheId;
                if (!context.SshAgents.TryGetValue(agentId, out var socket))
                {
                    if (!m.Required) return null;
                    throw new ContainerizeException(BuildErrors.SshAgentMissing, $"{context.StepLabel}: the required ssh agent '{agentId}' was not given", file, line,
                        $"pass it with `--ssh {agentId}` (SSH_AUTH_SOCK) or `--ssh {agentId}=/path/to/agent.sock`");
                }

                // The agent's socket itself, bound read-only (connect() needs no write access to the mount). It is the
                // user's own path, so it is the mount's root: a sub-path would be resolved inside its folder.
                return new Runtime.Mounts.BindMount(SshTarget(m, sshIndex), socket);
            default:
                throw new ContainerizeException(BuildErrors.Unsupported, $"RUN --mount=type={m.Type.ToString().ToLowerInvariant()} is not supported by this engine", file, line,
                    "build this Dockerfile with `containerize handoff build`");
        }
    }

    private static string Target(RunMount m, string file, int line) =>
        m.Target ?? throw new ContainerizeException(BuildErrors.Unsupported, $"RUN --mount=type={m.Type.ToString().ToLowerInvariant()} needs a target", file, line, "write target=/path");

    /// <summary>BuildKit's dispatchSecret: source= (or id=), else the target's file name.</summary>
    internal static string SecretId(RunMount m) =>
        m.Source ?? (string.IsNullOrEmpty(m.CacheId) ? (m.Target ?? "").TrimEnd('/').Split('/')[^1] : m.CacheId);

    /// <summary>BuildKit's default ssh target is /run/buildkit/ssh_agent.N, N counting the step's ssh mounts.</summary>
    private static string SshTarget(RunMount m, int index) =>
        string.IsNullOrEmpty(m.Target) ? "/run/buildkit/ssh_agent." + index.ToString(System.Globalization.CultureInfo.InvariantCulture) : m.Target;

    /// <summary>
    /// RUN executes in runc, which needs a Linux kernel; every other step (and so Host mode, whose Dockerfile has no
    /// RUN) works anywhere. The hint names the two ways that work from this machine.
    /// </summary>
    internal static ContainerizeException NeedsLinux(StepContext context, string file, int line) =>
        new(BuildErrors.RunNeedsLinux,
            $"{context.StepLabel}: RUN needs Linux and runc, and this is {Os.HostRules.Current.Os}", file, line,
            "hand the Dockerfile to Docker or Podman (`-p:ContainerBuildEngine=Docker`, or `containerize build --engine docker`), " +
            "or publish in Host mode (`ContainerBuildMode=Host`, the default), whose Dockerfile has no RUN");

    /// <summary>Where BuildKit mounts a RUN heredoc script that starts with #! (read-only, outside the layer).</summary>
    private const string PipesFolder = "/dev/pipes";

    /// <summary>
    /// BuildKit's dispatchRun for heredocs: a command that is one heredoc runs its body with the shell, or, when the
    /// body starts with #!, as an executable file mounted under /dev/pipes; any other command gets the bodies
    /// appended ("\n" + body + terminator) and the shell runs the whole text.
    /// </summary>
    [SupportedOSPlatform("linux")]
    private static (IReadOnlyList<string> Args, string? ScriptFolder) HeredocArgv(CommandLine command, IReadOnlyList<string> shell, string runtimeRoot, string file, int line)
    {
        if (!command.PrependShell || command.Arguments.Count != 1)
        {
            throw new ContainerizeException(BuildErrors.Unsupported, $"parsing produced an invalid run command: [{string.Join(' ', command.Arguments)}]", file, line,
                "write heredocs in the shell form of RUN");
        }

        var words = command.Arguments[0];
        if (Dockerfiles.Parsing.HeredocWords.Parse(words, file, line) is null)
        {
            var full = words + string.Concat(command.Files.Select(f => "\n" + f.Data + f.Name));
            return ([.. shell, full], null);
        }

        var doc = command.Files[0];
        var data = doc.Chomp ? Dockerfiles.Parsing.HeredocWords.ChompContent(doc.Data) : doc.Data;
        if (!doc.Data.StartsWith("#!", StringComparison.Ordinal)) return ([.. shell, data], null);

        var folder = Path.Combine(runtimeRoot, "heredocs", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        var script = Path.Combine(folder, doc.Name);
        File.WriteAllText(script, data);
        File.SetUnixFileMode(script, (UnixFileMode)0x1ED /* 0755 */);
        File.SetUnixFileMode(folder, (UnixFileMode)0x1ED);
        return ([.. shell, PipesFolder + "/" + doc.Name], folder);
    }

    /// <summary>
    /// The entries of a RUN layer as Docker 26's BuildKit writes them, so that the same change gives the same tar:
    /// whiteouts are 0600 files, an opaque marker has its folder's mode, and a non-empty layer lists /etc (as the
    /// parent has it), which BuildKit's layers always do because it mounts /etc/hosts and /etc/resolv.conf there.
    /// </summary>
    private static async Task<List<Images.Layers.LayerEntry>> BuildKitShapeAsync(
        List<Images.Layers.LayerEntry> entries, ImageState parent, StepContext context, CancellationToken cancellationToken)
    {
        if (entries.Count == 0) return entries;
        var folders = entries.Where(e => e.Kind == Images.Layers.LayerEntryKind.Directory).GroupBy(e => e.Path.Trim('/'), StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Last().Mode, StringComparer.Ordinal);
        var shaped = entries.Select(e => e.Kind switch
        {
            Images.Layers.LayerEntryKind.Whiteout => e with { Mode = (UnixFileMode)0x180 },
            Images.Layers.LayerEntryKind.OpaqueWhiteout => e with { Mode = folders.GetValueOrDefault(e.Path.Trim('/')) ?? (UnixFileMode)0x1ED },
            _ => e,
        }).ToList();
        if (!entries.Any(e => e.Path.Trim('/') == "etc") && await context.Directories.FolderAsync(parent, "etc", cancellationToken).ConfigureAwait(false) is { } etc)
        {
            shaped.Add(Images.Layers.LayerEntry.Directory("etc", etc.Mode) with { Uid = etc.Uid, Gid = etc.Gid });
        }

        return shaped;
    }

    public async Task<StepOutcome> ExecuteAsync(ResolvedInstruction step, ImageState parent, StepContext context, CancellationToken cancellationToken)
    {
        var run = (RunInstruction)step.Instruction;
        var file = context.DockerfilePath;
        var line = step.Source.StartLine;
        // Checked when the step must really run (a cached RUN needs no runtime), before anything is written.
        if (!OperatingSystem.IsLinux() || Os.HostRules.Current.Os != Os.HostOs.Linux) throw NeedsLinux(context, file, line);
        if (!BuildPlatforms.CanRun(parent.Config))
        {
            throw new ContainerizeException(BuildErrors.ForeignPlatformRun,
                $"{context.StepLabel}: RUN for {parent.Config.Platform} cannot run on this {BuildPlatforms.Host} machine (no binfmt/qemu emulation)", file, line,
                "build for this machine's platform, run the step in a stage FROM --platform=$BUILDPLATFORM, or build with `containerize handoff build` on an engine with emulation");
        }

        var mounts = new List<Runtime.Mounts.RunMount>();
        var secretEnv = new List<string>();
        string? firstSshTarget = null;
        var sshIndex = 0;
        foreach (var m in run.Mounts)
        {
            var mount = await MountAsync(m, m.Type == MountType.Ssh ? sshIndex : 0, context, file, line, cancellationToken).ConfigureAwait(false);
            if (m.Type == MountType.Ssh)
            {
                if (mount is not null) firstSshTarget ??= mount.Target;
                sshIndex++;
            }

            if (m.Type == MountType.Secret && m.Env is { Length: > 0 } envName && context.Secrets.TryGetValue(SecretId(m), out var secretFile))
            {
                secretEnv.Add(envName + "=" + await File.ReadAllTextAsync(secretFile, cancellationToken).ConfigureAwait(false));
            }

            if (mount is not null) mounts.Add(mount);
        }

        var config = parent.ContainerConfig;
        var shell = config.Shell ?? ["/bin/sh", "-c"];
        IReadOnlyList<string> args;
        string? scriptFolder = null;
        if (run.Command.Files.Count == 0)
        {
            args = MetadataStep.Argv(run.Command, shell);
        }
        else
        {
            (args, scriptFolder) = HeredocArgv(run.Command, shell, context.RuntimeRoot, file, line);
            if (scriptFolder is not null) mounts.Add(new Runtime.Mounts.BindMount(PipesFolder, scriptFolder));
        }

        var env = (config.Env ?? []).ToList();
        var envNames = env.Select(e => e.Split('=', 2)[0]).ToHashSet(StringComparer.Ordinal);
        foreach (var (key, value) in context.Args.OrderBy(a => a.Key, StringComparer.Ordinal))
        {
            if (!envNames.Contains(key)) env.Add(key + "=" + value);
            else if (context.ArgsOverEnv.Contains(key)) env[env.FindIndex(e => e.Split('=', 2)[0] == key)] = key + "=" + value;
        }

        if (firstSshTarget is not null && !envNames.Contains("SSH_AUTH_SOCK")) env.Add("SSH_AUTH_SOCK=" + firstSshTarget);

        var store = context.Store;
        var layers = parent.Layers.Zip(parent.Config.RootFs.DiffIds, (blob, diffId) => (RootfsLayer)new TarLayer(diffId, async ct =>
            LayerDecompression.Decompress(await store.OpenLayerAsync(blob, cancellationToken: ct).ConfigureAwait(false), blob.MediaType))).ToList();
        var request = new RunRequest
        {
            Layers = layers,
            Args = args,
            Env = env,
            WorkingDirectory = config.WorkingDir is { Length: > 0 } w ? w : "/",
            User = config.User ?? "",
            Network = run.Network == "none" ? NetworkMode.None : NetworkMode.Host,
            Mounts = mounts,
            SecretEnv = secretEnv,
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
            throw new ContainerizeException(BuildErrors.StepFailed, $"{context.StepLabel}: {e.Diagnostic.Message}", file, line,
                (e.Diagnostic.Hint ?? "") + "; the image was not tagged, and the steps before this one are cached", e);
        }
        finally
        {
            if (scriptFolder is not null) Directory.Delete(scriptFolder, recursive: true);
        }

        await using (result.ConfigureAwait(false))
        {
            var entries = await BuildKitShapeAsync(result.ToLayerEntries().ToList(), parent, context, cancellationToken).ConfigureAwait(false);
            var createdBy = BuildKitHistory.Run(args, context.StageArgs, env);
            if (entries.Count == 0) return new StepOutcome(config, null, createdBy);
            var layer = await LayerStore.WriteAsync(store, entries, new Images.Layers.LayerWriterOptions(), context.LayerCompression, cancellationToken).ConfigureAwait(false);
            return new StepOutcome(config, layer, createdBy);
        }
    }
}
