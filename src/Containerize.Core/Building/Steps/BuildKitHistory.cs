using System.Globalization;
using System.Text;
using Containerize.Core.Dockerfiles.Instructions;
using Containerize.Core.Images.Oci;

namespace Containerize.Core.Building.Steps;

/// <summary>
/// The history <c>created_by</c> texts of Docker 26's BuildKit (0.13, dockerfile2llb's dispatchers and
/// commitToHistory), so that <c>history</c> shows what <c>docker history</c> shows for the same Dockerfile. Each
/// dispatcher formats with Go's fmt: <c>%v</c> of a string slice is <c>[a b]</c>, <c>%q</c> of one is
/// <c>["a" "b"]</c> (strconv.Quote), <c>%v</c> of EXPOSE's port set is a Go map (sorted keys). RUN and COPY/ADD
/// end in <c># buildkit</c> (they commit an LLB state); WORKDIR does not even when it adds a layer.
/// </summary>
public static class BuildKitHistory
{
    public const string StateSuffix = " # buildkit";

    /// <summary>
    /// The text of a config-only instruction, with <paramref name="config"/> the config after it (WORKDIR's normalized
    /// path, HEALTHCHECK's settings); null for ONBUILD, which BuildKit records in the config only.
    /// </summary>
    public static string? Metadata(Instruction instruction, ContainerConfig config) => instruction switch
    {
        EnvInstruction e => "ENV" + string.Concat(e.Variables.Select(kv => " " + kv.Key + "=" + kv.Value)),
        LabelInstruction l => "LABEL" + string.Concat(l.Labels.Select(kv => " " + kv.Key + "=" + kv.Value)),
        ExposeInstruction x => "EXPOSE map[" + string.Join(' ', ExposedPorts.Parse(x.Ports).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).Select(p => p + ":{}")) + "]",
        VolumeInstruction v => "VOLUME " + GoList(v.Volumes),
        UserInstruction u => "USER " + u.User,
        CmdInstruction => "CMD " + GoQuotedList(config.Cmd ?? []),
        EntrypointInstruction => "ENTRYPOINT " + GoQuotedList(config.Entrypoint ?? []),
        StopSignalInstruction s => "STOPSIGNAL " + s.Signal,
        ShellInstruction sh => "SHELL " + GoList(sh.Shell),
        WorkdirInstruction => "WORKDIR " + config.WorkingDir,
        MaintainerInstruction m => "MAINTAINER " + m.Maintainer,
        HealthcheckInstruction h => "HEALTHCHECK " + Healthcheck(h),
        OnbuildInstruction => null,
        _ => throw new ArgumentException($"{instruction.Keyword} is not a config-only instruction", nameof(instruction)),
    };

    /// <summary>dispatchCopy's commit message: the flags it prints (not --from, --link, --checksum, --exclude), the sources as written, heredoc names, the destination.</summary>
    public static string Copy(Instruction instruction)
    {
        var (keyword, parents, chown, chmod, paths) = instruction switch
        {
            CopyInstruction c => ("COPY", c.Parents, c.Chown, c.Chmod, c.Paths),
            AddInstruction a => ("ADD", false, a.Chown, a.Chmod, a.Paths),
            _ => throw new ArgumentException($"{instruction.Keyword} is not COPY or ADD", nameof(instruction)),
        };
        var sb = new StringBuilder(keyword);
        if (parents) sb.Append(" --parents");
        if (!string.IsNullOrEmpty(chown)) sb.Append(" --chown=").Append(chown);
        if (!string.IsNullOrEmpty(chmod)) sb.Append(" --chmod=").Append(chmod);
        foreach (var src in paths.SourcePaths) sb.Append(' ').Append(src);
        foreach (var doc in paths.SourceContents) sb.Append(" <<").Append(doc.Name);
        return sb.Append(' ').Append(paths.DestPath).Append(StateSuffix).ToString();
    }

    /// <summary>
    /// dispatchRun's text: runCommandString's "|N k=v ..." of the stage's own ARG declarations (in order, repeats kept;
    /// the value the RUN's environment has, else the empty string), then the argv joined by blanks.
    /// </summary>
    public static string Run(IReadOnlyList<string> args, IReadOnlyList<string> stageArgs, IReadOnlyList<string> environment)
    {
        var sb = new StringBuilder("RUN ");
        if (stageArgs.Count > 0)
        {
            var env = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var entry in environment)
            {
                var eq = entry.IndexOf('=');
                if (eq > 0) env[entry[..eq]] = entry[(eq + 1)..];
            }

            sb.Append('|').Append(stageArgs.Count.ToString(CultureInfo.InvariantCulture)).Append(' ');
            foreach (var key in stageArgs) sb.Append(key).Append('=').Append(env.GetValueOrDefault(key, "")).Append(' ');
        }

        return sb.Append(string.Join(' ', args)).Append(StateSuffix).ToString();
    }

    /// <summary>dispatchArg's text: each name with its default as written (after expansion), not the value a build arg gives.</summary>
    public static string Arg(IEnumerable<ArgDefinition> declared) =>
        "ARG " + string.Join(' ', declared.Select(d => d.Value is null ? d.Key : d.Key + "=" + d.Value));

    /// <summary>Go's <c>%q</c> of BuildKit's HealthcheckConfig pointer: <c>&amp;{["CMD" "x"] "30s" "0s" "0s" "0s" '\x03'}</c>.</summary>
    private static string Healthcheck(HealthcheckInstruction h) =>
        "&{" + GoQuotedList(h.Test) + " " + string.Join(' ', new[] { h.Interval, h.Timeout, h.StartPeriod, h.StartInterval }.Select(t => GoQuote(GoDuration.Format(t))))
        + " " + GoQuoteRune(h.Retries) + "}";

    /// <summary>Go's <c>%v</c> of a string slice.</summary>
    public static string GoList(IEnumerable<string> items) => "[" + string.Join(' ', items) + "]";

    /// <summary>Go's <c>%q</c> of a string slice.</summary>
    public static string GoQuotedList(IEnumerable<string> items) => "[" + string.Join(' ', items.Select(GoQuote)) + "]";

    /// <summary>Go's strconv.Quote (the one implementation, shared with the AST dump).</summary>
    public static string GoQuote(string value) => Dockerfiles.Parsing.GoQuote.Quote(value);

    /// <summary>Go's <c>%q</c> of an int (strconv.QuoteRune).</summary>
    public static string GoQuoteRune(int value) => Dockerfiles.Parsing.GoQuote.QuoteRune(value);
}
