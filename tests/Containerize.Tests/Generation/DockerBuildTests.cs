using System.Text.Json;
using Containerize.Core.Generation;
using Containerize.Core.Publishing;
using Containerize.Tests.Infrastructure;

namespace Containerize.Tests.Generation;

/// <summary>
/// Generated Dockerfiles built by a real Docker 26 (BuildKit), against stand-in base images under a test-only mirror
/// host: the final image's configuration and files must be what the plan says. Container mode runs with a busybox
/// "SDK" whose dotnet script fakes restore and publish, which exercises every instruction (cache and secret mounts,
/// the restore-only COPYs, COPY --from) without network access.
/// </summary>
[TestClass]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class DockerBuildTests
{
    [TestMethod]
    public async Task DockerBuild_HostModeImageMatchesThePlan()
    {
        var docker = DockerEngines.Docker26();
        using var dir = new TempDir("ctz-gen-docker");
        var mirror = $"ctzgen{Guid.NewGuid():N}".Substring(0, 14) + ".invalid";
        var tags = new List<string>();
        try
        {
            await BuildBase(docker, dir, $"{mirror}/dotnet/aspnet:10.0", tags);
            var model = SampleProjects.MultiProject() with { Container = SampleProjects.MultiProject().Container with { ContainerBaseImageMirror = mirror } };
            var files = SampleProjects.PublishOutput(model)
                .Select(f => f with { SourcePath = dir.Write(Path.Combine("publish", f.RelativePath), "content of " + f.RelativePath) })
                .ToList();
            var plan = ContainerPlanner.Plan(model, SampleProjects.Now);
            var layers = LayerPlanner.Plan(files, ContainerLayering.Dependencies, false, model.ProjectPath);
            var host = await HostModeContext.PrepareAsync(plan, layers, dir.Combine("obj", "container"), CancellationToken.None);

            var image = $"{mirror}/out:host";
            tags.Add(image);
            (await ProcessRunner.RunAsync(docker, ["build", "-q", "-f", host.DockerfilePath, "-t", image, host.ContextDirectory], timeout: TimeSpan.FromMinutes(3)))
                .EnsureSuccess("docker build (Host mode)");
            var config = await Inspect(docker, image);
            var c = config.GetProperty("Config");
            Assert.AreEqual("1654", c.GetProperty("User").GetString(), "USER $APP_UID takes the base image's APP_UID");
            Assert.AreEqual("/app/", c.GetProperty("WorkingDir").GetString());
            CollectionAssert.AreEquivalent(new[] { "8080/tcp", "8081/tcp", "9000/udp" }, c.GetProperty("ExposedPorts").EnumerateObject().Select(p => p.Name).ToArray());
            var env = c.GetProperty("Env").EnumerateArray().Select(e => e.GetString()).ToArray();
            CollectionAssert.Contains(env, "GREETING=say \"hi\" to $USER", "values are literal");
            CollectionAssert.Contains(env, "DOTNET_gcServer=0");
            var labels = c.GetProperty("Labels");
            Assert.AreEqual("shop", labels.GetProperty("com.example.team").GetString());
            Assert.AreEqual("mcr.microsoft.com/dotnet/aspnet:10.0", labels.GetProperty("org.opencontainers.image.base.name").GetString());
            CollectionAssert.AreEqual(new[] { "dotnet", "/app/Shop.Web.dll" }, c.GetProperty("Entrypoint").EnumerateArray().Select(e => e.GetString()).ToArray());
            // The COPYs make /app before WORKDIR; BuildKit still commits an empty layer for WORKDIR of an existing folder
            // (our engine adds none), so the count is the same as with WORKDIR first.
            Assert.AreEqual(layers.Layers.Count + 1, config.GetProperty("RootFS").GetProperty("Layers").GetArrayLength(), "one layer per COPY, and BuildKit's WORKDIR layer");

            var listing = await Files(docker, image, dir);
            foreach (var f in layers.AllFiles) CollectionAssert.Contains(listing, "app/" + f.RelativePath);
            Assert.IsFalse(listing.Any(f => f.EndsWith(".pdb", StringComparison.Ordinal)), "symbols are left out");
        }
        finally
        {
            await Remove(docker, tags);
        }
    }

    [TestMethod]
    public async Task DockerBuild_ContainerModeRunsEveryStage()
    {
        var docker = DockerEngines.Docker26();
        var busybox = Requirements.FindOnPath("/bin/busybox") ?? Requirements.Tool("busybox");
        using var dir = new TempDir("ctz-gen-docker");
        var mirror = $"ctzgen{Guid.NewGuid():N}".Substring(0, 14) + ".invalid";
        var tags = new List<string>();
        try
        {
            await BuildBase(docker, dir, $"{mirror}/dotnet/aspnet:10.0", tags);
            await BuildFakeSdk(docker, dir, busybox, $"{mirror}/dotnet/sdk:10.0", tags);
            var repo = dir.Combine("repo");
            var model = SampleProjects.MultiProject() with
            {
                ProjectPath = Path.Combine(repo, "src/Shop.Web/Shop.Web.csproj"),
                ContextRoot = repo,
                ProjectReferences = [Path.Combine(repo, "src/Shop.Core/Shop.Core.csproj")],
                RestoreFiles = [Path.Combine(repo, "Directory.Build.props"), Path.Combine(repo, "nuget.config")],
                Container = SampleProjects.MultiProject().Container with { ContainerBaseImageMirror = mirror, ContainerBuildMode = ContainerBuildMode.Container },
            };
            foreach (var f in DockerfileWriter.RestoreInputs(model)) dir.Write(Path.Combine("repo", f), "<Project />");
            dir.Write("repo/src/Shop.Web/Program.cs", "// the app");
            dir.Write("repo/src/Shop.Web/bin/Debug/stale.dll", "must not be sent");
            var plan = ContainerPlanner.Plan(model, SampleProjects.Now);
            var ejected = EjectedDockerfile.Create(plan);
            await ejected.WriteAsync(CancellationToken.None);

            var image = $"{mirror}/out:container";
            tags.Add(image);
            // The restore step's extras: the local package folder as a named context, the CA bundle as a secret.
            var packages = dir.Write("packages/Containerize.Sdk.0.0.0.nupkg", "fake package");
            var ca = dir.Write("ca.crt", "CTZ-FAKE-CA");
            (await ProcessRunner.RunAsync(docker, ["build", "--network=host", "-f", ejected.Dockerfile.Path, "--build-arg", "NUGET_FEED_TOKEN=t0k3n",
                    "--build-context", $"{ContainerModeBuild.LocalPackagesContext}={Path.GetDirectoryName(packages)}",
                    "--secret", $"id={ContainerModeBuild.CaBundleSecretId},src={ca}", "-t", image, repo], timeout: TimeSpan.FromMinutes(3)))
                .EnsureSuccess("docker build (Container mode)");
            var config = await Inspect(docker, image);
            CollectionAssert.AreEqual(new[] { "dotnet", "/app/Shop.Web.dll" },
                config.GetProperty("Config").GetProperty("Entrypoint").EnumerateArray().Select(e => e.GetString()).ToArray());
            var listing = await Files(docker, image, dir);
            CollectionAssert.Contains(listing, "app/Shop.Web.dll");
            CollectionAssert.Contains(listing, "app/dotnet.log", "the fake SDK's publish ran, after its checks of the restore inputs, sources, ignored bin/ and build argument");
        }
        finally
        {
            await Remove(docker, tags);
        }
    }

    private static async Task BuildBase(string docker, TempDir dir, string tag, List<string> tags)
    {
        // What the Microsoft images set and the plan relies on: APP_UID and the ASP.NET Core port.
        var ctx = dir.Write($"base/Dockerfile", "FROM scratch\nENV APP_UID=1654 ASPNETCORE_HTTP_PORTS=8080\n");
        tags.Add(tag);
        (await ProcessRunner.RunAsync(docker, ["build", "-q", "-t", tag, Path.GetDirectoryName(ctx)!], timeout: TimeSpan.FromMinutes(2))).EnsureSuccess("docker build (base)");
    }

    private static async Task BuildFakeSdk(string docker, TempDir dir, string busybox, string tag, List<string> tags)
    {
        // dotnet restore checks that the restore inputs were copied; dotnet publish writes the app and what it saw.
        const string script = """
            #!/bin/sh
            set -e
            cmd=$1; shift
            project=$1
            [ -f "$project" ] || { echo "no project $project" >&2; exit 1; }
            [ -f Directory.Build.props ] && [ -f nuget.config ] && [ -f src/Shop.Core/Shop.Core.csproj ] || { echo "restore inputs missing" >&2; exit 1; }
            if [ "$cmd" = restore ]; then
              [ -f /containerize-packages/Containerize.Sdk.0.0.0.nupkg ] || { echo "local package folder not mounted" >&2; exit 1; }
              grep -q CTZ-FAKE-CA /etc/ssl/certs/ca-certificates.crt || { echo "CA bundle secret not mounted" >&2; exit 1; }
              case "$*" in *RestoreAdditionalProjectSources=/containerize-packages*) ;; *) echo "no local source" >&2; exit 1;; esac
            fi
            out=""
            while [ $# -gt 0 ]; do [ "$1" = "-o" ] && out=$2; shift; done
            if [ "$cmd" = publish ]; then
              [ -f src/Shop.Web/Program.cs ] || { echo "sources missing" >&2; exit 1; }
              [ ! -e src/Shop.Web/bin ] || { echo "bin/ was sent" >&2; exit 1; }
              [ "$NUGET_FEED_TOKEN" = t0k3n ] || { echo "build arg missing" >&2; exit 1; }
              [ -z "$(ls -A /containerize-packages 2>/dev/null)" ] || { echo "the local package folder outlived restore" >&2; exit 1; }
              [ ! -s /etc/ssl/certs/ca-certificates.crt ] || { echo "the CA bundle outlived restore" >&2; exit 1; }
              mkdir -p "$out"
              echo app > "$out/Shop.Web.dll"
              echo "$cmd $*" > "$out/dotnet.log"
            fi
            """;
        dir.Write("sdk/dotnet", script.Replace("\r", "", StringComparison.Ordinal) + "\n");
        Directory.CreateDirectory(dir.Combine("sdk", "bin"));
        File.Copy(busybox, dir.Combine("sdk", "bin", "busybox"));
        foreach (var applet in new[] { "sh", "mkdir", "cat", "ls", "grep" }) File.CreateSymbolicLink(dir.Combine("sdk", "bin", applet), "busybox");
        dir.Write("sdk/Dockerfile", """
            FROM scratch
            COPY bin /bin
            COPY --chmod=755 dotnet /usr/bin/dotnet
            ENV PATH=/usr/bin:/bin
            """);
        tags.Add(tag);
        (await ProcessRunner.RunAsync(docker, ["build", "-q", "-t", tag, dir.Combine("sdk")], timeout: TimeSpan.FromMinutes(2))).EnsureSuccess("docker build (fake SDK)");
    }

    private static async Task<JsonElement> Inspect(string docker, string image)
    {
        var r = (await ProcessRunner.RunAsync(docker, ["image", "inspect", image])).EnsureSuccess("docker image inspect");
        using var doc = JsonDocument.Parse(r.StdOut);
        return doc.RootElement[0].Clone();
    }

    private static async Task<string[]> Files(string docker, string image, TempDir dir)
    {
        var tar = dir.Combine("image.tar");
        var name = "ctz-gen-" + Guid.NewGuid().ToString("N")[..12];
        (await ProcessRunner.RunAsync(docker, ["create", "--name", name, image, "x"])).EnsureSuccess("docker create");
        try
        {
            (await ProcessRunner.RunAsync(docker, ["export", "-o", tar, name])).EnsureSuccess("docker export");
        }
        finally
        {
            await ProcessRunner.RunAsync(docker, ["rm", name]);
        }

        await using var stream = File.OpenRead(tar);
        using var reader = new System.Formats.Tar.TarReader(stream);
        var names = new List<string>();
        while (await reader.GetNextEntryAsync() is { } entry) names.Add(entry.Name.TrimStart('.', '/'));
        return names.ToArray();
    }

    private static async Task Remove(string docker, List<string> tags)
    {
        if (tags.Count > 0) await ProcessRunner.RunAsync(docker, ["rmi", "-f", .. tags]);
    }
}
