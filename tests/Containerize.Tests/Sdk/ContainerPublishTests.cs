using System.Net.Sockets;
using System.Text.Json;
using Containerize.Core.Building;
using Containerize.Core.Building.Plan;
using Containerize.Core.Diagnostics;
using Containerize.Core.Images.Store;
using Containerize.Tests.Infrastructure;

namespace Containerize.Tests.Sdk;

/// <summary>
/// `dotnet publish -p:ContainerBuild=true` end to end with the packed package, on copies of the samples: the image in
/// the local registry checked with skopeo and umoci and run with runc, the incremental second publish, reproducibility
/// across clone folders, archives, command-line settings, coded errors and solutions.
/// </summary>
[TestClass]
[DoNotParallelize]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class ContainerPublishTests
{
    [TestMethod]
    [Timeout(1_200_000, CooperativeCancellation = true)]
    public async Task HelloWebToTheRegistryRunsAsNonRootAndRebuildsOnlyTheAppLayer()
    {
        if (!await PublishLab.RegistryAnswersAsync()) Requirements.Missing("the registry on localhost:5000 does not answer (bash eng/setup starts it)");
        Requirements.RequireRoot("RUN of the image in runc and umoci unpack with owners");
        using var lab = await PublishLab.CopySampleAsync("HelloWeb");
        var repo = $"ctz-test/hello-web-{Guid.NewGuid():N}"[..30];
        string[] args = [$"-p:ContainerRegistry={PublishLab.Registry}", $"-p:ContainerRepository={repo}", "-p:ContainerEnv=\"A=1;B=2\""];

        var first = (await lab.PublishAsync("HelloWeb", args)).EnsureSuccess("dotnet publish -p:ContainerBuild=true");
        StringAssert.Contains(first.StdOut, "Dockerfile: ", "the Dockerfile path is in the log");
        StringAssert.Contains(first.StdOut, $"Container image: {PublishLab.Registry}/{repo}:latest sha256:");
        var project = Path.Combine(lab.Root, "HelloWeb");
        var json = PublishLab.ImageJson(project);
        var digest = json.GetProperty("manifestDigest").GetString()!;
        var layers = json.GetProperty("layers").EnumerateArray().ToList();
        Assert.HasCount(2, layers, "static web assets, then the app");
        StringAssert.Contains(layers[0].GetProperty("instruction").GetString(), "static-web-assets/");
        StringAssert.Contains(layers[1].GetProperty("instruction").GetString(), "app/");

        // The registry serves what the metadata says; skopeo reads the config.
        var remote = $"docker://{PublishLab.Registry}/{repo}:latest";
        var inspect = await PublishLab.SkopeoAsync("inspect", "--tls-verify=false", remote);
        Assert.AreEqual(digest, inspect.GetProperty("Digest").GetString());
        var config = (await PublishLab.SkopeoAsync("inspect", "--tls-verify=false", "--config", remote)).GetProperty("config");
        Assert.AreEqual("1654", config.GetProperty("User").GetString(), "USER $APP_UID of the .NET base: non-root");
        var env = config.GetProperty("Env").EnumerateArray().Select(e => e.GetString()).ToList();
        CollectionAssert.Contains(env, "A=1", "'-p:ContainerEnv=\"A=1;B=2\"' keeps the list in one property");
        CollectionAssert.Contains(env, "B=2");
        Assert.IsTrue(config.GetProperty("ExposedPorts").TryGetProperty("8080/tcp", out _));
        Assert.AreEqual("1970-01-01T00:00:00.0000000Z", config.GetProperty("Labels").GetProperty("org.opencontainers.image.created").GetString(),
            "no SOURCE_DATE_EPOCH and no git: the fixed epoch, not the clock");

        // umoci, from an OCI layout skopeo copied out of the registry: modes as published.
        var layout = Path.Combine(lab.Root, "layout");
        (await ProcessRunner.RunAsync(Requirements.Tool("skopeo"), ["copy", "--src-tls-verify=false", remote, $"oci:{layout}:app"])).EnsureSuccess("skopeo copy");
        var bundle = Path.Combine(lab.Root, "bundle");
        (await ProcessRunner.RunAsync(Requirements.Tool("umoci"), ["unpack", "--image", $"{layout}:app", bundle])).EnsureSuccess("umoci unpack");
        var app = Path.Combine(bundle, "rootfs", "app");
        Assert.AreEqual("755", Mode(Path.Combine(app, "HelloWeb")), "the apphost stays executable");
        Assert.AreEqual("644", Mode(Path.Combine(app, "HelloWeb.dll")));
        Assert.IsTrue(File.Exists(Path.Combine(app, "wwwroot", "index.html")), "the static web assets are in the image");
        Assert.IsTrue(File.Exists(Path.Combine(app, "HelloWeb.pdb")), "symbols are in the image by default, as in the SDK's");

        // Another clone folder, another store, an archive instead of the registry: the same image, static web assets included.
        using (var clone = await PublishLab.CopySampleAsync("HelloWeb", "HelloWeb-other-clone"))
        {
            (await clone.PublishAsync("HelloWeb-other-clone", "-p:ContainerArchiveOutputPath=out/", "-p:ContainerEnv=\"A=1;B=2\"")).EnsureSuccess("publish the other clone");
            Assert.AreEqual(digest, PublishLab.ImageJson(Path.Combine(clone.Root, "HelloWeb-other-clone")).GetProperty("manifestDigest").GetString(),
                "the same web app from another folder gives the same digest");
        }

        // runc: the image answers HTTP 200 on loopback; two containers of it with -P at once, each on its own port.
        await AssertAnswersHttpAsync(lab.Store, $"{PublishLab.Registry}/{repo}:latest");
        await AssertTwoContainersAnswerOnPublishedPortsAsync(lab.Store, $"{PublishLab.Registry}/{repo}:latest");

        // Nothing changed: no layer work, nothing uploaded, the outputs still set.
        var second = (await lab.PublishAsync("HelloWeb", args)).EnsureSuccess("second publish");
        StringAssert.Contains(second.StdOut, "image build skipped (nothing changed)");
        Assert.DoesNotContain("pushed", second.StdOut, "no upload");
        var items = (await lab.PublishAsync("HelloWeb", [.. args, "-getItem:GeneratedContainer", "-getProperty:GeneratedContainerMetadata"])).EnsureSuccess("publish -getItem");
        using (var outputs = JsonDocument.Parse(items.StdOut))
        {
            var container = outputs.RootElement.GetProperty("Items").GetProperty("GeneratedContainer")[0];
            Assert.AreEqual(digest, container.GetProperty("ManifestDigest").GetString());
            StringAssert.Contains(container.GetProperty("Manifest").GetString(), "application/vnd.oci.image.manifest.v1+json");
            StringAssert.Contains(container.GetProperty("Configuration").GetString(), "\"A=1\"");
            StringAssert.EndsWith(outputs.RootElement.GetProperty("Properties").GetProperty("GeneratedContainerMetadata").GetString(), "image.json");
        }

        // A code change: only the app layer changes; the static web assets layer keeps its digest and is not uploaded again.
        var program = Path.Combine(project, "Program.cs");
        await File.WriteAllTextAsync(program, (await File.ReadAllTextAsync(program)).Replace("Hello from Containerize!", "Hello again from Containerize!"));
        var third = (await lab.PublishAsync("HelloWeb", args)).EnsureSuccess("publish after a code change");
        var after = PublishLab.ImageJson(project).GetProperty("layers").EnumerateArray().ToList();
        Assert.AreEqual(layers[0].GetProperty("digest").GetString(), after[0].GetProperty("digest").GetString(), "the static web assets layer is unchanged");
        Assert.IsTrue(after[0].GetProperty("reused").GetBoolean(), "and came from the cache");
        Assert.AreNotEqual(layers[1].GetProperty("digest").GetString(), after[1].GetProperty("digest").GetString(), "the app layer changed");
        Assert.IsFalse(after[1].GetProperty("reused").GetBoolean());
        StringAssert.Contains(third.StdOut, "layers: 1 reused, 1 rebuilt");
    }

    [TestMethod]
    [Timeout(1_200_000, CooperativeCancellation = true)]
    public async Task TwoClonesGiveTheSameDigestAndArchivesThatSkopeoReads()
    {
        if (!await PublishLab.RegistryAnswersAsync()) Requirements.Missing("the registry on localhost:5000 does not answer (bash eng/setup starts it)");
        using var a = await PublishLab.CopySampleAsync("HelloConsole", "clone-one");
        using var b = await PublishLab.CopySampleAsync("HelloConsole", "second-clone-elsewhere");

        // A folder (trailing '/') gets <repository>.tar.gz, as in the SDK; OCI format for the second.
        (await a.PublishAsync("clone-one", "-p:ContainerArchiveOutputPath=out/")).EnsureSuccess("publish clone one");
        (await b.PublishAsync("second-clone-elsewhere", "-p:ContainerArchiveOutputPath=out/image.tar", "-p:ContainerImageFormat=OCI")).EnsureSuccess("publish clone two");
        var ja = PublishLab.ImageJson(Path.Combine(a.Root, "clone-one"));
        var jb = PublishLab.ImageJson(Path.Combine(b.Root, "second-clone-elsewhere"));
        Assert.AreEqual(ja.GetProperty("manifestDigest").GetString(), jb.GetProperty("manifestDigest").GetString(), "the same project from two folders: the same image");
        CollectionAssert.AreEqual(new[] { "packages", "app" }, ja.GetProperty("layers").EnumerateArray()
            .Select(l => l.GetProperty("instruction").GetString()!.Split('"')[1].TrimEnd('/')).ToArray(), "Humanizer's layer, then the app");

        var archiveA = Path.Combine(a.Root, "clone-one", "out", "hello-console.tar.gz");
        Assert.AreEqual(archiveA, ja.GetProperty("archive").GetString());
        var fromDocker = await PublishLab.SkopeoAsync("inspect", $"docker-archive:{archiveA}");
        var fromOci = await PublishLab.SkopeoAsync("inspect", $"oci-archive:{Path.Combine(b.Root, "second-clone-elsewhere", "out", "image.tar")}");
        Assert.AreEqual(ja.GetProperty("manifestDigest").GetString(), fromOci.GetProperty("Digest").GetString(), "the OCI archive holds the built manifest");
        // The docker-archive carries the stored (compressed) layers, as the SDK's tarballs do; skopeo decompresses
        // them and names each by its diff ID, which must be the config's.
        Assert.AreEqual(fromOci.GetProperty("Layers").GetArrayLength(), fromDocker.GetProperty("Layers").GetArrayLength());
        using var config = JsonDocument.Parse(File.ReadAllText(Path.Combine(a.Root, "clone-one", "obj", "container", "config.json")));
        CollectionAssert.AreEqual(config.RootElement.GetProperty("rootfs").GetProperty("diff_ids").EnumerateArray().Select(d => d.GetString()).ToArray(),
            fromDocker.GetProperty("Layers").EnumerateArray().Select(d => d.GetString()).ToArray());
    }

    [TestMethod]
    [Timeout(1_200_000, CooperativeCancellation = true)]
    public async Task BadSettingsAreCodedMSBuildErrorsWithoutStackTraces()
    {
        if (!await PublishLab.RegistryAnswersAsync()) Requirements.Missing("the registry on localhost:5000 does not answer (bash eng/setup starts it)");
        using var lab = await PublishLab.CopySampleAsync("HelloConsole");
        (string Code, string[] Args)[] cases =
        [
            ("CTZ6001", ["-p:ContainerRepository=Bad Name!"]),
            ("CTZ6002", ["-p:ContainerImageTag=bad:tag"]),
            ("CTZ6005", ["-p:ContainerPorts=99999"]),
            ("CTZ6007", ["-p:ContainerEnv=\"1A=x;B=2\""]),
            ("CTZ6027", ["-p:ContainerDockerfile=no/such/Dockerfile"]),
            ("CTZ5002", ["-p:ContainerBaseImage=localhost:5000/ctz-test/no-such-image:1"]),
            ("CTZ4004", ["-p:ContainerRegistry=localhost:1", "-p:ContainerRepository=unreachable"]),
        ];
        foreach (var (code, args) in cases)
        {
            var r = await lab.PublishAsync("HelloConsole", args);
            Assert.AreNotEqual(0, r.ExitCode, $"{code}: the publish fails\n{r.StdOut}");
            StringAssert.Contains(r.StdOut, $"error {code}:", $"{string.Join(' ', args)} gives {code}\n{r.StdOut}");
            Assert.DoesNotContain("   at ", r.StdOut, "no stack trace");
            Assert.DoesNotContain("MSB4018", r.StdOut, "no unhandled task exception");
        }

        var multi = Path.Combine(lab.Root, "Multi");
        Directory.CreateDirectory(multi);
        await File.WriteAllTextAsync(Path.Combine(multi, "Multi.csproj"), """
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup><OutputType>Exe</OutputType><TargetFrameworks>net10.0;net8.0</TargetFrameworks></PropertyGroup>
            </Project>
            """);
        await File.WriteAllTextAsync(Path.Combine(multi, "Program.cs"), "System.Console.WriteLine(1);\n");
        var m = await lab.PublishAsync("Multi/Multi.csproj");
        StringAssert.Contains(m.StdOut, "error CTZ6012:", m.StdOut);
    }

    [TestMethod]
    [Timeout(1_200_000, CooperativeCancellation = true)]
    public async Task SolutionPublishBuildsAnImageOnlyForTheWebApp()
    {
        if (!await PublishLab.RegistryAnswersAsync()) Requirements.Missing("the registry on localhost:5000 does not answer (bash eng/setup starts it)");
        using var lab = await PublishLab.CopySampleAsync("Solution");
        var r = (await lab.PublishAsync("Solution/Solution.sln", "-p:ContainerArchiveOutputPath=" + Path.Combine(lab.Root, "images") + "/")).EnsureSuccess("dotnet publish Solution.sln");
        var images = Directory.GetFiles(Path.Combine(lab.Root, "images")).Select(Path.GetFileName).ToArray();
        CollectionAssert.AreEqual(new[] { "solution-web.tar.gz" }, images, r.StdOut);
        Assert.IsTrue(File.Exists(Path.Combine(lab.Root, "Solution", "src", "Web", "obj", "container", "image.json")));
        Assert.IsFalse(Directory.Exists(Path.Combine(lab.Root, "Solution", "src", "Greetings", "obj", "container")), "the library is no image");
        Assert.IsFalse(Directory.Exists(Path.Combine(lab.Root, "Solution", "tests", "Greetings.Tests", "obj", "container")), "nor the test project");
        var layers = PublishLab.ImageJson(Path.Combine(lab.Root, "Solution", "src", "Web")).GetProperty("layers").EnumerateArray()
            .Select(l => l.GetProperty("instruction").GetString()!).ToList();
        Assert.IsTrue(layers.Any(l => l.Contains("project-references/", StringComparison.Ordinal)), "the referenced library has its own layer: " + string.Join(", ", layers));
    }

    [TestMethod]
    [Timeout(1_200_000, CooperativeCancellation = true)]
    public async Task CustomDockerfileSampleIsBuiltFromTheProjectsOwnDockerfile()
    {
        if (!await PublishLab.RegistryAnswersAsync()) Requirements.Missing("the registry on localhost:5000 does not answer (bash eng/setup starts it)");
        Requirements.RequireRoot("RUN in runc");
        using var lab = await PublishLab.CopySampleAsync("CustomDockerfile");
        var r = (await lab.PublishAsync("CustomDockerfile", "-p:ContainerArchiveOutputPath=out/")).EnsureSuccess("dotnet publish CustomDockerfile");
        var project = Path.Combine(lab.Root, "CustomDockerfile");
        StringAssert.Contains(r.StdOut, $"Dockerfile: {Path.Combine(project, "Dockerfile")}", "the project's Dockerfile, not a generated one");
        var layers = PublishLab.ImageJson(project).GetProperty("layers").EnumerateArray().Select(l => l.GetProperty("instruction").GetString()!).ToList();
        Assert.HasCount(2, layers, string.Join(", ", layers));
        StringAssert.StartsWith(layers[0], "RUN mkdir -p /app/data");

        var store = await OciLayoutStore.OpenOrCreateAsync(lab.Store);
        var output = new List<string>();
        await ImageRunner.RunAsync(store, new ContainerRunOptions { Image = "custom-dockerfile:latest" }, BuildRequest.DefaultRuntimeRoot, output.Add, new CollectingSink(), CancellationToken.None);
        StringAssert.Contains(string.Join('\n', output), "prepared at build time by sh in Linux");
    }

    /// <summary>
    /// The guide's `docker run -d -P` twice, then `docker port`: two containers of the app at once (the same port 8080
    /// inside, a network each), both answering on their own host port; after rm the ports are free.
    /// </summary>
    private static async Task AssertTwoContainersAnswerOnPublishedPortsAsync(string storePath, string image)
    {
        Requirements.Tool("slirp4netns");
        using var runtime = new TempDir("ctz-ports");
        Task<CliResult> Cli(params string[] args) => CliRunner.RunAsync(runtime.Path, [args[0], "--runtime-root", runtime.Path, .. args[1..]]);
        var ports = new List<int>();
        try
        {
            foreach (var name in new[] { "hello-web-1", "hello-web-2" })
            {
                var run = await Cli("run", "--store", storePath, "-d", "-P", "--name", name, image);
                Assert.AreEqual(0, run.ExitCode, run.StdErr);
                var port = await Cli("port", name);
                var match = System.Text.RegularExpressions.Regex.Match(port.StdOut, @"^8080/tcp -> 0\.0\.0\.0:(\d+)\n$");
                Assert.IsTrue(match.Success, "the SDK's port 8080, published as docker port prints it: " + port.StdOut);
                ports.Add(int.Parse(match.Groups[1].Value));
            }

            Assert.AreNotEqual(ports[0], ports[1]);
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
            foreach (var port in ports)
            {
                string? body = null;
                for (var i = 0; i < 120 && body is null; i++)
                {
                    try
                    {
                        body = await http.GetStringAsync($"http://127.0.0.1:{port}/");
                    }
                    catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
                    {
                        await Task.Delay(500);
                    }
                }

                StringAssert.Contains(body, "Hello", $"the container on host port {port} answered");
            }
        }
        finally
        {
            await Cli("rm", "-f", "hello-web-1", "hello-web-2");
        }

        foreach (var port in ports)
        {
            using var again = new TcpListener(System.Net.IPAddress.Any, port);
            again.Start();
        }
    }

    internal static string Mode(string path) => Convert.ToString((int)File.GetUnixFileMode(path) & 0x1ff, 8);

    internal static async Task AssertAnswersHttpAsync(string storePath, string image)
    {
        int port;
        using (var listener = new TcpListener(System.Net.IPAddress.Loopback, 0))
        {
            listener.Start();
            port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        }

        var store = await OciLayoutStore.OpenOrCreateAsync(storePath);
        using var stop = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        var output = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var run = Task.Run(() => ImageRunner.RunAsync(store, new ContainerRunOptions { Image = image, Env = [$"ASPNETCORE_HTTP_PORTS={port}"] }, BuildRequest.DefaultRuntimeRoot,
            output.Enqueue, new CollectingSink(), stop.Token));
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        HttpResponseMessage? answer = null;
        for (var i = 0; i < 120 && answer is null && !run.IsCompleted; i++)
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

        await stop.CancelAsync();
        try
        {
            await run;
        }
        catch (Exception e) when (e is OperationCanceledException or ContainerizeException)
        {
        }

        Assert.IsNotNull(answer, "the app answered on loopback; its output:\n" + string.Join('\n', output));
        Assert.AreEqual(200, (int)answer.StatusCode);
        StringAssert.Contains(await answer.Content.ReadAsStringAsync(), "Hello");
    }
}
