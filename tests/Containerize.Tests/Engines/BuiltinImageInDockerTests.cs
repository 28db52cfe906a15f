using System.Runtime.Versioning;
using Containerize.Core.Images.Oci;
using Containerize.Core.Images.Store;
using Containerize.Tests.Infrastructure;
using Containerize.Tests.Images.Store;

namespace Containerize.Tests.Engines;

/// <summary>#8.3: images our builtin engine made, loaded into Docker 26 (`containerize load-into docker`) and run there.</summary>
[TestClass]
[DoNotParallelize]
[SupportedOSPlatform("linux")]
public sealed class BuiltinImageInDockerTests
{
    private const string Dockerfile = """
        FROM busybox:test
        COPY hello.txt /srv/hello.txt
        USER nobody
        WORKDIR /srv
        CMD ["sh", "-c", "cat hello.txt; id -u; pwd"]
        """;

    [TestMethod]
    public async Task BuiltinImage_LoadIntoDockerThenRun()
    {
        var docker = DockerEngines.Docker26();
        using var lab = await Building.EngineLab.CreateAsync();
        lab.Write("hello.txt", "hello from the builtin engine\n");
        lab.Write("Dockerfile", Dockerfile);
        var build = await lab.BuildAsync("-t", "ctz-test/builtin-run:1");
        Assert.AreEqual(0, build.ExitCode, build.StdErr + build.StdOut);
        var (manifest, _) = await lab.ImageAsync("ctz-test/builtin-run:1");
        var store = await OciLayoutStore.OpenOrCreateAsync(lab.Store);
        var configDigest = (await store.ReadManifestAsync(manifest)).Config.Digest.ToString();

        var load = await CliRunner.RunAsync(lab.Temp, "load-into", "docker", "ctz-test/builtin-run:1", "--client", docker, "--store", lab.Store);
        Assert.AreEqual(0, load.ExitCode, load.StdErr);
        var id = (await ProcessRunner.RunAsync(docker, ["image", "inspect", "--format", "{{.Id}}", "ctz-test/builtin-run:1"])).EnsureSuccess("inspect").StdOut.Trim();
        Assert.AreEqual(configDigest, id, "docker keeps our config digest as the image ID");

        var run = (await ProcessRunner.RunAsync(docker, ["run", "--rm", "--network=host", "ctz-test/builtin-run:1"], timeout: TimeSpan.FromMinutes(2))).EnsureSuccess("docker run");
        Assert.AreEqual("hello from the builtin engine\n65534\n/srv\n", run.StdOut);
    }

    [TestMethod]
    public async Task BuiltinImage_MultiPlatformLoadsTheDaemonsPlatformAndSaysSo()
    {
        var docker = DockerEngines.Docker26();
        using var lab = await Building.EngineLab.CreateAsync();
        lab.Write("hello.txt", "multi\n");
        lab.Write("Dockerfile", Dockerfile);
        var build = await lab.BuildAsync("-t", "ctz-test/builtin-amd64:1");
        Assert.AreEqual(0, build.ExitCode, build.StdErr + build.StdOut);
        var store = await OciLayoutStore.OpenOrCreateAsync(lab.Store);
        var (amd, _) = await lab.ImageAsync("ctz-test/builtin-amd64:1");
        var arm = await TestImages.PutImageAsync(store);
        var index = await store.PutBlobAsync(OciJson.Serialize(new ImageIndex
        {
            Manifests = [arm with { Platform = Platform.Parse("linux/arm64") }, amd with { Platform = Platform.LinuxAmd64 }],
        }), MediaTypes.OciIndex);
        await store.TagAsync(ImageReference.Parse("ctz-test/builtin-multi:1"), index);
        var configDigest = (await store.ReadManifestAsync(amd)).Config.Digest.ToString();

        var load = await CliRunner.RunAsync(lab.Temp, "load-into", "docker", "ctz-test/builtin-multi:1", "--client", docker, "--store", lab.Store);
        Assert.AreEqual(0, load.ExitCode, load.StdErr);
        StringAssert.Contains(load.StdErr, "multi-platform image (linux/arm64/v8, linux/amd64): loading linux/amd64, the docker daemon's platform");
        var inspected = (await ProcessRunner.RunAsync(docker, ["image", "inspect", "--format", "{{.Id}} {{.Os}}/{{.Architecture}}", "ctz-test/builtin-multi:1"])).EnsureSuccess("inspect");
        Assert.AreEqual($"{configDigest} linux/amd64", inspected.StdOut.Trim());
        var run = (await ProcessRunner.RunAsync(docker, ["run", "--rm", "--network=host", "ctz-test/builtin-multi:1"], timeout: TimeSpan.FromMinutes(2))).EnsureSuccess("docker run");
        StringAssert.StartsWith(run.StdOut, "multi\n");
    }
}
