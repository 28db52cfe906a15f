using System.Globalization;
using System.Text;
using Containerize.Core.Diagnostics;

namespace Containerize.Core.Dockerfiles.Instructions;

public enum MountType
{
    Bind,
    Cache,
    Tmpfs,
    Secret,
    Ssh,
}

public enum CacheSharing
{
    Shared,
    Private,
    Locked,
}

/// <summary>
/// One <c>RUN --mount=</c>, with BuildKit's defaults applied: bind is the default type; bind, secret and ssh are
/// read-only unless rw is given; cache and tmpfs are writable.
/// </summary>
public sealed record RunMount(
    MountType Type,
    string? From,
    string? Source,
    string? Target,
    bool ReadOnly,
    long SizeLimit,
    string? CacheId,
    CacheSharing? Sharing,
    bool Required,
    string? Env,
    uint? Mode,
    uint? Uid,
    uint? Gid)
{
    /// <summary>
    /// Parses the CSV value of one <c>--mount</c> flag. <paramref name="expand"/> expands each value (variables in
    /// scope); the typed layer passes none and only the stage expander gives the real one.
    /// </summary>
    public static RunMount Parse(string value, Func<string, string>? expand = null, string? file = null, int? line = null)
    {
        ContainerizeException Bad(string message) => new(DockerfileErrors.InvalidMount, message, file, line,
            "see https://docs.docker.com/reference/dockerfile/#run---mount for the mount options");

        var type = MountType.Bind;
        string? from = null, source = null, target = null, id = null, env = null;
        CacheSharing? sharing = null;
        bool readOnly = false, roAuto = true, required = false;
        long size = 0;
        uint? mode = null, uid = null, gid = null;

        foreach (var field in SplitCsv(value, Bad))
        {
            var eq = field.IndexOf('=');
            var key = (eq < 0 ? field : field[..eq]).ToLowerInvariant();
            if (eq < 0)
            {
                switch (key)
                {
                    case "readonly" or "ro":
                        readOnly = true;
                        roAuto = false;
                        continue;
                    case "readwrite" or "rw":
                        readOnly = false;
                        roAuto = false;
                        continue;
                    case "required" when type is MountType.Secret or MountType.Ssh:
                        required = true;
                        continue;
                    case "required":
                        throw Bad($"unexpected key '{key}' for mount type '{Name(type)}'");
                    default:
                        throw Bad($"invalid field '{field}' must be a key=value pair");
                }
            }

            var v = field[(eq + 1)..];
            if (key == "from" && v.IndexOf('$') is var dollar and >= 0 && dollar != v.Length - 1)
            {
                throw Bad($"'{key}' doesn't support variable expansion, define alias stage instead");
            }

            // Without an expander a value that names a variable is only known after expansion: keep it for later.
            if (expand is null && key != "from" && v.Contains('$', StringComparison.Ordinal)) continue;
            if (expand is not null) v = expand(v);
            switch (key)
            {
                case "type":
                    type = v.ToLowerInvariant() switch
                    {
                        "bind" => MountType.Bind,
                        "cache" => MountType.Cache,
                        "tmpfs" => MountType.Tmpfs,
                        "secret" => MountType.Secret,
                        "ssh" => MountType.Ssh,
                        _ => throw Bad($"unsupported mount type \"{v}\" (bind, cache, tmpfs, secret or ssh)"),
                    };
                    break;
                case "from":
                    from = v;
                    break;
                case "source" or "src":
                    source = v;
                    break;
                case "target" or "dst" or "destination":
                    target = v;
                    break;
                case "readonly" or "ro":
                    readOnly = ParseBool(v) ?? throw Bad($"invalid value for {key}: {v}");
                    roAuto = false;
                    break;
                case "readwrite" or "rw":
                    readOnly = !(ParseBool(v) ?? throw Bad($"invalid value for {key}: {v}"));
                    roAuto = false;
                    break;
                case "required" when type is MountType.Secret or MountType.Ssh:
                    required = ParseBool(v) ?? throw Bad($"invalid value for {key}: {v}");
                    break;
                case "required":
                    throw Bad($"unexpected key '{key}' for mount type '{Name(type)}'");
                case "size" when type == MountType.Tmpfs:
                    size = ParseRamBytes(v) ?? throw Bad($"invalid value for {key}: {v}");
                    break;
                case "size":
                    throw Bad($"unexpected key '{key}' for mount type '{Name(type)}'");
                case "id":
                    id = v;
                    break;
                case "sharing":
                    sharing = v.ToLowerInvariant() switch
                    {
                        "shared" => CacheSharing.Shared,
                        "private" => CacheSharing.Private,
                        "locked" => CacheSharing.Locked,
                        _ => throw Bad($"unsupported sharing value \"{v}\" (shared, private or locked)"),
                    };
                    break;
                case "mode":
                    mode = ParseUInt(v, 8) ?? throw Bad($"invalid value {v} for mode");
                    break;
                case "uid":
                    uid = ParseUInt(v, 10) ?? throw Bad($"invalid value {v} for uid");
                    break;
                case "gid":
                    gid = ParseUInt(v, 10) ?? throw Bad($"invalid value {v} for gid");
                    break;
                case "env":
                    env = v;
                    break;
                default:
                    throw Bad($"unexpected key '{key}' in '{field}'");
            }
        }

        if (type is not (MountType.Secret or MountType.Ssh or MountType.Cache))
        {
            if (mode is not null) throw Bad($"mode not allowed for \"{Name(type)}\" type mounts");
            if (uid is not null) throw Bad($"uid not allowed for \"{Name(type)}\" type mounts");
            if (gid is not null) throw Bad($"gid not allowed for \"{Name(type)}\" type mounts");
        }

        if (roAuto) readOnly = type is not (MountType.Cache or MountType.Tmpfs);
        if (type == MountType.Secret)
        {
            if (from is not null) throw Bad("secret mount should not have a from");
            if (sharing is not null) throw Bad("secret mount should not define sharing");
            if (source is null && target is null && id is null) throw Bad("invalid secret mount. one of source, target required");
            if (source is not null && id is not null) throw Bad("both source and id can't be set");
        }

        if (sharing is not null && type != MountType.Cache) throw Bad($"invalid cache sharing set for {Name(type)} mount");
        return new RunMount(type, from, source, target, readOnly, size, id, sharing, required, env, mode, uid, gid);
    }

    private static string Name(MountType t) => t.ToString().ToLowerInvariant();

    /// <summary>Go's strconv.ParseBool.</summary>
    private static bool? ParseBool(string v) => v switch
    {
        "1" or "t" or "T" or "TRUE" or "true" or "True" => true,
        "0" or "f" or "F" or "FALSE" or "false" or "False" => false,
        _ => null,
    };

    private static uint? ParseUInt(string v, int radix)
    {
        if (v.Length == 0) return null;
        try
        {
            var n = Convert.ToUInt64(v, radix);
            return n <= uint.MaxValue ? (uint)n : null;
        }
        catch (Exception e) when (e is FormatException or OverflowException or ArgumentException)
        {
            return null;
        }
    }

    /// <summary>docker/go-units RAMInBytes: a number with an optional binary unit (k, m, g, t, p; "b"/"ib" suffix allowed).</summary>
    private static long? ParseRamBytes(string v)
    {
        var s = v.Trim().ToLowerInvariant();
        var i = 0;
        while (i < s.Length && (char.IsAsciiDigit(s[i]) || s[i] == '.')) i++;
        if (i == 0 || !double.TryParse(s[..i], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var n)) return null;
        var unit = s[i..].Trim();
        long mul = unit switch
        {
            "" or "b" => 1,
            "k" or "kb" or "kib" => 1L << 10,
            "m" or "mb" or "mib" => 1L << 20,
            "g" or "gb" or "gib" => 1L << 30,
            "t" or "tb" or "tib" => 1L << 40,
            "p" or "pb" or "pib" => 1L << 50,
            _ => -1,
        };
        return mul < 0 ? null : (long)(n * mul);
    }

    /// <summary>One CSV record (encoding/csv rules: fields may be double-quoted, "" is a quote inside).</summary>
    private static List<string> SplitCsv(string value, Func<string, ContainerizeException> bad)
    {
        var fields = new List<string>();
        var sb = new StringBuilder();
        var i = 0;
        while (true)
        {
            sb.Clear();
            if (i < value.Length && value[i] == '"')
            {
                i++;
                while (true)
                {
                    if (i >= value.Length) throw bad($"failed to parse csv mounts: extraneous or missing \" in quoted-field: {value}");
                    if (value[i] == '"')
                    {
                        if (i + 1 < value.Length && value[i + 1] == '"')
                        {
                            sb.Append('"');
                            i += 2;
                            continue;
                        }

                        i++;
                        break;
                    }

                    sb.Append(value[i++]);
                }

                if (i < value.Length && value[i] != ',') throw bad($"failed to parse csv mounts: extraneous or missing \" in quoted-field: {value}");
            }
            else
            {
                while (i < value.Length && value[i] != ',') sb.Append(value[i++]);
            }

            fields.Add(sb.ToString());
            if (i >= value.Length) break;
            i++;
        }

        return fields;
    }
}
