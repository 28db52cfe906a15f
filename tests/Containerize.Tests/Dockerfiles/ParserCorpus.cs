using System.Reflection;
using System.Text.Json;
using Containerize.Tests.Infrastructure;

namespace Containerize.Tests.Dockerfiles;

/// <summary>Case sources for the data-driven parser tests: each case is (label, data...), the label naming the result.</summary>
public static class ParserCorpus
{
    public const string MissingLabel = "conformance data missing";

    /// <summary>Display name "Method (label)", so that every case is its own named TRX result.</summary>
    public static string DisplayName(MethodInfo method, object?[]? data) => $"{method.Name} ({data?[0]})";

    public static string? Dir(string relative) => RepoPaths.ConformanceOrNull(Path.Combine("dockerfile-parser", relative));

    /// <summary>One row per sub-folder of a corpus folder, or a single row that reports the missing corpus.</summary>
    public static IEnumerable<object?[]> Folders(string relative)
    {
        var dir = Dir(relative);
        if (dir is null)
        {
            yield return [MissingLabel, null];
            yield break;
        }

        foreach (var d in Directory.GetDirectories(dir).OrderBy(p => p, StringComparer.Ordinal))
        {
            yield return [Path.GetFileName(d), d];
        }
    }

    public static JsonDocument? Json(string name)
    {
        var path = Dir(name);
        return path is null ? null : JsonDocument.Parse(File.ReadAllBytes(path));
    }

    /// <summary>Called by a test given the missing-corpus row: Inconclusive locally, a failure under CI=true.</summary>
    public static void RequirePresent(object? data)
    {
        if (data is null) RepoPaths.Conformance("dockerfile-parser");
    }
}
