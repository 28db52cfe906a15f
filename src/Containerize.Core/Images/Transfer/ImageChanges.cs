using System.Text.Json;
using Containerize.Core.Diagnostics;
using Containerize.Core.Images.Oci;
using Containerize.Core.Images.Store;

namespace Containerize.Core.Images.Transfer;

/// <summary>
/// The <c>--change</c> lines of <c>docker import</c>: a Dockerfile keyword and the rest of the line, applied to an
/// image's config. CMD and ENTRYPOINT take the JSON form, or a shell form run by <c>/bin/sh -c</c>.
/// Supported: ENV, CMD, ENTRYPOINT, WORKDIR, USER, EXPOSE, LABEL, VOLUME, STOPSIGNAL.
/// </summary>
public static class ImageChanges
{
    public static ContainerConfig Apply(ContainerConfig? config, IEnumerable<string> changes)
    {
        var result = config ?? new ContainerConfig();
        foreach (var line in changes) result = ApplyOne(result, line);
        return result;
    }

    private static ContainerConfig ApplyOne(ContainerConfig c, string line)
    {
        var text = line.Trim();
        var space = text.IndexOfAny([' ', '\t']);
        var keyword = (space < 0 ? text : text[..space]).ToUpperInvariant();
        var rest = space < 0 ? "" : text[(space + 1)..].Trim();
        if (rest.Length == 0 && keyword is not ("CMD" or "ENTRYPOINT")) throw Bad(line, $"{keyword} needs a value");
        return keyword switch
        {
            "ENV" => c with { Env = MergeEnv(c.Env, Pairs(line, rest, allowSpaceForm: true)) },
            "LABEL" => c with { Labels = Merge(c.Labels, Pairs(line, rest, allowSpaceForm: false)) },
            "CMD" => c with { Cmd = Command(line, rest) },
            "ENTRYPOINT" => c with { Entrypoint = Command(line, rest), Cmd = null },
            "WORKDIR" => c with { WorkingDir = rest.StartsWith('/') ? rest : "/" + Path.Join(c.WorkingDir?.TrimStart('/') ?? "", rest).Replace('\\', '/') },
            "USER" => c with { User = rest },
            "STOPSIGNAL" => c with { StopSignal = rest },
            "EXPOSE" => c with { ExposedPorts = AddKeys(c.ExposedPorts, Ports(line, rest.Split(' ', StringSplitOptions.RemoveEmptyEntries))) },
            "VOLUME" => c with { Volumes = AddKeys(c.Volumes, rest.StartsWith('[') ? JsonArray(line, rest) : rest.Split(' ', StringSplitOptions.RemoveEmptyEntries)) },
            _ => throw Bad(line, $"'{keyword}' cannot be changed on import"),
        };
    }

    private static IReadOnlyList<string>? Command(string line, string rest)
    {
        if (rest.Length == 0) return null;
        return rest.StartsWith('[') ? JsonArray(line, rest) : ["/bin/sh", "-c", rest];
    }

    private static string[] JsonArray(string line, string json)
    {
        try
        {
            using var doc = JsonDocument.Parse(json);
            if (doc.RootElement.ValueKind != JsonValueKind.Array || doc.RootElement.EnumerateArray().Any(e => e.ValueKind != JsonValueKind.String))
            {
                throw Bad(line, "the JSON form is an array of strings");
            }

            return doc.RootElement.EnumerateArray().Select(e => e.GetString()!).ToArray();
        }
        catch (JsonException e)
        {
            throw Bad(line, "invalid JSON: " + e.Message);
        }
    }

    /// <summary>KEY=VALUE pairs separated by spaces (values may be double-quoted), or the old <c>ENV KEY value</c> form.</summary>
    private static List<KeyValuePair<string, string>> Pairs(string line, string rest, bool allowSpaceForm)
    {
        var words = SplitWords(line, rest);
        if (words.Count > 0 && !words[0].Contains('='))
        {
            if (!allowSpaceForm) throw Bad(line, "write KEY=VALUE");
            var sp = rest.IndexOfAny([' ', '\t']);
            if (sp < 0) throw Bad(line, "ENV needs a value");
            return [new(rest[..sp], rest[(sp + 1)..].Trim())];
        }

        var pairs = new List<KeyValuePair<string, string>>();
        foreach (var w in words)
        {
            var eq = w.IndexOf('=');
            if (eq <= 0) throw Bad(line, $"'{w}' is not KEY=VALUE");
            pairs.Add(new(w[..eq], w[(eq + 1)..]));
        }

        return pairs;
    }

    private static List<string> SplitWords(string line, string text)
    {
        var words = new List<string>();
        var current = new System.Text.StringBuilder();
        var inQuotes = false;
        var any = false;
        for (var i = 0; i < text.Length; i++)
        {
            var ch = text[i];
            if (ch == '\\' && i + 1 < text.Length)
            {
                current.Append(text[++i]);
                any = true;
            }
            else if (ch == '"')
            {
                inQuotes = !inQuotes;
                any = true;
            }
            else if (!inQuotes && ch is ' ' or '\t')
            {
                if (any) words.Add(current.ToString());
                current.Clear();
                any = false;
            }
            else
            {
                current.Append(ch);
                any = true;
            }
        }

        if (inQuotes) throw Bad(line, "unterminated quote");
        if (any) words.Add(current.ToString());
        return words;
    }

    private static List<string> MergeEnv(IReadOnlyList<string>? env, List<KeyValuePair<string, string>> pairs)
    {
        var list = env?.ToList() ?? [];
        foreach (var (k, v) in pairs)
        {
            var i = list.FindIndex(e => e.StartsWith(k + "=", StringComparison.Ordinal) || e == k);
            if (i >= 0) list[i] = $"{k}={v}";
            else list.Add($"{k}={v}");
        }

        return list;
    }

    private static Dictionary<string, string> Merge(IReadOnlyDictionary<string, string>? map, List<KeyValuePair<string, string>> pairs)
    {
        var result = map?.ToDictionary(StringComparer.Ordinal) ?? new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (k, v) in pairs) result[k] = v;
        return result;
    }

    private static Dictionary<string, EmptyObject> AddKeys(IReadOnlyDictionary<string, EmptyObject>? map, IEnumerable<string> keys)
    {
        var result = map?.ToDictionary(StringComparer.Ordinal) ?? new Dictionary<string, EmptyObject>(StringComparer.Ordinal);
        foreach (var k in keys) result[k] = EmptyObject.Instance;
        return result;
    }

    /// <summary>As a Dockerfile's EXPOSE (ranges are each of their ports), with this command's error code.</summary>
    private static IReadOnlyList<string> Ports(string line, string[] words)
    {
        try
        {
            return Dockerfiles.Instructions.ExposedPorts.Parse(words);
        }
        catch (ContainerizeException e)
        {
            throw Bad(line, e.Diagnostic.Message);
        }
    }

    private static ContainerizeException Bad(string line, string why) =>
        new(StoreErrors.BadChange, $"invalid --change '{line}': {why}",
            hint: "write a Dockerfile line: ENV K=V, CMD [\"x\"], ENTRYPOINT [\"x\"], WORKDIR /d, USER u, EXPOSE 8080/tcp, LABEL k=v, VOLUME /v, STOPSIGNAL SIGTERM");
}
