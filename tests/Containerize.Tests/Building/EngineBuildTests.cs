using System.Runtime.Versioning;
using Containerize.Core.Images.Oci;
using Containerize.Tests.Infrastructure;

namespace Containerize.Tests.Building;

/// <summary>`containerize build` without RUN: metadata, COPY from the context, the log, errors; checked through umoci.</summary>
[TestClass]
[SupportedOSPlatform("linux")]
public sealed class EngineBuildTests
{
    private const string Dockerfile = """
        FROM busybox:test
        ARG VERSION=1.0
        ENV APP_HOME=/srv/app APP_VERSION=$VERSION
        LABEL org.opencontainers.image.version=$VERSION maintainer=team
        WORKDIR $APP_HOME
        COPY hello.txt ./
        COPY --chown=app:staff --chmod=750 tool.sh bin/
        COPY --chown=42 conf/ /etc/demo/
        COPY src/*.txt /texts/
        USER 1654:1654
        EXPOSE 8080 53/udp
        VOLUME /data
        STOPSIGNAL SIGINT
        HEALTHCHECK --interval=30s --retries=3 CMD wget -q -O- http://localhost:8080/ || exit 1
        ENTRYPOINT ["/srv/app/bin/tool.sh"]
        CMD ["--serve"]
        """;

    private static async Task<EngineLab> LabAsync()
    {
        var lab = await EngineLab.CreateAsync();
        lab.Write("Dockerfile", Dockerfile);
        lab.Write("hello.txt", "hello\n");
        lab.Write("tool.sh", "#!/bin/sh\necho tool\n");
        lab.Write("conf/a.conf", "a=1\n");
        lab.Write("conf/sub/b.conf", "b=2\n");
        lab.Write("conf/secret.key", "no\n");
        lab.Write("src/one.txt", "1\n");
        lab.Write("src/two.txt", "2\n");
        lab.Write("src/skip.md", "md\n");
        lab.Write(".dockerignore", "conf/secret.key\n");
        return lab;
    }

    [TestMethod]
    public async Task Engine_CopyFilesModesOwnersAsUmociSeesThem()
    {
        using var lab = await LabAsync();
        var result = await lab.BuildAsync("-t", "demo:1");
        Assert.AreEqual(0, result.ExitCode, result.StdErr + result.StdOut);
        var rootfs = await lab.UnpackAsync("demo:1");

        Assert.AreEqual("hello\n", File.ReadAllText(Path.Combine(rootfs, "srv/app/hello.txt")));
        var tool = Path.Combine(rootfs, "srv/app/bin/tool.sh");
        Assert.AreEqual((UnixFileMode)Convert.ToInt32("750", 8), File.GetUnixFileMode(tool));
        Assert.AreEqual((1654u, 50u), Owner(tool), "--chown=app:staff resolves through the image's /etc/passwd and /etc/group");
        Assert.AreEqual("b=2\n", File.ReadAllText(Path.Combine(rootfs, "etc/demo/sub/b.conf")));
        Assert.AreEqual((42u, 42u), Owner(Path.Combine(rootfs, "etc/demo/a.conf")), "a uid alone is also the gid");
        Assert.IsFalse(File.Exists(Path.Combine(rootfs, "etc/demo/secret.key")), ".dockerignore'd files are not copied");
        CollectionAssert.AreEquivalent(new[] { "one.txt", "two.txt" }, Directory.GetFiles(Path.Combine(rootfs, "texts")).Select(Path.GetFileName).ToArray());
        Assert.IsTrue(File.Exists(Path.Combine(rootfs, "bin/busybox")), "the base's layer is below ours");
        Assert.AreEqual((0u, 0u), Owner(Path.Combine(rootfs, "srv/app/hello.txt")));
    }

    [TestMethod]
    public async Task Engine_MetadataInstructionsShapeTheConfig()
    {
        using var lab = await LabAsync();
        var result = await lab.BuildAsync("-t", "demo:1", "--build-arg", "VERSION=2.5");
        Assert.AreEqual(0, result.ExitCode, result.StdErr + result.StdOut);
        var (_, image) = await lab.ImageAsync("demo:1");
        var c = image.Config!;
        CollectionAssert.Contains(c.Env!.ToList(), "APP_HOME=/srv/app");
        CollectionAssert.Contains(c.Env!.ToList(), "APP_VERSION=2.5");
        Assert.IsFalse(c.Env!.Any(e => e.StartsWith("VERSION=", StringComparison.Ordinal)), "ARG values are not in the image");
        Assert.AreEqual("2.5", c.Labels!["org.opencontainers.image.version"]);
        Assert.AreEqual("/srv/app", c.WorkingDir);
        Assert.AreEqual("1654:1654", c.User);
        CollectionAssert.AreEquivalent(new[] { "8080/tcp", "53/udp" }, c.ExposedPorts!.Keys.ToArray());
        CollectionAssert.AreEqual(new[] { "/data" }, c.Volumes!.Keys.ToArray());
        Assert.AreEqual("SIGINT", c.StopSignal);
        CollectionAssert.AreEqual(new[] { "CMD-SHELL", "wget -q -O- http://localhost:8080/ || exit 1" }, c.Healthcheck!.Test!.ToArray());
        Assert.AreEqual(30_000_000_000L, c.Healthcheck.Interval);
        Assert.AreEqual(3, c.Healthcheck.Retries);
        CollectionAssert.AreEqual(new[] { "/srv/app/bin/tool.sh" }, c.Entrypoint!.ToArray());
        CollectionAssert.AreEqual(new[] { "--serve" }, c.Cmd!.ToArray());

        // One base layer + WORKDIR's missing folder + four COPY layers; every other metadata step is an empty_layer entry.
        Assert.AreEqual(6, image.RootFs.DiffIds.Count);
        var ours = image.History!.Skip(1).ToList();
        Assert.AreEqual(5, ours.Count(h => h.EmptyLayer != true));
        Assert.AreEqual("WORKDIR /srv/app", ours.Single(h => h.CreatedBy!.StartsWith("WORKDIR", StringComparison.Ordinal)).CreatedBy);
        Assert.AreEqual(image.RootFs.DiffIds.Count, image.History!.Count(h => h.EmptyLayer != true));
        Assert.IsTrue(ours.Any(h => h.CreatedBy == "ENV APP_HOME=/srv/app APP_VERSION=2.5" && h.EmptyLayer == true), string.Join("\n", ours.Select(h => h.CreatedBy)));
    }

    [TestMethod]
    public async Task Engine_LogFollowsDockerAndTheResultIsReproducible()
    {
        using var lab = await LabAsync();
        var first = await lab.BuildAsync("-t", "demo:1");
        Assert.AreEqual(0, first.ExitCode, first.StdErr);
        StringAssert.StartsWith(first.StdOut, "Step 1/16 : FROM busybox:test\n");
        StringAssert.Contains(first.StdOut, "Step 6/16 : COPY hello.txt ./\n");
        var (manifest, image) = await lab.ImageAsync("demo:1");
        var configDigest = Digest.Sha256(Core.Images.Oci.OciJson.Serialize(image));
        StringAssert.Contains(first.StdOut, $"Successfully built {configDigest.ShortId}\n", "the image ID is the config digest, as Docker's");
        StringAssert.Contains(first.StdOut, "Successfully tagged demo:1\n");
        Assert.AreEqual(DateTimeOffset.UnixEpoch, image.Created);

        // Same Dockerfile and context in another store: the same manifest digest.
        using var other = await LabAsync();
        var second = await other.BuildAsync("-t", "demo:1");
        Assert.AreEqual(0, second.ExitCode, second.StdErr);
        Assert.AreEqual(manifest.Digest, (await other.ImageAsync("demo:1")).Manifest.Digest);
    }

    [TestMethod]
    public async Task Engine_MissingSourceIsCodedAndTagsNothing()
    {
        using var lab = await LabAsync();
        lab.Write("Dockerfile", "FROM busybox:test\nCOPY hello.txt /\nCOPY nothere.txt /x\n");
        var result = await lab.BuildAsync("-t", "demo:1");
        Assert.AreEqual(1, result.ExitCode);
        StringAssert.Contains(result.StdErr, "Dockerfile:3: CTZ5001");
        StringAssert.Contains(result.StdErr, "nothere.txt");
        await Assert.ThrowsExactlyAsync<Core.Diagnostics.ContainerizeException>(() => lab.ImageAsync("demo:1"));
    }

    [TestMethod]
    public async Task Engine_SeveralSourcesNeedAFolderDestination()
    {
        using var lab = await LabAsync();
        lab.Write("Dockerfile", "FROM busybox:test\nCOPY src/*.txt /texts\n");
        var result = await lab.BuildAsync();
        Assert.AreEqual(1, result.ExitCode);
        StringAssert.Contains(result.StdErr, "Dockerfile:2: CTZ5004");
    }

    [TestMethod]
    public async Task Engine_ExcludedSourceWarnsAndFails()
    {
        using var lab = await LabAsync();
        lab.Write("Dockerfile", "FROM busybox:test\nCOPY conf/secret.key /\n");
        var result = await lab.BuildAsync();
        Assert.AreEqual(1, result.ExitCode);
        StringAssert.Contains(result.StdErr, "CTZ5001");
        StringAssert.Contains(result.StdErr, "secret.key");
    }

    [TestMethod]
    public async Task Engine_MissingBaseImagePointsAtTheFromLine()
    {
        using var lab = await LabAsync();
        lab.Write("Dockerfile", "# base\nFROM oci-layout:///nonexistent/layout:1.0\nCOPY hello.txt /\n");
        var result = await lab.BuildAsync("-t", "nobase:1");
        Assert.AreEqual(1, result.ExitCode);
        StringAssert.Matches(result.StdErr, new System.Text.RegularExpressions.Regex(@"Dockerfile:2: CTZ\d{4} "));
        Assert.IsFalse(result.StdErr.Contains("   at ", StringComparison.Ordinal), "no stack trace");
    }

    [TestMethod]
    public async Task Engine_ScratchWithOnlyMetadataIsAnImage()
    {
        using var lab = await LabAsync();
        lab.Write("Dockerfile", "FROM scratch\nCOPY hello.txt /\nCMD [\"/hello\"]\n");
        var result = await lab.BuildAsync("-t", "tiny:1");
        Assert.AreEqual(0, result.ExitCode, result.StdErr);
        var (_, image) = await lab.ImageAsync("tiny:1");
        Assert.AreEqual(1, image.RootFs.DiffIds.Count);
        Assert.AreEqual("hello\n", File.ReadAllText(Path.Combine(await lab.UnpackAsync("tiny:1"), "hello.txt")));
    }

    private static (uint Uid, uint Gid) Owner(string path)
    {
        var st = Core.Os.LibC.LStat(path) ?? throw new AssertFailedException("missing " + path);
        return (st.Uid, st.Gid);
    }
}
