using System.Globalization;
using System.Text;

namespace Containerize.Core.Dockerfiles.Instructions;

/// <summary>
/// Renders a typed instruction back as one readable Dockerfile-like line (for <c>dockerfile check</c> and build logs):
/// flags first, exec form as JSON, values with blanks quoted.
/// </summary>
public static class InstructionText
{
    public static string Format(Instruction instruction) => instruction switch
    {
        FromInstruction f => Join("FROM", Flag("platform", f.Platform), f.BaseName, f.StageName is null ? null : "AS " + f.StageName),
        RunInstruction r => Join("RUN", [.. r.Mounts.Select(m => "--mount=" + Mount(m)),
            r.Network == "default" ? null : "--network=" + r.Network, r.Security == "sandbox" ? null : "--security=" + r.Security, Command(r.Command)]),
        CmdInstruction c => Join("CMD", Command(c.Command)),
        EntrypointInstruction e => Join("ENTRYPOINT", e.Command is null ? "[]" : Command(e.Command)),
        LabelInstruction l => Join("LABEL", l.Labels.Select(Pair)),
        MaintainerInstruction m => Join("MAINTAINER", m.Maintainer),
        ExposeInstruction x => Join("EXPOSE", x.Ports),
        EnvInstruction e => Join("ENV", e.Variables.Select(Pair)),
        AddInstruction a => Join("ADD", [Flag("chown", a.Chown), Flag("chmod", a.Chmod), Flag("checksum", a.Checksum),
            a.KeepGitDir is { } k ? "--keep-git-dir=" + Bool(k) : null, a.Link ? "--link" : null, a.Unpack is { } u ? "--unpack=" + Bool(u) : null,
            .. a.Excludes.Select(e => "--exclude=" + e), .. Paths(a.Paths)]),
        CopyInstruction c => Join("COPY", [Flag("from", c.From), Flag("chown", c.Chown), Flag("chmod", c.Chmod), c.Link ? "--link" : null,
            c.Parents ? "--parents" : null, .. c.Excludes.Select(e => "--exclude=" + e), .. Paths(c.Paths)]),
        VolumeInstruction v => Join("VOLUME", Json(v.Volumes)),
        UserInstruction u => Join("USER", u.User),
        WorkdirInstruction w => Join("WORKDIR", w.Path),
        ArgInstruction a => Join("ARG", a.Args.Select(d => d.Value is null ? d.Key : d.Key + "=" + Quote(d.Value))),
        OnbuildInstruction o => Join("ONBUILD", Format(o.Trigger)),
        StopSignalInstruction s => Join("STOPSIGNAL", s.Signal),
        HealthcheckInstruction h => Healthcheck(h),
        ShellInstruction s => Join("SHELL", Json(s.Shell)),
        _ => instruction.Original,
    };

    public static string Mount(RunMount m)
    {
        var parts = new List<string> { "type=" + m.Type.ToString().ToLowerInvariant() };
        void Add(string key, string? value)
        {
            if (value is not null) parts.Add(key + "=" + value);
        }

        Add("from", m.From);
        Add("source", m.Source);
        Add("target", m.Target);
        Add("id", m.CacheId);
        Add("sharing", m.Sharing?.ToString().ToLowerInvariant());
        if (m.SizeLimit > 0) Add("size", m.SizeLimit.ToString(CultureInfo.InvariantCulture));
        Add("mode", m.Mode is { } mode ? Convert.ToString(mode, 8) : null);
        Add("uid", m.Uid?.ToString(CultureInfo.InvariantCulture));
        Add("gid", m.Gid?.ToString(CultureInfo.InvariantCulture));
        Add("env", m.Env);
        if (m.Required) parts.Add("required");
        parts.Add(m.ReadOnly ? "ro" : "rw");
        return string.Join(',', parts);
    }

    private static string Healthcheck(HealthcheckInstruction h)
    {
        if (h.Test is ["NONE"]) return "HEALTHCHECK NONE";
        string? D(string name, TimeSpan t) => t == TimeSpan.Zero ? null : $"--{name}={GoDuration.Format(t)}";
        var cmd = h.Test[0] == "CMD-SHELL" ? "CMD " + string.Join(' ', h.Test.Skip(1)) : "CMD " + Json(h.Test.Skip(1).ToList());
        return Join("HEALTHCHECK", D("interval", h.Interval), D("timeout", h.Timeout), D("start-period", h.StartPeriod),
            D("start-interval", h.StartInterval), h.Retries == 0 ? null : "--retries=" + h.Retries.ToString(CultureInfo.InvariantCulture), cmd);
    }

    /// <summary>Sources and destination; the JSON form when a path has blanks, so that the line stays unambiguous.</summary>
    private static IEnumerable<string> Paths(SourcesAndDest p)
    {
        List<string> all = [.. p.SourcePaths, .. p.SourceContents.Select(c => "<<" + c.Name), p.DestPath];
        if (all.Any(a => a.Any(char.IsWhiteSpace))) return [Json(all)];
        return all[0].StartsWith('-') ? ["--", .. all] : all;
    }

    private static string Command(CommandLine c) => c.PrependShell ? string.Join(' ', c.Arguments) : Json(c.Arguments);

    private static string Pair(KeyValue kv) => kv.Key + "=" + Quote(kv.Value);

    private static string Quote(string value) => value.Length == 0 || value.Any(char.IsWhiteSpace) || value.Contains('"') ? JsonString(value) : value;

    private static string Json(IReadOnlyList<string> items) =>
        "[" + string.Join(", ", items.Select(i => JsonString(i))) + "]";

    private static string JsonString(string value)
    {
        var sb = new StringBuilder("\"");
        foreach (var c in value)
        {
            switch (c)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\n': sb.Append("\\n"); break;
                case '\t': sb.Append("\\t"); break;
                case '\r': sb.Append("\\r"); break;
                default:
                    if (c < ' ') sb.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    else sb.Append(c);
                    break;
            }
        }

        return sb.Append('"').ToString();
    }

    private static string? Flag(string name, string? value) => value is null ? null : $"--{name}={value}";

    private static string Bool(bool b) => b ? "true" : "false";

    private static string Join(string keyword, params string?[] parts) => Join(keyword, (IEnumerable<string?>)parts);

    private static string Join(string keyword, IEnumerable<string?> parts)
    {
        var sb = new StringBuilder(keyword);
        foreach (var p in parts)
        {
            if (p is not null) sb.Append(' ').Append(p);
        }

        return sb.ToString();
    }
}
