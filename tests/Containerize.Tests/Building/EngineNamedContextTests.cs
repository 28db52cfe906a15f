using System.Runtime.Versioning;
using Containerize.Tests.Infrastructure;

namespace Containerize.Tests.Building;

/// <summary>
/// `--build-context NAME=...` as docker buildx: a folder (read through its own .dockerignore, as BuildKit loads a local
/// named context) used by COPY --from, RUN --mount=type=bind,from= and FROM; docker-image:// replacing an image name.
/// </summary>
[TestClass]
[SupportedOSPlatform("linux")]
public sealed class EngineNamedContextTests
{
    [TestMethod]
    public async Task NamedContext_FolderServesCopyFromBindMountAndFrom()
    {
        Requirements.Tool("runc");
        Requirements.RequireRoot("runc");
        using var lab = await EngineLab.CreateAsync();
        var extras = Path.Combine(lab.Temp, "extras");
        Directory.CreateDirectory(Path.Combine(extras, "sub"));
        File.WriteAllText(Path.Combine(extras, "a.txt"), "a");
        File.WriteAllText(Path.Combine(extras, "skip.log"), "excluded");
        File.WriteAllText(Path.Combine(extras, "sub", "c.txt"), "c");
        File.WriteAllText(Path.Combine(extras, ".dockerignore"), "*.log\n");
        lab.Write("main.txt", "main");
        lab.Write("Dockerfile", """
            FROM extras AS files

            FROM busybox:test
            COPY main.txt /main.txt
            COPY --from=extras a.txt /from-extras/
            RUN --mount=type=bind,from=extras,target=/mnt/x ls -a /mnt/x | sort > /mnt-listing.txt
            COPY --from=files / /files/
            """);
        var result = await lab.BuildAsync("-t", "named:1", "--build-context", "extras=" + extras);
        Assert.AreEqual(0, result.ExitCode, result.StdErr + result.StdOut);
        var rootfs = await lab.UnpackAsync("named:1");
        Assert.AreEqual("main", File.ReadAllText(Path.Combine(rootfs, "main.txt")));
        Assert.AreEqual("a", File.ReadAllText(Path.Combine(rootfs, "from-extras/a.txt")));
        var listing = File.ReadAllLines(Path.Combine(rootfs, "mnt-listing.txt"));
        CollectionAssert.Contains(listing, "a.txt");
        CollectionAssert.Contains(listing, "sub");
        CollectionAssert.DoesNotContain(listing, "skip.log", "the named context's .dockerignore applies to bind mounts");
        Assert.AreEqual("c", File.ReadAllText(Path.Combine(rootfs, "files/sub/c.txt")), "FROM a named context: its files are the rootfs");
        Assert.IsFalse(File.Exists(Path.Combine(rootfs, "files/skip.log")), "the named context's .dockerignore applies to FROM");

        // A change in the named context reruns the steps that read it, and only those.
        File.WriteAllText(Path.Combine(extras, "a.txt"), "a2");
        var second = await lab.BuildAsync("-t", "named:1", "--build-context", "extras=" + extras);
        Assert.AreEqual(0, second.ExitCode, second.StdErr + second.StdOut);
        var hits = EngineLab.CacheHits(second.StdOut);
        Assert.IsTrue(hits[3], "COPY main.txt\n" + second.StdOut);
        Assert.IsFalse(hits[4], "COPY --from=extras a.txt\n" + second.StdOut);
        Assert.AreEqual("a2", File.ReadAllText(Path.Combine(await lab.UnpackAsync("named:1"), "from-extras/a.txt")));

        // An ignored file changing touches nothing.
        File.WriteAllText(Path.Combine(extras, "skip.log"), "changed");
        var third = await lab.BuildAsync("-t", "named:1", "--build-context", "extras=" + extras);
        Assert.IsTrue(EngineLab.CacheHits(third.StdOut).Values.All(h => h), third.StdOut);
    }

    [TestMethod]
    public async Task BindMount_MainContextIsMountedWithoutIgnoredFiles()
    {
        Requirements.Tool("runc");
        Requirements.RequireRoot("runc");
        using var lab = await EngineLab.CreateAsync();
        lab.Write("app/keep.txt", "k");
        lab.Write("app/secret.env", "TOKEN=1");
        lab.Write(".dockerignore", "**/*.env\n");
        lab.Write("Dockerfile", "FROM busybox:test\nRUN --mount=type=bind,target=/ctx ls -a /ctx/app | sort > /listing.txt\n");
        var result = await lab.BuildAsync("-t", "bind:ignored");
        Assert.AreEqual(0, result.ExitCode, result.StdErr + result.StdOut);
        var listing = File.ReadAllLines(Path.Combine(await lab.UnpackAsync("bind:ignored"), "listing.txt"));
        CollectionAssert.Contains(listing, "keep.txt");
        CollectionAssert.DoesNotContain(listing, "secret.env", "BuildKit mounts the context as sent, without what .dockerignore excludes");
    }

    [TestMethod]
    public async Task NamedContext_DockerImageReplacesTheImageName()
    {
        using var lab = await EngineLab.CreateAsync();
        lab.Write("hello.txt", "hi");
        lab.Write("Dockerfile", """
            FROM alpine:3.20
            COPY hello.txt /hello.txt
            """);
        var result = await lab.BuildAsync("-t", "named:img", "--build-context", "alpine:3.20=docker-image://busybox:test");
        Assert.AreEqual(0, result.ExitCode, result.StdErr + result.StdOut);
        var rootfs = await lab.UnpackAsync("named:img");
        Assert.IsTrue(File.Exists(Path.Combine(rootfs, "bin/busybox")), "the busybox image stood in for alpine");
        Assert.AreEqual("hi", File.ReadAllText(Path.Combine(rootfs, "hello.txt")));

        var missing = await lab.BuildAsync("-t", "named:bad", "--build-context", "x=" + Path.Combine(lab.Temp, "nope"));
        Assert.AreNotEqual(0, missing.ExitCode);
        StringAssert.Contains(missing.StdErr, "CTZ5042");
        // A git URL is checked out (EngineGitContextTests); an HTTP tarball is not downloaded.
        var tarball = await lab.BuildAsync("-t", "named:bad", "--build-context", "x=https://example.com/context.tar.gz");
        StringAssert.Contains(tarball.StdErr, "CTZ5042");
    }
}
