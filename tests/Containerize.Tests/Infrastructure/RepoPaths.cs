namespace Containerize.Tests.Infrastructure;

/// <summary>Where the repository and the shared conformance data are, found from the test binary upwards.</summary>
public static class RepoPaths
{
    private static readonly Lazy<string> LazyRoot = new(() =>
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Containerize.sln"))) return dir.FullName;
        }

        throw new InvalidOperationException("Containerize.sln not found above " + AppContext.BaseDirectory);
    });

    public static string Root => LazyRoot.Value;

    /// <summary>The shared folder beside the clone: <c>../shared</c>. Overridable with CONTAINERIZE_SHARED.</summary>
    public static string Shared =>
        Environment.GetEnvironmentVariable("CONTAINERIZE_SHARED") is { Length: > 0 } s
            ? s
            : Path.GetFullPath(Path.Combine(Root, "..", "shared"));

    /// <summary>
    /// A folder of <c>../shared/conformance</c>. When it is missing, as in a user's own clone, the test is
    /// Inconclusive with the reason; under CI=true it fails, so a missing corpus never passes silently.
    /// </summary>
    public static string Conformance(string relative)
    {
        var path = Path.Combine(Shared, "conformance", relative);
        if (!Directory.Exists(path) && !File.Exists(path))
        {
            Requirements.Missing($"conformance data not found at {path} (it lives in ../shared beside the clone)");
        }

        return path;
    }

    /// <summary>Variant for DynamicData sources, which run before any test: returns null instead of failing.</summary>
    public static string? ConformanceOrNull(string relative)
    {
        var path = Path.Combine(Shared, "conformance", relative);
        return Directory.Exists(path) || File.Exists(path) ? path : null;
    }
}
