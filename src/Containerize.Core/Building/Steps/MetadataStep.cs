using Containerize.Core.Building.Plan;
using Containerize.Core.Dockerfiles.Instructions;
using Containerize.Core.Dockerfiles.Stages;
using Containerize.Core.Images.Oci;

namespace Containerize.Core.Building.Steps;

/// <summary>
/// The instructions that change only the config (ENV, LABEL, EXPOSE, USER, CMD, ENTRYPOINT, VOLUME, STOPSIGNAL,
/// HEALTHCHECK, SHELL, WORKDIR, MAINTAINER, ONBUILD): history gets an empty_layer entry with BuildKit's text
/// (<see cref="BuildKitHistory"/>; ONBUILD none). WORKDIR also adds a layer with its folder when the image does not
/// have it yet. CMD sets ArgsEscaped (BuildKit's dispatchCmd, on every OS), MAINTAINER the config's author.
/// </summary>
public sealed class MetadataStep : IStepExecutor
{
    public bool Handles(ResolvedInstruction step) => step.Instruction is EnvInstruction or LabelInstruction or ExposeInstruction
        or UserInstruction or CmdInstruction or EntrypointInstruction or VolumeInstruction or StopSignalInstruction
        or HealthcheckInstruction or ShellInstruction or WorkdirInstruction or MaintainerInstruction or OnbuildInstruction;

    /// <summary>ENTRYPOINT's result depends on whether a CMD came earlier in the stage, which the parent image does not say.</summary>
    public Task<IReadOnlyList<string>> CacheInputsAsync(ResolvedInstruction step, ImageState parent, StepContext context, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<string>>(step.Instruction is EntrypointInstruction && context.CmdSetInStage ? ["cmd-set-in-stage"] : []);

    public async Task<StepOutcome> ExecuteAsync(ResolvedInstruction step, ImageState parent, StepContext context, CancellationToken cancellationToken)
    {
        var c = parent.ContainerConfig;
        var shell = c.Shell ?? ["/bin/sh", "-c"];
        c = step.Instruction switch
        {
            EnvInstruction e => c with { Env = SetEnv(c.Env, e.Variables) },
            LabelInstruction l => c with { Labels = Merge(c.Labels, l.Labels.Select(kv => (kv.Key, kv.Value))) },
            ExposeInstruction x => c with { ExposedPorts = AddKeys(c.ExposedPorts, ExposedPorts.Parse(x.Ports)) },
            VolumeInstruction v => c with { Volumes = AddKeys(c.Volumes, v.Volumes) },
            UserInstruction u => c with { User = u.User },
            CmdInstruction cmd => c with { Cmd = Argv(cmd.Command, shell), ArgsEscaped = true },
            // BuildKit: ENTRYPOINT resets the CMD unless this stage set one before it.
            EntrypointInstruction ep => c with { Entrypoint = ep.Command is null ? null : Argv(ep.Command, shell), Cmd = context.CmdSetInStage ? c.Cmd : null },
            StopSignalInstruction s => c with { StopSignal = s.Signal },
            ShellInstruction sh => c with { Shell = sh.Shell },
            WorkdirInstruction w => c with { WorkingDir = ResolveWorkdir(c.WorkingDir, w.Path) },
            OnbuildInstruction o => c with { OnBuild = [.. c.OnBuild ?? [], o.Expression] },
            HealthcheckInstruction h => c with { Healthcheck = Health(h) },
            _ => c,
        };
        StepLayer? layer = null;
        if (step.Instruction is WorkdirInstruction && c.WorkingDir is { } dir && dir != "/"
            && await WorkdirFolderAsync(dir, parent, context, step.Source.StartLine, cancellationToken).ConfigureAwait(false) is { } missing)
        {
            // WORKDIR makes the missing folders (0755) as BuildKit does: owned by the USER in force (mkdir -p as that
            // user), while folders the image has keep their mode and owner; one small layer. The config keeps the
            // path as written; the folders are made where its symlinks lead.
            var (uid, gid) = await WorkdirOwnerAsync(c.User, parent, context, cancellationToken).ConfigureAwait(false);
            var entries = new List<Images.Layers.LayerEntry>();
            var path = "";
            foreach (var part in missing.Split('/', StringSplitOptions.RemoveEmptyEntries))
            {
                path = path.Length == 0 ? part : path + "/" + part;
                entries.Add(await context.Directories.FolderAsync(parent, path, cancellationToken).ConfigureAwait(false) is { } existing
                    ? Images.Layers.LayerEntry.Directory(path, existing.Mode) with { Uid = existing.Uid, Gid = existing.Gid }
                    : Images.Layers.LayerEntry.Directory(path, (UnixFileMode)0x1ED) with { Uid = uid, Gid = gid });
            }

            layer = await LayerStore.WriteAsync(context.Store, entries, new Images.Layers.LayerWriterOptions(), context.LayerCompression, cancellationToken).ConfigureAwait(false);
        }

        return new StepOutcome(c, layer, BuildKitHistory.Metadata(step.Instruction, c))
        {
            Author = step.Instruction is MaintainerInstruction m ? m.Maintainer : null,
        };
    }

    /// <summary>
    /// The folder WORKDIR must make, after the image's symlinks (BuildKit's mkdir -p follows them inside the image),
    /// or null when the image has it already.
    /// </summary>
    private static async Task<string?> WorkdirFolderAsync(string dir, ImageState parent, StepContext context, int line, CancellationToken cancellationToken)
    {
        var resolved = await ImagePathResolver.ResolveAsync(context.Directories, parent, dir.Trim('/'), $"WORKDIR {dir}", context.DockerfilePath, line, cancellationToken)
            .ConfigureAwait(false);
        if (resolved.IsFolder) return null;
        if (resolved.Existing is not null)
        {
            throw new Diagnostics.ContainerizeException(BuildErrors.DestinationBlocked, $"WORKDIR {dir}: /{resolved.Path} is a file in the image, not a folder",
                context.DockerfilePath, line, "remove or rename the file in an earlier step, or choose another working directory");
        }

        return resolved.Path;
    }

    private static async Task<(int Uid, int Gid)> WorkdirOwnerAsync(string? user, ImageState parent, StepContext context, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(user) || user is "root" or "0" or "0:0" or "root:root") return (0, 0);
        var rootfs = await context.Rootfs.FullAsync(parent, cancellationToken).ConfigureAwait(false);
        var resolved = Runtime.Users.UserResolver.ResolveInRootfs(user, rootfs);
        return ((int)resolved.Uid, (int)resolved.Gid);
    }

    public static string ResolveWorkdir(string? current, string path)
    {
        var joined = path.StartsWith('/') ? path : (current is null or "" ? "/" : current.TrimEnd('/') + "/") + path;
        var parts = new List<string>();
        foreach (var p in joined.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            if (p == ".") continue;
            if (p == "..") { if (parts.Count > 0) parts.RemoveAt(parts.Count - 1); continue; }
            parts.Add(p);
        }

        return "/" + string.Join('/', parts);
    }

    /// <summary>The argv of a CMD or ENTRYPOINT: the shell form runs through the image's SHELL.</summary>
    public static IReadOnlyList<string> Argv(CommandLine command, IReadOnlyList<string> shell) =>
        command.PrependShell ? [.. shell, string.Join(' ', command.Arguments)] : command.Arguments;

    private static IReadOnlyList<string> SetEnv(IReadOnlyList<string>? env, IEnumerable<KeyValue> values)
    {
        var list = (env ?? []).ToList();
        foreach (var kv in values)
        {
            var index = list.FindIndex(e => e.StartsWith(kv.Key + "=", StringComparison.Ordinal) || e == kv.Key);
            var entry = kv.Key + "=" + kv.Value;
            if (index >= 0) list[index] = entry;
            else list.Add(entry);
        }

        return list;
    }

    private static IReadOnlyDictionary<string, string> Merge(IReadOnlyDictionary<string, string>? labels, IEnumerable<(string Key, string Value)> values)
    {
        var result = new SortedDictionary<string, string>(labels?.ToDictionary() ?? [], StringComparer.Ordinal);
        foreach (var (k, v) in values) result[k] = v;
        return result;
    }

    private static IReadOnlyDictionary<string, EmptyObject> AddKeys(IReadOnlyDictionary<string, EmptyObject>? existing, IEnumerable<string> keys)
    {
        var result = new SortedDictionary<string, EmptyObject>(existing?.ToDictionary() ?? [], StringComparer.Ordinal);
        foreach (var k in keys) result[k] = EmptyObject.Instance;
        return result;
    }

    private static HealthConfig Health(HealthcheckInstruction h)
    {
        if (h.Test is ["NONE"]) return new HealthConfig { Test = ["NONE"] };
        static long? Ns(TimeSpan t) => t == TimeSpan.Zero ? null : t.Ticks * 100;
        return new HealthConfig
        {
            Test = h.Test,
            Interval = Ns(h.Interval),
            Timeout = Ns(h.Timeout),
            StartPeriod = Ns(h.StartPeriod),
            StartInterval = Ns(h.StartInterval),
            Retries = h.Retries == 0 ? null : h.Retries,
        };
    }
}
