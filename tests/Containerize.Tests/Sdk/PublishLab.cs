using System.Text.Json;
using Containerize.Tests.Infrastructure;

namespace Containerize.Tests.Sdk;

/// <summary>
/// A copy of a sample in a temporary folder, published with the packed Containerize.Sdk: its own image store, the run's
/// NuGet folder and feed, the offline .NET bases from the local registry (ContainerBaseImageMirror=localhost:5000).
/// </summary>
internal sealed class PublishLab : IDisposable
{
    public const string Registry = "localhost:5000";

    private readonly TempDir _dir = new("ctz-publish");

    private PublishLab()
    {
    }

    public string Root => _dir.Path;

    public string Store => _dir.Combine("store");

    /// <summary>Variables set (or, with null, removed) for the publishes of this lab, e.g. DOCKER_HOST.</summary>
    public Dictionary<string, string?> Environment { get; } = new(StringComparer.Ordinal);

    public static async Task<PublishLab> CopySampleAsync(string sample, string? folderName = null)
    {
        var lab = await CreateAsync();
        CopyTree(Path.Combine(RepoPaths.Root, "samples", sample), lab._dir.Combine(folderName ?? sample));
        return lab;
    }

    /// <summary>
    /// An empty lab that references the package as the samples do (their Directory.Build.props and
    /// Directory.Packages.props at its root, and the run's nuget.config): any project created under it, e.g. by
    /// <c>dotnet new</c>, publishes with the packed Containerize.Sdk.
    /// </summary>
    public static async Task<PublishLab> CreateAsync()
    {
        var lab = new PublishLab();
        foreach (var f in new[] { "Directory.Build.props", "Directory.Packages.props" })
        {
            File.Copy(Path.Combine(RepoPaths.Root, "samples", f), lab._dir.Combine(f));
        }

        await SdkPackage.WriteNuGetConfigAsync(lab.Root);
        return lab;
    }

    /// <summary>The dotnet that runs the tests' publishes, by full path (setpriv does not search a PATH for it).</summary>
    private static string DotnetPath => Requirements.FindOnPath("dotnet") ?? "/usr/share/dotnet/dotnet";

    public static async Task<bool> RegistryAnswersAsync()
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(3) };
        try
        {
            return (await http.GetAsync($"http://{Registry}/v2/")).IsSuccessStatusCode;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return false;
        }
    }

    /// <summary>The lab registry is a required component: one that does not answer fails the test under CI=true.</summary>
    public static async Task RequireRegistryAsync()
    {
        if (!await RegistryAnswersAsync()) Requirements.Missing("the registry on localhost:5000 does not answer (bash eng/setup starts it)");
    }

    /// <summary>Copies an image between repositories of the lab registry (or over a tag) with skopeo, the independent client.</summary>
    public static async Task CopyImageAsync(string from, string to) =>
        (await ProcessRunner.RunAsync(Requirements.Tool("skopeo"), ["copy", "--src-tls-verify=false", "--dest-tls-verify=false", $"docker://{from}", $"docker://{to}"]))
            .EnsureSuccess($"skopeo copy {from} {to}");

    /// <summary>
    /// Set: every publish of this lab runs as this user (through setpriv, with its own HOME and NuGet folders inside
    /// the lab, which is handed to the user), as a developer without root would.
    /// </summary>
    public (int Uid, int Gid)? RunAs { get; private set; }

    /// <summary>Hands the lab's folder to <paramref name="uid"/> and runs its publishes as that user from now on.</summary>
    public async Task RunAsUserAsync(int uid, int gid)
    {
        foreach (var d in new[] { "home", "nuget" }) Directory.CreateDirectory(_dir.Combine(d));
        (await ProcessRunner.RunAsync("chown", ["-R", $"{uid}:{gid}", Root])).EnsureSuccess("chown the lab");
        Environment["HOME"] = _dir.Combine("home");
        Environment["DOTNET_CLI_HOME"] = _dir.Combine("home");
        Environment["NUGET_PACKAGES"] = _dir.Combine("nuget");
        Environment["TMPDIR"] = null;
        RunAs = (uid, gid);
    }

    /// <summary><c>dotnet publish</c> with ContainerBuild=true; extra arguments are passed as they are (one argv entry each).</summary>
    public async Task<ProcessResult> PublishAsync(string project, params string[] args)
    {
        var (_, version) = await SdkPackage.GetAsync();
        var env = SdkPackage.DotnetEnvironment();
        env["CONTAINERIZE_STORE"] = Store;
        env["SOURCE_DATE_EPOCH"] = null;
        foreach (var (k, v) in Environment) env[k] = v;
        string[] publish = ["publish", _dir.Combine(project), "-c", "Release", "-nologo", "-p:ContainerBuild=true", $"-p:ContainerizeSdkVersion={version}",
            $"-p:ContainerBaseImageMirror={Registry}", .. args];
        return RunAs is { } user
            ? await ProcessRunner.RunAsync(Requirements.Tool("setpriv"),
                [$"--reuid={user.Uid}", $"--regid={user.Gid}", "--clear-groups", "--inh-caps=-all", "--", DotnetPath, .. publish], Root, env, timeout: TimeSpan.FromMinutes(8))
            : await ProcessRunner.RunAsync("dotnet", publish, Root, env, timeout: TimeSpan.FromMinutes(8));
    }

    public static JsonElement ImageJson(string projectFolder)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(System.IO.Path.Combine(projectFolder, "obj", "container", "image.json")));
        return doc.RootElement.Clone();
    }

    public static async Task<JsonElement> SkopeoAsync(params string[] args)
    {
        var r = (await ProcessRunner.RunAsync(Requirements.Tool("skopeo"), args)).EnsureSuccess("skopeo " + string.Join(' ', args));
        using var doc = JsonDocument.Parse(r.StdOut);
        return doc.RootElement.Clone();
    }

    public void Dispose() => _dir.Dispose();

    /// <summary>Copies a project folder without its bin/ and obj/, as a fresh clone has none.</summary>
    public static void CopyTree(string from, string to)
    {
        foreach (var dir in Directory.EnumerateDirectories(from, "*", SearchOption.AllDirectories))
        {
            var rel = System.IO.Path.GetRelativePath(from, dir);
            if (rel.Split('/').Any(p => p is "bin" or "obj")) continue;
            Directory.CreateDirectory(System.IO.Path.Combine(to, rel));
        }

        Directory.CreateDirectory(to);
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            var rel = System.IO.Path.GetRelativePath(from, file);
            if (rel.Split('/').Any(p => p is "bin" or "obj")) continue;
            File.Copy(file, System.IO.Path.Combine(to, rel));
        }
    }
}
