using System.Reflection;
using System.Text.Json;
using Containerize.Tests.Infrastructure;

namespace Containerize.Tests.Dockerfiles.Shell;

/// <summary>
/// Reads ../shared/conformance/shell-lexer exactly as its README (and BuildKit's Go tests) describe.
/// Test data rows carry only an index and a label, so that every case is its own result; the test body
/// looks the case up here.
/// </summary>
internal static class ShellLexerCorpus
{
    public const string Folder = "shell-lexer";

    public sealed record EnvVarCase(int Line, string Platform, string Input, string Expected);

    public sealed record WordsCase(int Line, string Input, IReadOnlyDictionary<string, string> Env, IReadOnlyList<string> Expected);

    /// <summary>One case of process-with-matches.json; null sets mean "not checked".</summary>
    public sealed record MatchCase(
        string Input,
        IReadOnlyDictionary<string, string> Env,
        bool Error,
        string? Expected,
        IReadOnlyList<string>? Matches,
        IReadOnlyList<string>? Unmatched,
        string? ErrorContains);

    public sealed record EnvLookupCase(IReadOnlyList<string> Env, string Lookup, string Value);

    /// <summary>The fixed environment of envVarTest.</summary>
    public static IReadOnlyDictionary<string, string> EnvVarEnvironment { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["PWD"] = "/home",
        ["SHELL"] = "bash",
        ["KOREAN"] = "한국어",
        ["NULL"] = "",
    };

    private static readonly Lazy<IReadOnlyList<EnvVarCase>> LazyEnvVar = new(() => ReadEnvVar(Path("envVarTest")));
    private static readonly Lazy<IReadOnlyList<WordsCase>> LazyWords = new(() => ReadWords(Path("wordsTest")));
    private static readonly Lazy<JsonDocument> LazyJson = new(() => JsonDocument.Parse(File.ReadAllText(Path("process-with-matches.json"))));

    /// <summary>envVarTest without the Windows-only lines.</summary>
    public static IReadOnlyList<EnvVarCase> EnvVar => [.. LazyEnvVar.Value.Where(c => c.Platform != "W")];

    public static IReadOnlyList<EnvVarCase> AllEnvVar => LazyEnvVar.Value;

    public static IReadOnlyList<WordsCase> Words => LazyWords.Value;

    public static IReadOnlyList<MatchCase> ProcessWithMatches => ReadMatchCases("process_word_with_matches", "envs");

    public static IReadOnlyList<MatchCase> MandatoryVars => ReadMatchCases("mandatory_vars", "env");

    public static IReadOnlyList<MatchCase> PlatformReleaseName => ReadMatchCases("platform_release_name", "envs");

    public static IReadOnlyList<EnvLookupCase> EnvLookup =>
    [
        .. Section("env_lookup").Select(c => new EnvLookupCase(
            [.. c.GetProperty("env").EnumerateArray().Select(e => e.GetString()!)],
            c.GetProperty("lookup").GetString()!,
            c.GetProperty("value").GetString()!)),
    ];

    /// <summary>
    /// Rows of (index, label) for DynamicData. A missing corpus gives one row with index -1, whose test then
    /// reports the corpus as missing (Inconclusive, or a failure under CI=true).
    /// </summary>
    public static IEnumerable<object[]> Rows<T>(Func<IReadOnlyList<T>> cases, Func<int, T, string> label)
    {
        if (RepoPaths.ConformanceOrNull(Folder) is null)
        {
            return [[-1, "corpus missing"]];
        }

        var list = cases();
        return list.Select((c, i) => new object[] { i, label(i, c) });
    }

    public static string DisplayName(MethodInfo method, object[] data) => $"{method.Name} ({data[1]})";

    public static void RequireCorpus(int index)
    {
        if (index < 0) RepoPaths.Conformance(Folder);
    }

    private static string Path(string file) =>
        System.IO.Path.Combine(RepoPaths.ConformanceOrNull(Folder) ?? RepoPaths.Conformance(Folder), file);

    private static List<EnvVarCase> ReadEnvVar(string path)
    {
        var cases = new List<EnvVarCase>();
        var lineNo = 0;
        foreach (var raw in File.ReadLines(path))
        {
            lineNo++;
            if (raw.StartsWith('#')) continue;
            var line = raw.Trim();
            if (line.Length == 0) continue;
            var fields = line.Split('|');
            if (fields.Length != 3) throw new InvalidDataException($"envVarTest:{lineNo}: expected 3 fields, got {fields.Length}");
            cases.Add(new EnvVarCase(lineNo, fields[0].Trim(), fields[1].Trim(), fields[2].Trim()));
        }

        return cases;
    }

    private static List<WordsCase> ReadWords(string path)
    {
        var cases = new List<WordsCase>();
        var env = new Dictionary<string, string>(StringComparer.Ordinal);
        var lineNo = 0;
        foreach (var line in File.ReadLines(path))
        {
            lineNo++;
            if (line.StartsWith('#')) continue;
            if (line.StartsWith("ENV ", StringComparison.Ordinal))
            {
                // Trailing spaces belong to the value; only the spaces after ENV go.
                var definition = line[4..].TrimStart(' ');
                var eq = definition.IndexOf('=', StringComparison.Ordinal);
                if (eq < 0) throw new InvalidDataException($"wordsTest:{lineNo}: ENV without '='");
                env[definition[..eq]] = definition[(eq + 1)..];
                continue;
            }

            var fields = line.Split('|');
            if (fields.Length != 2) throw new InvalidDataException($"wordsTest:{lineNo}: expected 2 fields, got {fields.Length}");
            var expected = fields[1].TrimStart(' ').Split(',');
            cases.Add(new WordsCase(lineNo, fields[0].Trim(), new Dictionary<string, string>(env, StringComparer.Ordinal), expected));
        }

        return cases;
    }

    private static IEnumerable<JsonElement> Section(string name) =>
        LazyJson.Value.RootElement.GetProperty(name).GetProperty("cases").EnumerateArray();

    private static List<MatchCase> ReadMatchCases(string section, string envProperty) =>
    [
        .. Section(section).Select(c =>
        {
            var envElement = c.GetProperty(envProperty);
            var env = envElement.ValueKind == JsonValueKind.Array
                ? ToDictionary(envElement.EnumerateArray().Select(e => e.GetString()!))
                : envElement.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!, StringComparer.Ordinal);
            return new MatchCase(
                c.GetProperty("input").GetString()!,
                env,
                c.TryGetProperty("error", out var error) && error.GetBoolean(),
                c.TryGetProperty("expected", out var expected) ? expected.GetString() : null,
                StringList(c, "matches"),
                StringList(c, "unmatched"),
                c.TryGetProperty("error_contains", out var contains) ? contains.GetString() : null);
        }),
    ];

    /// <summary>The test's own reading of KEY=VALUE, independent of the code under test.</summary>
    private static Dictionary<string, string> ToDictionary(IEnumerable<string> pairs)
    {
        var env = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var pair in pairs)
        {
            var eq = pair.IndexOf('=', StringComparison.Ordinal);
            env[pair[..eq]] = pair[(eq + 1)..];
        }

        return env;
    }

    private static List<string>? StringList(JsonElement c, string property) =>
        c.TryGetProperty(property, out var list) && list.ValueKind == JsonValueKind.Array
            ? [.. list.EnumerateArray().Select(e => e.GetString()!)]
            : null;
}
