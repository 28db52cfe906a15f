using System.Net.Sockets;
using Containerize.Core.Building;
using Containerize.Core.Building.Plan;
using Containerize.Core.Diagnostics;
using Containerize.Core.Images.Store;
using Containerize.Tests.Infrastructure;

namespace Containerize.Tests.Sdk;

/// <summary>
/// Every sample published and run: HelloConsole and Worker with the builtin engine to the local registry and run in
/// runc; HelloWeb and HelloConsole handed to dockerd (ContainerBuildEngine=Docker) and run with docker; the hand-off's
/// coded errors (a failing RUN, a dead daemon) through MSBuild.
/// </summary>
[TestClass]
[DoNotParallelize]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class SampleEngineTests
{
    [TestMethod]
    [Timeout(1_200_000, CooperativeCancellation = true)]
    public async Task HelloConsoleAndWorkerToTheRegistryRunInRuncAsNonRoot()
    {
        if (!await PublishLab.RegistryAnswersAsync()) Requirements.Missing("the registry on localhost:5000 does not answer (bash eng/setup starts it)");
        Requirements.RequireRoot("RUN of the image in runc");

        using var console = await PublishLab.CopySampleAsync("HelloConsole");
        var consoleRepo = UniqueRepository("hello-console");
        (await console.PublishAsync("HelloConsole", $"-p:ContainerRegistry={PublishLab.Registry}", $"-p:ContainerRepository={consoleRepo}"))
            .EnsureSuccess("dotnet publish HelloConsole");
        await AssertNonRootInRegistryAsync(consoleRepo);
        var output = await RunUntilAsync(console.Store, $"{PublishLab.Registry}/{consoleRepo}:latest", _ => false);
        StringAssert.Contains(output, "Hello from a container!");
        StringAssert.Contains(output, "Running as uid 1654");
        StringAssert.Contains(output, "in /app");

        using var worker = await PublishLab.CopySampleAsync("Worker");
        var workerRepo = UniqueRepository("worker");
        (await worker.PublishAsync("Worker", $"-p:ContainerRegistry={PublishLab.Registry}", $"-p:ContainerRepository={workerRepo}"))
            .EnsureSuccess("dotnet publish Worker");
        await AssertNonRootInRegistryAsync(workerRepo);
        // The worker runs until stopped: stop it once its first tick is logged.
        var log = await RunUntilAsync(worker.Store, $"{PublishLab.Registry}/{workerRepo}:latest", line => line.Contains("tick 1", StringComparison.Ordinal));
        StringAssert.Contains(log, "Worker.TickWorker[0]");
        StringAssert.Contains(log, "tick 1");
    }

    [TestMethod]
    [Timeout(1_200_000, CooperativeCancellation = true)]
    public async Task EverySampleWithTheDockerEngineRunsInDocker()
    {
        if (!await PublishLab.RegistryAnswersAsync()) Requirements.Missing("the registry on localhost:5000 does not answer (bash eng/setup starts it)");
        var docker = DockerEngines.Docker20();

        using var web = await PublishLab.CopySampleAsync("HelloWeb");
        var webImage = UniqueRepository("hello-web-docker") + ":latest";
        var images = new List<string> { webImage };
        try
        {
            var r = (await web.PublishAsync("HelloWeb", "-p:ContainerBuildEngine=Docker", $"-p:ContainerRepository={webImage[..^7]}"))
                .EnsureSuccess("dotnet publish HelloWeb -p:ContainerBuildEngine=Docker");
            var id = await InspectIdAsync(docker, webImage);
            StringAssert.Contains(r.StdOut, $"Container image: {webImage}", "the summary names the tag");
            var json = PublishLab.ImageJson(Path.Combine(web.Root, "HelloWeb"));
            Assert.AreEqual(id, json.GetProperty("imageId").GetString(), "image.json has the ID docker reports");
            Assert.AreEqual("1654", (await RunAsync(docker, ["image", "inspect", "--format", "{{.Config.User}}", webImage])).StdOut.Trim(), "non-root");
            await AssertDockerAnswersHttpAsync(docker, webImage);

            using var console = await PublishLab.CopySampleAsync("HelloConsole");
            var consoleImage = UniqueRepository("hello-console-docker") + ":latest";
            images.Add(consoleImage);
            (await console.PublishAsync("HelloConsole", "-p:ContainerBuildEngine=Docker", $"-p:ContainerRepository={consoleImage[..^7]}"))
                .EnsureSuccess("dotnet publish HelloConsole -p:ContainerBuildEngine=Docker");
            await InspectIdAsync(docker, consoleImage);
            var run = (await RunAsync(docker, ["run", "--rm", "--network=host", consoleImage, "an-argument"])).EnsureSuccess("docker run HelloConsole");
            StringAssert.Contains(run.StdOut, "Hello from a container!");
            StringAssert.Contains(run.StdOut, "Running as uid 1654");
            StringAssert.Contains(run.StdOut, "arg: an-argument");

            // The daemon lost the image: the next publish builds it again instead of skipping as up to date.
            (await RunAsync(docker, ["image", "rm", "-f", consoleImage])).EnsureSuccess("docker image rm");
            var again = (await console.PublishAsync("HelloConsole", "-p:ContainerBuildEngine=Docker", $"-p:ContainerRepository={consoleImage[..^7]}"))
                .EnsureSuccess("publish HelloConsole again");
            Assert.DoesNotContain("image build skipped", again.StdOut);
            await InspectIdAsync(docker, consoleImage);

            using var worker = await PublishLab.CopySampleAsync("Worker");
            var workerImage = UniqueRepository("worker-docker") + ":latest";
            images.Add(workerImage);
            (await worker.PublishAsync("Worker", "-p:ContainerBuildEngine=Docker", $"-p:ContainerRepository={workerImage[..^7]}"))
                .EnsureSuccess("dotnet publish Worker -p:ContainerBuildEngine=Docker");
            // TICKS=1: the sample ends itself after its first tick.
            var ticks = (await RunAsync(docker, ["run", "--rm", "--network=host", "-e", "TICKS=1", "-e", "TICK_MS=10", workerImage])).EnsureSuccess("docker run Worker");
            StringAssert.Contains(ticks.StdOut, "tick 1");

            // The sample with its own Dockerfile has a RUN: on a daemon without a bridge it needs the host's network.
            using var custom = await PublishLab.CopySampleAsync("CustomDockerfile");
            var customImage = UniqueRepository("custom-docker") + ":latest";
            images.Add(customImage);
            (await custom.PublishAsync("CustomDockerfile", "-p:ContainerBuildEngine=Docker", "-p:ContainerBuildNetwork=host", $"-p:ContainerRepository={customImage[..^7]}"))
                .EnsureSuccess("dotnet publish CustomDockerfile -p:ContainerBuildEngine=Docker");
            var prepared = (await RunAsync(docker, ["run", "--rm", "--network=host", customImage])).EnsureSuccess("docker run CustomDockerfile");
            StringAssert.Contains(prepared.StdOut, "prepared at build time by sh in Linux");

            // The solution: only its web app becomes an image, and it answers with the library's greeting.
            using var solution = await PublishLab.CopySampleAsync("Solution");
            var solutionImage = UniqueRepository("solution-web-docker") + ":latest";
            images.Add(solutionImage);
            (await solution.PublishAsync("Solution/Solution.sln", "-p:ContainerBuildEngine=Docker", $"-p:ContainerRepository={solutionImage[..^7]}"))
                .EnsureSuccess("dotnet publish Solution.sln -p:ContainerBuildEngine=Docker");
            await InspectIdAsync(docker, solutionImage);
            Assert.IsFalse(Directory.Exists(Path.Combine(solution.Root, "Solution", "src", "Greetings", "obj", "container")), "the library is no image");
            await AssertDockerAnswersHttpAsync(docker, solutionImage);
        }
        finally
        {
            foreach (var image in images) await RunAsync(docker, ["image", "rm", "-f", image]);
        }
    }

    [TestMethod]
    [Timeout(1_200_000, CooperativeCancellation = true)]
    public async Task DockerEngineFailuresAreCodedMSBuildErrors()
    {
        if (!await PublishLab.RegistryAnswersAsync()) Requirements.Missing("the registry on localhost:5000 does not answer (bash eng/setup starts it)");
        var docker = DockerEngines.Docker20();
        using var lab = await PublishLab.CopySampleAsync("HelloConsole");
        var project = Path.Combine(lab.Root, "HelloConsole");
        await File.WriteAllTextAsync(Path.Combine(project, "Failing.Dockerfile"), $"""
            FROM {PublishLab.Registry}/busybox
            RUN echo about to fail && exit 1
            """);
        var image = UniqueRepository("failing-run");
        // dockerd here has no bridge: RUN steps need the host's network (without it every RUN fails before it starts).
        string[] args = ["-p:ContainerBuildEngine=Docker", "-p:ContainerBuildNetwork=host", "-p:ContainerDockerfile=Failing.Dockerfile", $"-p:ContainerRepository={image}"];
        try
        {
            var failed = await lab.PublishAsync("HelloConsole", args);
            Assert.AreNotEqual(0, failed.ExitCode, failed.StdOut);
            StringAssert.Contains(failed.StdOut, "error CTZ7003:", failed.StdOut);
            StringAssert.Contains(failed.StdOut, "RUN echo about to fail && exit 1", "the error names the step");
            StringAssert.Contains(failed.StdOut, "Failing.Dockerfile(2", "at the RUN's line of the Dockerfile");
            StringAssert.Contains(failed.StdOut, "exit code 1");
            AssertNoStackTrace(failed.StdOut);

            var bad = await lab.PublishAsync("HelloConsole", [.. args[..^1], "-p:ContainerBuildNetwork=bridge"]);
            StringAssert.Contains(bad.StdOut, "error CTZ6019:", bad.StdOut);
            StringAssert.Contains(bad.StdOut, "ContainerBuildNetwork");
        }
        finally
        {
            await RunAsync(docker, ["image", "rm", "-f", image + ":latest"]);
        }

        // A dead daemon: the error says how to start it, or to use the builtin engine.
        lab.Environment["DOCKER_HOST"] = "unix://" + Path.Combine(lab.Root, "no-daemon.sock");
        var down = await lab.PublishAsync("HelloConsole", "-p:ContainerBuildEngine=Docker");
        Assert.AreNotEqual(0, down.ExitCode, down.StdOut);
        StringAssert.Contains(down.StdOut, "error CTZ7002:", down.StdOut);
        StringAssert.Contains(down.StdOut, "no-daemon.sock", "names the address it tried");
        StringAssert.Contains(down.StdOut, "start it", "says how to start the daemon");
        StringAssert.Contains(down.StdOut, "ContainerBuildEngine=Builtin", "or to use the builtin engine");
        AssertNoStackTrace(down.StdOut);
    }

    [TestMethod]
    public async Task PodmanEngineBuildsAnImageThatPodmanRuns()
    {
        if (!await PublishLab.RegistryAnswersAsync()) Requirements.Missing("the registry on localhost:5000 does not answer (bash eng/setup starts it)");
        var podman = Engines.EngineLab.Podman();
        using var console = await PublishLab.CopySampleAsync("HelloConsole");
        foreach (var (k, v) in podman.Environment) console.Environment[k] = v;
        // The lab registry speaks plain HTTP: podman must be told, as a user's registries.conf would.
        var registries = Path.Combine(console.Root, "registries.conf");
        await File.WriteAllTextAsync(registries, "[[registry]]\nlocation = \"localhost:5000\"\ninsecure = true\n");
        console.Environment["CONTAINERS_REGISTRIES_CONF"] = registries;
        var image = UniqueRepository("hello-console-podman") + ":latest";
        try
        {
            // Podman runs here only without a network (../shared/env): none for RUN steps and for the container.
            var r = (await console.PublishAsync("HelloConsole", "-p:ContainerBuildEngine=Podman", "-p:ContainerBuildNetwork=none", $"-p:ContainerRepository={image[..^7]}"))
                .EnsureSuccess("dotnet publish HelloConsole -p:ContainerBuildEngine=Podman");
            StringAssert.Contains(r.StdOut, "podman built image ID sha256:");
            var id = (await podman.RunAsync("image", "inspect", "--format", "{{.Id}}", image)).EnsureSuccess("podman image inspect").StdOut.Trim();
            Assert.AreEqual("sha256:" + id.Replace("sha256:", ""), PublishLab.ImageJson(Path.Combine(console.Root, "HelloConsole")).GetProperty("imageId").GetString(),
                "image.json has the ID podman reports");
            var run = (await podman.RunAsync("run", "--rm", "--network=none", image, "an-argument")).EnsureSuccess("podman run HelloConsole");
            StringAssert.Contains(run.StdOut, "Hello from a container!");
            StringAssert.Contains(run.StdOut, "Running as uid 1654");
            StringAssert.Contains(run.StdOut, "arg: an-argument");
        }
        finally
        {
            await podman.RunAsync("image", "rm", "-f", image);
        }
    }

    private static string UniqueRepository(string name) => $"ctz-test/{name}-{Guid.NewGuid():N}"[..(name.Length + 21)];

    private static void AssertNoStackTrace(string output)
    {
        Assert.DoesNotContain("   at ", output, "no stack trace");
        Assert.DoesNotContain("MSB4018", output, "no unhandled task exception");
    }

    private static async Task AssertNonRootInRegistryAsync(string repository)
    {
        var config = (await PublishLab.SkopeoAsync("inspect", "--tls-verify=false", "--config", $"docker://{PublishLab.Registry}/{repository}:latest")).GetProperty("config");
        var user = config.GetProperty("User").GetString();
        Assert.AreEqual("1654", user, "USER $APP_UID of the .NET base: non-root");
    }

    /// <summary>Runs the image in runc until it exits or a line matches (then stops it); returns its output.</summary>
    private static async Task<string> RunUntilAsync(string storePath, string image, Func<string, bool> stopAt)
    {
        var store = await OciLayoutStore.OpenOrCreateAsync(storePath);
        using var stop = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        var output = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var seen = false;
        try
        {
            await ImageRunner.RunAsync(store, new ContainerRunOptions { Image = image }, BuildRequest.DefaultRuntimeRoot, line =>
            {
                output.Enqueue(line);
                if (!seen && stopAt(line))
                {
                    seen = true;
                    stop.Cancel();
                }
            }, new CollectingSink(), stop.Token);
        }
        catch (Exception e) when (seen && e is OperationCanceledException or ContainerizeException)
        {
        }

        return string.Join('\n', output);
    }

    private static Task<ProcessResult> RunAsync(string docker, string[] args) => ProcessRunner.RunAsync(docker, args, timeout: TimeSpan.FromMinutes(3));

    private static async Task<string> InspectIdAsync(string docker, string image)
    {
        var r = (await RunAsync(docker, ["image", "inspect", "--format", "{{.Id}}", image])).EnsureSuccess($"docker image inspect {image}");
        StringAssert.StartsWith(r.StdOut.Trim(), "sha256:");
        return r.StdOut.Trim();
    }

    private static async Task AssertDockerAnswersHttpAsync(string docker, string image)
    {
        int port;
        using (var listener = new TcpListener(System.Net.IPAddress.Loopback, 0))
        {
            listener.Start();
            port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        }

        // dockerd here has no bridge: the host's network, on a free port.
        var started = (await RunAsync(docker, ["run", "-d", "--rm", "--network=host", "-e", $"ASPNETCORE_HTTP_PORTS={port}", image])).EnsureSuccess("docker run -d HelloWeb");
        var container = started.StdOut.Trim();
        try
        {
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
            HttpResponseMessage? answer = null;
            for (var i = 0; i < 120 && answer is null; i++)
            {
                try
                {
                    answer = await http.GetAsync($"http://127.0.0.1:{port}/");
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
                {
                    await Task.Delay(500);
                }
            }

            var logs = await RunAsync(docker, ["logs", container]);
            Assert.IsNotNull(answer, "the app answered on loopback; its log:\n" + logs.StdOut + logs.StdErr);
            Assert.AreEqual(200, (int)answer.StatusCode);
            StringAssert.Contains(await answer.Content.ReadAsStringAsync(), "Hello");
        }
        finally
        {
            await RunAsync(docker, ["rm", "-f", container]);
        }
    }
}
