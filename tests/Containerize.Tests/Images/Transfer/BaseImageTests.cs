using System.Text.Json;
using Containerize.Core.Images.Oci;
using Containerize.Core.Images.Store;
using Containerize.Core.Images.Transfer;
using Containerize.Tests.Infrastructure;

namespace Containerize.Tests.Images.Transfer;

/// <summary>The offline base images eng/setup.d/40-base-images.sh builds under artifacts/base-images.</summary>
[TestClass]
public sealed class BaseImageTests
{
    private static string Layout(string name)
    {
        var path = Path.Combine(RepoPaths.Root, "artifacts", "base-images", name);
        if (!File.Exists(Path.Combine(path, "index.json"))) Requirements.Missing($"base image {name} not built at {path} (bash eng/setup builds it)");
        return path;
    }

    [TestMethod]
    [DataRow("busybox", "latest", 1)]
    [DataRow("debian", "bookworm", 1)]
    [DataRow("runtime-deps", "10.0", 2)]
    [DataRow("runtime", "10.0", 3)]
    [DataRow("aspnet", "10.0", 4)]
    [DataRow("sdk", "10.0", 5)]
    public async Task BaseImagesAreLayeredAsMicrosoftLayersThem(string name, string tag, int layers)
    {
        var layout = OciLayoutStore.OpenExisting(Layout(name));
        var imported = await new ImageImporter(layout).ImportAsync(ImageLocation.Parse($"oci-layout://{layout.Root}:{tag}"));
        var manifest = await layout.ReadManifestAsync(imported.Manifest);
        Assert.HasCount(layers, manifest.Layers);
        var config = await layout.ReadConfigAsync(manifest.Config);
        var env = config.Config!.Env!.ToDictionary(e => e[..e.IndexOf('=')], e => e[(e.IndexOf('=') + 1)..]);
        StringAssert.Contains(env["PATH"], "/usr/bin");
        if (layers >= 2)
        {
            Assert.AreEqual("1654", env["APP_UID"]);
            Assert.AreEqual("8080", env["ASPNETCORE_HTTP_PORTS"]);
            Assert.AreEqual("true", env["DOTNET_RUNNING_IN_CONTAINER"]);
            // Each image is its base plus one layer: the base's layers are shared, not rebuilt.
            var baseName = name switch { "runtime-deps" => ("debian", "bookworm"), "runtime" => ("runtime-deps", "10.0"), "aspnet" => ("runtime", "10.0"), _ => ("aspnet", "10.0") };
            var baseLayout = OciLayoutStore.OpenExisting(Layout(baseName.Item1));
            var baseImage = await new ImageImporter(baseLayout).ImportAsync(ImageLocation.Parse($"oci-layout://{baseLayout.Root}:{baseName.Item2}"));
            var baseManifest = await baseLayout.ReadManifestAsync(baseImage.Manifest);
            CollectionAssert.AreEqual(baseManifest.Layers.ToList(), manifest.Layers.Take(layers - 1).ToList());
        }

        if (layers >= 3) Assert.IsTrue(env.ContainsKey("DOTNET_VERSION"));
        if (layers >= 4) Assert.IsTrue(env.ContainsKey("ASPNET_VERSION"));
        if (layers >= 5)
        {
            Assert.IsTrue(env.ContainsKey("DOTNET_SDK_VERSION"));
            Assert.AreEqual("skip", env["NUGET_XMLDOC_MODE"]);
        }

        var skopeo = Requirements.Tool("skopeo");
        var inspect = (await ProcessRunner.RunAsync(skopeo, ["inspect", $"oci:{layout.Root}:{tag}"])).EnsureSuccess("skopeo inspect");
        using var doc = JsonDocument.Parse(inspect.StdOut);
        Assert.AreEqual(layers, doc.RootElement.GetProperty("Layers").GetArrayLength());
    }

    [TestMethod]
    public async Task AspnetBaseImageRunsDotnetInDocker()
    {
        var docker = DockerEngines.Docker20();
        var layout = Layout("aspnet");
        using var dir = new TempDir();
        var store = dir.Combine("store");
        const string name = "ctz-base-test/aspnet:10.0";
        Assert.AreEqual(0, (await CliRunner.RunAsync(dir.Path, "load", $"oci-layout://{layout}:10.0", "--tag", name, "--store", store)).ExitCode);
        var load = await CliRunner.RunAsync(dir.Path, "load-into", "docker", name, "--client", docker, "--store", store);
        Assert.AreEqual(0, load.ExitCode, load.StdErr);
        try
        {
            var run = (await ProcessRunner.RunAsync(docker, ["run", "--rm", "--network", "none", "--user", "app", name, "sh", "-c", "dotnet --list-runtimes && id && echo $HOME"]))
                .EnsureSuccess("docker run");
            StringAssert.Contains(run.StdOut, "Microsoft.AspNetCore.App 10.0");
            StringAssert.Contains(run.StdOut, "Microsoft.NETCore.App 10.0");
            StringAssert.Contains(run.StdOut, "uid=1654(app) gid=1654(app)");
            StringAssert.Contains(run.StdOut, "/home/app");
        }
        finally
        {
            await ProcessRunner.RunAsync(docker, ["rmi", "-f", name]);
        }
    }

    [TestMethod]
    public async Task BusyboxBaseImageRunsInDocker()
    {
        var docker = DockerEngines.Docker20();
        var layout = Layout("busybox");
        using var dir = new TempDir();
        const string name = "ctz-base-test/busybox:latest";
        Assert.AreEqual(0, (await CliRunner.RunAsync(dir.Path, "load", $"oci-layout://{layout}:latest", "--tag", name, "--store", dir.Combine("s"))).ExitCode);
        Assert.AreEqual(0, (await CliRunner.RunAsync(dir.Path, "load-into", "docker", name, "--client", docker, "--store", dir.Combine("s"))).ExitCode);
        try
        {
            var run = (await ProcessRunner.RunAsync(docker, ["run", "--rm", "--network", "none", name, "sh", "-c", "whoami; stat -c %a /tmp; ls /bin | wc -l"])).EnsureSuccess("docker run");
            var lines = run.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.AreEqual("root", lines[0]);
            Assert.AreEqual("1777", lines[1]);
            Assert.IsTrue(int.Parse(lines[2]) > 50, "the applets are linked");
        }
        finally
        {
            await ProcessRunner.RunAsync(docker, ["rmi", "-f", name]);
        }
    }
}
