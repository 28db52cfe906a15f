namespace Containerize.Tests.Infrastructure;

/// <summary>
/// Packs Containerize.Sdk once per test run with a unique version, into its own feed folder. NuGet caches a package
/// by version and MSBuild nodes keep task assemblies loaded, so a reused version would run stale tasks: each run
/// gets a new version, a NuGet packages folder of its own, and no node reuse.
/// </summary>
public static class SdkPackage
{
    private static readonly Lazy<Task<(string Feed, string Version)>> Packed = new(PackAsync);

    public static async Task<(string Feed, string Version)> GetAsync() => await Packed.Value;

    /// <summary>The packages folder of this run (NUGET_PACKAGES for every dotnet call of the tests).</summary>
    public static string PackagesFolder { get; } = Path.Combine(RepoPaths.Root, "artifacts", "test-nuget", $"run-{System.Environment.ProcessId}-{DateTime.UtcNow:HHmmss}");

    /// <summary>A nuget.config with the run's feed (or <paramref name="feed"/>) first, then NuGet.org for everything else.</summary>
    public static async Task WriteNuGetConfigAsync(string folder, string? feed = null)
    {
        feed ??= (await GetAsync()).Feed;
        await File.WriteAllTextAsync(Path.Combine(folder, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <clear />
                <add key="containerize-test" value="{feed}" />
                <add key="nuget.org" value="https://api.nuget.org/v3/index.json" />
              </packageSources>
            </configuration>
            """);
    }

    public static Task<ProcessResult> DotnetAsync(string workingDirectory, params string[] args) =>
        ProcessRunner.RunAsync("dotnet", args, workingDirectory, DotnetEnvironment(), timeout: TimeSpan.FromMinutes(5));

    public static Dictionary<string, string?> DotnetEnvironment() => new()
    {
        ["NUGET_PACKAGES"] = PackagesFolder,
        ["MSBUILDDISABLENODEREUSE"] = "1",
        ["DOTNET_CLI_USE_MSBUILD_SERVER"] = "0",
        ["DOTNET_NOLOGO"] = "1",
        ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1",
        // The repository's own settings must not leak into the user projects the tests create.
        ["CI"] = null,
    };

    private static async Task<(string Feed, string Version)> PackAsync()
    {
        var version = $"0.1.0-test.{DateTime.UtcNow:yyyyMMddHHmmss}.{System.Environment.ProcessId}";
        var feed = Path.Combine(RepoPaths.Root, "artifacts", "test-packages", version);
        Directory.CreateDirectory(feed);
        var r = await ProcessRunner.RunAsync("dotnet",
            ["pack", Path.Combine(RepoPaths.Root, "sdk", "Containerize.Sdk", "Containerize.Sdk.csproj"), "-c", "Release", $"-p:Version={version}", "-o", feed, "-nologo"],
            RepoPaths.Root, new Dictionary<string, string?> { ["MSBUILDDISABLENODEREUSE"] = "1" }, timeout: TimeSpan.FromMinutes(12));
        r.EnsureSuccess("dotnet pack Containerize.Sdk");
        return (feed, version);
    }
}
