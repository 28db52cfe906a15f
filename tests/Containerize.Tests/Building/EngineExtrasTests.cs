using System.Formats.Tar;
using System.IO.Compression;
using System.Runtime.Versioning;
using Containerize.Tests.Infrastructure;

namespace Containerize.Tests.Building;

/// <summary>Heredocs (COPY and RUN), ADD of a local archive, COPY --exclude, and ADD of a URL refused offline.</summary>
[TestClass]
[SupportedOSPlatform("linux")]
public sealed class EngineExtrasTests
{
    [TestMethod]
    public async Task Engine_HeredocsCopyAndRun()
    {
        Requirements.Tool("runc");
        Requirements.RequireRoot("runc");
        using var lab = await EngineLab.CreateAsync();
        lab.Write("Dockerfile", """
            # syntax=docker/dockerfile:1
            FROM busybox:test
            ARG NAME=world
            COPY <<EOF /etc/greeting.txt
            hello ${NAME}
            EOF
            RUN <<EOF
            echo from-heredoc > /ran.txt
            cat /etc/greeting.txt >> /ran.txt
            EOF
            """);
        var result = await lab.BuildAsync("-t", "here:1", "--build-arg", "NAME=docs");
        Assert.AreEqual(0, result.ExitCode, result.StdErr + result.StdOut);
        var rootfs = await lab.UnpackAsync("here:1");
        Assert.AreEqual("hello docs\n", File.ReadAllText(Path.Combine(rootfs, "etc/greeting.txt")));
        Assert.AreEqual("from-heredoc\nhello docs\n", File.ReadAllText(Path.Combine(rootfs, "ran.txt")));
    }

    [TestMethod]
    public async Task Engine_AddExtractsLocalArchivesAndCopyExcludes()
    {
        using var lab = await EngineLab.CreateAsync();
        var source = Path.Combine(lab.Temp, "payload");
        Directory.CreateDirectory(Path.Combine(source, "lib"));
        File.WriteAllText(Path.Combine(source, "lib", "x.so"), "x");
        File.WriteAllText(Path.Combine(source, "readme"), "r");
        using (var output = File.Create(Path.Combine(lab.Context, "payload.tar.gz")))
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest))
        {
            await TarFile.CreateFromDirectoryAsync(source, gzip, includeBaseDirectory: false);
        }

        lab.Write("plain.txt", "p");
        lab.Write("app/keep.txt", "k");
        lab.Write("app/skip.log", "s");
        lab.Write("app/sub/deep.log", "s");
        lab.Write("Dockerfile", """
            FROM busybox:test
            ADD payload.tar.gz /opt/payload/
            ADD plain.txt /opt/plain.txt
            COPY --exclude=**/*.log app/ /app/
            COPY plain.txt /tmp
            COPY --parents app/keep.txt app/sub /kept/
            WORKDIR /var/lib/data
            """);
        var result = await lab.BuildAsync("-t", "add:1");
        Assert.AreEqual(0, result.ExitCode, result.StdErr + result.StdOut);
        var rootfs = await lab.UnpackAsync("add:1");
        Assert.AreEqual("x", File.ReadAllText(Path.Combine(rootfs, "opt/payload/lib/x.so")));
        Assert.AreEqual("r", File.ReadAllText(Path.Combine(rootfs, "opt/payload/readme")));
        Assert.IsFalse(File.Exists(Path.Combine(rootfs, "opt/payload/payload.tar.gz")));
        Assert.AreEqual("p", File.ReadAllText(Path.Combine(rootfs, "opt/plain.txt")));
        Assert.IsTrue(File.Exists(Path.Combine(rootfs, "app/keep.txt")));
        Assert.IsFalse(File.Exists(Path.Combine(rootfs, "app/skip.log")), "--exclude drops matching files");
        Assert.IsFalse(File.Exists(Path.Combine(rootfs, "app/sub/deep.log")));
        Assert.AreEqual("p", File.ReadAllText(Path.Combine(rootfs, "tmp/plain.txt")), "a destination that is a folder in the image receives the file");
        Assert.AreEqual(Convert.ToInt32("1777", 8), (int)File.GetUnixFileMode(Path.Combine(rootfs, "tmp")), "the base's /tmp is untouched");
        Assert.AreEqual("k", File.ReadAllText(Path.Combine(rootfs, "kept/app/keep.txt")), "--parents keeps the source path");
        Assert.IsTrue(File.Exists(Path.Combine(rootfs, "kept/app/sub/deep.log")));
        var (_, image) = await lab.ImageAsync("add:1");
        Assert.AreEqual(true, image.History!.Last().EmptyLayer, "WORKDIR of an existing folder adds no layer");
    }

    [TestMethod]
    public async Task Engine_RunMountsCacheBindAndTmpfs()
    {
        Requirements.Tool("runc");
        Requirements.RequireRoot("runc");
        using var lab = await EngineLab.CreateAsync();
        lab.Write("input/data.txt", "from-context\n");
        lab.Write("Dockerfile", """
            FROM busybox:test
            RUN --mount=type=cache,target=/var/cache/demo echo run >> /var/cache/demo/log && wc -l < /var/cache/demo/log > /count.txt
            RUN --mount=type=bind,source=input,target=/mnt/in cat /mnt/in/data.txt > /copied.txt
            RUN --mount=type=tmpfs,target=/scratch echo t > /scratch/t && test -f /scratch/t && touch /tmpfs-ok
            """);
        var first = await lab.BuildAsync("-t", "mounts:1");
        Assert.AreEqual(0, first.ExitCode, first.StdErr + first.StdOut);
        var second = await lab.BuildAsync("-t", "mounts:1", "--no-cache");
        Assert.AreEqual(0, second.ExitCode, second.StdErr + second.StdOut);
        var rootfs = await lab.UnpackAsync("mounts:1");
        Assert.AreEqual("2", File.ReadAllText(Path.Combine(rootfs, "count.txt")).Trim(), "the cache mount kept the first build's content");
        Assert.IsFalse(File.Exists(Path.Combine(rootfs, "var/cache/demo/log")), "a cache mount's content is not in the layer");
        Assert.AreEqual("from-context\n", File.ReadAllText(Path.Combine(rootfs, "copied.txt")));
        Assert.IsTrue(File.Exists(Path.Combine(rootfs, "tmpfs-ok")));
        Assert.IsFalse(File.Exists(Path.Combine(rootfs, "scratch/t")));

        // The bind mount's content is part of the cache key: changing it reruns that RUN only.
        lab.Write("input/data.txt", "changed\n");
        var third = await lab.BuildAsync("-t", "mounts:1");
        Assert.AreEqual(0, third.ExitCode, third.StdErr);
        var hits = EngineLab.CacheHits(third.StdOut);
        Assert.IsTrue(hits[2], third.StdOut);
        Assert.IsFalse(hits[3], third.StdOut);
        Assert.AreEqual("changed\n", File.ReadAllText(Path.Combine(await lab.UnpackAsync("mounts:1"), "copied.txt")));
    }

    [TestMethod]
    public async Task Engine_AddUrlIsRefusedOffline()
    {
        using var lab = await EngineLab.CreateAsync();
        lab.Write("Dockerfile", "FROM busybox:test\nADD https://example.com/file.txt /file.txt\n");
        var result = await lab.BuildAsync("-t", "url:1");
        Assert.AreEqual(1, result.ExitCode);
        StringAssert.Contains(result.StdErr, "Dockerfile:2: CTZ5006");
    }
}
