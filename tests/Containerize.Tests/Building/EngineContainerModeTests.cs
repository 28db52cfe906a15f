using System.Net;
using System.Runtime.Versioning;
using System.Text.RegularExpressions;
using Containerize.Core.Building;
using Containerize.Core.Diagnostics;
using Containerize.Core.Generation;
using Containerize.Core.Images.Store;
using Containerize.Core.Publishing;
using Containerize.Tests.Infrastructure;

namespace Containerize.Tests.Building;

/// <summary>
/// Container mode end to end with our engine: the generated multi-stage Dockerfile of samples/Solution (web app +
/// library, referencing the Containerize.Sdk package packed from this repo) restores from nuget.org inside the offline
/// SDK image (through this machine's TLS-inspecting proxy: the host's CA bundle is a secret for the restore step
/// only), finds Containerize.Sdk through the local package folder given as a named build context, publishes, and the
/// image answers HTTP 200 in runc. A code change reuses the restore layer.
/// </summary>
[TestClass]
[SupportedOSPlatform("linux")]
public sealed partial class EngineContainerModeTests
{
    private const string Registry = "localhost:5000";

    [TestMethod]
    public async Task ContainerMode_SolutionBuildsRunsAndKeepsTheRestoreLayer()
    {
        Requirements.Tool("runc");
        Requirements.RequireRoot("runc");
        if (!File.Exists(ContainerModeBuild.HostCaBundle)) Requirements.Missing($"the host CA bundle {ContainerModeBuild.HostCaBundle}");
        await RequireRegistryAsync();
        var (feed, version) = await SdkPackage.GetAsync();

        using var dir = new TempDir("ctz-cmode");
        var repo = dir.Combine("repo");
        CopyTree(Path.Combine(RepoPaths.Root, "samples", "Solution"), repo);
        var webProject = Path.Combine(repo, "src", "Web", "Web.csproj");
        File.WriteAllText(webProject, File.ReadAllText(webProject).Replace("<ItemGroup>",
            $"<ItemGroup>\n    <PackageReference Include=\"Containerize.Sdk\" Version=\"{version}\" PrivateAssets=\"all\" />", StringComparison.Ordinal));

        var model = WebModel(repo, feed);
        var plan = ContainerPlanner.Plan(model, DateTimeOffset.UnixEpoch);
        var ejected = EjectedDockerfile.Create(plan);
        await ejected.WriteAsync(CancellationToken.None);
        var dockerfile = ejected.Dockerfile.Path;
        StringAssert.Contains(File.ReadAllText(dockerfile), "FROM scratch AS containerize-packages");

        // Persistent store and runtime folders: the 800 MB SDK image is pulled and unpacked once, not per run.
        var store = Path.Combine(RepoPaths.Root, "artifacts", "test-cmode", "store");
        var runtimeRoot = Path.Combine(RepoPaths.Root, "artifacts", "test-cmode", "runtime");
        var tag = "solution-web:cmode-" + Guid.NewGuid().ToString("N")[..8];
        List<string> args = ["build", "--store", store, "--runtime-root", runtimeRoot, "-f", dockerfile, "-t", tag];
        foreach (var (id, file) in ContainerModeBuild.Secrets(model)) args.AddRange(["--secret", $"id={id},src={file}"]);
        foreach (var (name, folder) in ContainerModeBuild.NamedContexts(model)) args.AddRange(["--build-context", $"{name}={folder}"]);
        args.Add(repo);

        var first = await CliRunner.RunAsync(repo, [.. args]);
        Assert.AreEqual(0, first.ExitCode, first.StdErr + "\n" + Tail(first.StdOut));
        StringAssert.Contains(first.StdOut, "replaced by --build-context containerize-packages");

        await AssertAnswersHttpAsync(store, runtimeRoot, tag, "Hello, world");

        // Only a .cs file changes: restore's inputs are the same, so its layer comes from the cache.
        var program = Path.Combine(repo, "src", "Web", "Program.cs");
        File.AppendAllText(program, $"\n// changed {Guid.NewGuid():N}\n");
        var second = await CliRunner.RunAsync(repo, [.. args]);
        Assert.AreEqual(0, second.ExitCode, second.StdErr + "\n" + Tail(second.StdOut));
        var hits = EngineLab.CacheHits(second.StdOut);
        var restore = StepNumber(second.StdOut, "dotnet restore");
        var publish = StepNumber(second.StdOut, "dotnet publish");
        Assert.IsTrue(hits[restore], $"the restore step {restore} is reused\n{Tail(second.StdOut)}");
        StringAssert.Contains(StepLog(second.StdOut, restore), "Using cache");
        Assert.IsFalse(hits[publish], "publish reruns for the changed source");
        await AssertAnswersHttpAsync(store, runtimeRoot, tag, "Hello, world");
    }

    private static ProjectModel WebModel(string repo, string feed) => new()
    {
        ProjectPath = Path.Combine(repo, "src", "Web", "Web.csproj"),
        ContextRoot = repo,
        AssemblyName = "Web",
        TargetFramework = "net10.0",
        TargetFrameworkVersion = "10.0",
        SdkVersion = "10.0.401",
        SdkRuntimeIdentifier = "linux-x64",
        UsingMicrosoftNETSdkWeb = true,
        FrameworkReferences = ["Microsoft.AspNetCore.App"],
        ProjectReferences = [Path.Combine(repo, "src", "Greetings", "Greetings.csproj")],
        RestoreFiles = [Path.Combine(repo, "Directory.Build.props")],
        Metadata = new ProjectMetadata { PackageVersion = "1.0.0" },
        Container = new ContainerProperties
        {
            ContainerBuildMode = ContainerBuildMode.Container,
            ContainerBaseImageMirror = Registry,
            ContainerRestoreCaBundleSecret = true,
            ContainerRestoreLocalSource = feed,
            ContainerSourceDateEpoch = "0",
        },
    };

    private static async Task AssertAnswersHttpAsync(string storePath, string runtimeRoot, string tag, string expected)
    {
        var port = FreePort();
        var store = await OciLayoutStore.OpenOrCreateAsync(storePath);
        using var stop = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        var output = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var app = Task.Run(() => ImageRunner.RunAsync(store, new ContainerRunOptions { Image = tag, Env = [$"ASPNETCORE_HTTP_PORTS={port}"] }, runtimeRoot, output.Enqueue, new TextWriterSink(TextWriter.Null, TextWriter.Null), stop.Token));
        try
        {
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
            HttpResponseMessage? response = null;
            for (var i = 0; i < 240 && response is null && !app.IsCompleted; i++)
            {
                try
                {
                    response = await http.GetAsync($"http://127.0.0.1:{port}/?name=world");
                }
                catch (HttpRequestException)
                {
                    await Task.Delay(500);
                }
            }

            Assert.IsNotNull(response, "the app never answered; its output:\n" + string.Join('\n', output));
            Assert.AreEqual(HttpStatusCode.OK, response.StatusCode);
            StringAssert.Contains(await response.Content.ReadAsStringAsync(), expected);
        }
        finally
        {
            await stop.CancelAsync();
            try
            {
                await app;
            }
            catch (Exception e) when (e is OperationCanceledException or ContainerizeException)
            {
                // Cancellation kills the container: that is how the app stops.
            }
        }
    }

    private static async Task RequireRegistryAsync()
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        try
        {
            (await http.GetAsync($"http://{Registry}/v2/dotnet/sdk/tags/list")).EnsureSuccessStatusCode();
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            Requirements.Missing($"the lab registry on {Registry} with dotnet/sdk (bash eng/setup): {e.Message}");
        }
    }

    private static int StepNumber(string output, string text)
    {
        var m = Regex.Match(output, @"^Step (\d+)/\d+ : RUN .*" + Regex.Escape(text), RegexOptions.Multiline);
        if (!m.Success)
        {
            // The RUN's command is on a continuation line: find the step whose instruction holds it.
            m = Regex.Match(output, @"^Step (\d+)/\d+ : RUN [^\n]*\\\n(?:[^\n]*\\\n)*[^\n]*" + Regex.Escape(text), RegexOptions.Multiline);
        }

        Assert.IsTrue(m.Success, $"no step runs '{text}'\n{Tail(output)}");
        return int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
    }

    private static string StepLog(string output, int step)
    {
        var start = output.IndexOf($"Step {step}/", StringComparison.Ordinal);
        var end = output.IndexOf($"Step {step + 1}/", start, StringComparison.Ordinal);
        return end < 0 ? output[start..] : output[start..end];
    }

    private static string Tail(string text) => text.Length <= 6000 ? text : text[^6000..];

    private static int FreePort()
    {
        using var l = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }

    private static void CopyTree(string from, string to)
    {
        foreach (var d in Directory.EnumerateDirectories(from, "*", SearchOption.AllDirectories))
        {
            var rel = Path.GetRelativePath(from, d);
            if (rel.Split('/').Any(p => p is "bin" or "obj")) continue;
            Directory.CreateDirectory(Path.Combine(to, rel));
        }

        Directory.CreateDirectory(to);
        foreach (var f in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            var rel = Path.GetRelativePath(from, f);
            if (rel.Split('/').Any(p => p is "bin" or "obj")) continue;
            File.Copy(f, Path.Combine(to, rel));
        }
    }
}
