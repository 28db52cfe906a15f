using System.Formats.Tar;
using System.Runtime.Versioning;
using System.Text;
using Containerize.Tests.Infrastructure;

namespace Containerize.Tests.Building;

/// <summary>
/// The behaviours the differential corpus found where our engine differed from Docker 26's BuildKit, checked
/// without Docker (umoci unpacks the result): each is also compared against BuildKit by Differential_BuildKit.
/// </summary>
[TestClass]
[SupportedOSPlatform("linux")]
public sealed class EngineBuildKitParityTests
{
    [TestMethod]
    public async Task Parity_AddKeepsTheArchiveOwnersForEveryCompression()
    {
        using var lab = await EngineLab.CreateAsync();
        var tar = OwnedTar();
        await File.WriteAllBytesAsync(Path.Combine(lab.Context, "a.tar"), tar);
        await File.WriteAllBytesAsync(Path.Combine(lab.Context, "a.tar.bz2"), await Differential.DifferentialCorpus.CompressAsync("bzip2", tar));
        await File.WriteAllBytesAsync(Path.Combine(lab.Context, "a.tar.xz"), await Differential.DifferentialCorpus.CompressAsync("xz", tar));
        lab.Write("Dockerfile", "FROM busybox:test\nADD a.tar /plain/\nADD a.tar.bz2 /bz2/\nADD --chown=5:6 a.tar.xz /xz\n");
        var result = await lab.BuildAsync("-t", "add:1");
        Assert.AreEqual(0, result.ExitCode, result.StdErr + result.StdOut);
        var rootfs = await lab.UnpackAsync("add:1");
        foreach (var dest in new[] { "plain", "bz2", "xz" })
        {
            Assert.AreEqual("owned\n", File.ReadAllText(Path.Combine(rootfs, dest, "owned.txt")), dest);
            Assert.AreEqual((1234u, 5678u), Owner(Path.Combine(rootfs, dest, "owned.txt")), dest + ": the tar's owner, even under --chown");
            Assert.AreEqual((UnixFileMode)0x180, File.GetUnixFileMode(Path.Combine(rootfs, dest, "owned.txt")));
            Assert.AreEqual("owned.txt", new FileInfo(Path.Combine(rootfs, dest, "sym")).LinkTarget);
        }

        Assert.AreEqual((5u, 6u), Owner(Path.Combine(rootfs, "xz")), "--chown owns the destination folder ADD makes");
    }

    [TestMethod]
    public async Task Parity_CopyFromKeepsOwnersAndFollowsSourceSymlinks()
    {
        Requirements.Tool("runc");
        Requirements.RequireRoot("runc");
        using var lab = await EngineLab.CreateAsync();
        lab.Write("hello.txt", "hello\n");
        File.CreateSymbolicLink(Path.Combine(lab.Context, "link"), "hello.txt");
        Directory.CreateDirectory(Path.Combine(lab.Context, "private"));
        File.SetUnixFileMode(Path.Combine(lab.Context, "private"), (UnixFileMode)0x1C0);
        lab.Write("Dockerfile", """
            FROM busybox:test AS build
            RUN mkdir -p /out && echo built > /out/app && chown 1000:1001 /out/app && ln -s app /out/app-link
            FROM busybox:test
            COPY --from=build /out/app /kept/app
            COPY --from=build --chown=7:8 /out/app /chowned/app
            COPY --from=build /out/app-link /followed/
            COPY link /ctx/
            COPY private /made/
            COPY hello.txt /tmp/
            """);
        var result = await lab.BuildAsync("-t", "from:1");
        Assert.AreEqual(0, result.ExitCode, result.StdErr + result.StdOut);
        var rootfs = await lab.UnpackAsync("from:1");
        Assert.AreEqual((1000u, 1001u), Owner(Path.Combine(rootfs, "kept/app")));
        Assert.AreEqual((7u, 8u), Owner(Path.Combine(rootfs, "chowned/app")));
        Assert.IsNull(new FileInfo(Path.Combine(rootfs, "followed/app-link")).LinkTarget, "a source symlink is copied as what it names");
        Assert.AreEqual("built\n", File.ReadAllText(Path.Combine(rootfs, "followed/app-link")));
        Assert.AreEqual("hello\n", File.ReadAllText(Path.Combine(rootfs, "ctx/link")));
        Assert.IsNull(new FileInfo(Path.Combine(rootfs, "ctx/link")).LinkTarget);
        Assert.AreEqual((UnixFileMode)0x1ED, File.GetUnixFileMode(Path.Combine(rootfs, "made")), "the folder a contents copy makes is 0755, not the source's mode");
        Assert.AreEqual((UnixFileMode)0x3FF, File.GetUnixFileMode(Path.Combine(rootfs, "tmp")), "/tmp keeps 1777");

        // The file a source symlink names is part of the step's cache key.
        lab.Write("hello.txt", "changed\n");
        var again = await lab.BuildAsync("-t", "from:2");
        Assert.AreEqual(0, again.ExitCode, again.StdErr + again.StdOut);
        Assert.AreEqual("changed\n", File.ReadAllText(Path.Combine(await lab.UnpackAsync("from:2"), "ctx/link")));
    }

    [TestMethod]
    public async Task Parity_WorkdirOwnerHeredocScriptsAndGroups()
    {
        Requirements.Tool("runc");
        Requirements.RequireRoot("runc");
        using var lab = await EngineLab.CreateAsync();
        lab.Write("Dockerfile", """
            FROM busybox:test
            USER nobody
            WORKDIR /home/nobody/work
            USER root
            RUN <<EOF
            #!/bin/sh -e
            echo "script $(id -u)" > /script.txt
            EOF
            RUN cat <<EOF > /catted.txt
            inline
            EOF
            USER nobody
            RUN id -G > /tmp/groups.txt
            """);
        var result = await lab.BuildAsync("-t", "wd:1");
        Assert.AreEqual(0, result.ExitCode, result.StdErr + result.StdOut);
        var rootfs = await lab.UnpackAsync("wd:1");
        foreach (var p in new[] { "home", "home/nobody", "home/nobody/work" })
        {
            Assert.AreEqual((65534u, 65534u), Owner(Path.Combine(rootfs, p)), p + " is made by the USER in force");
        }

        Assert.AreEqual("script 0\n", File.ReadAllText(Path.Combine(rootfs, "script.txt")));
        Assert.AreEqual("inline\n", File.ReadAllText(Path.Combine(rootfs, "catted.txt")));
        Assert.AreEqual("65534\n", File.ReadAllText(Path.Combine(rootfs, "tmp/groups.txt")), "the primary gid is among the groups, as under BuildKit");
        Assert.IsFalse(Directory.Exists(Path.Combine(rootfs, "dev/pipes")), "the script mount leaves nothing in the image");
    }

    /// <summary>
    /// Issue #17: BuildKit writes a COPY (or WORKDIR) below a symlink of the image into the link's target, resolved
    /// inside the image (an absolute or climbing target never leaves it), and keeps the link; we used to replace the
    /// link with a folder. The links come from a COPY, so no runc is needed.
    /// </summary>
    [TestMethod]
    public async Task Parity_CopyAndWorkdirWriteThroughTheImagesSymlinks()
    {
        using var lab = await EngineLab.CreateAsync();
        lab.Write("hello.txt", "hello\n");
        lab.Write("real/old.txt", "old\n");
        Directory.CreateDirectory(Path.Combine(lab.Context, "links"));
        File.CreateSymbolicLink(Path.Combine(lab.Context, "links/link"), "/real");
        File.CreateSymbolicLink(Path.Combine(lab.Context, "links/climb"), "/../../real");
        var host = Path.Combine(lab.Temp, "host-canary");
        File.CreateSymbolicLink(Path.Combine(lab.Context, "links/host"), host);
        File.CreateSymbolicLink(Path.Combine(lab.Context, "links/file"), "/real/old.txt");
        File.CreateSymbolicLink(Path.Combine(lab.Context, "links/loop"), "/loop");
        lab.Write("Dockerfile", """
            FROM busybox:test
            COPY real /real/
            COPY links/ /
            COPY hello.txt /link/a.txt
            COPY hello.txt /climb/sub/b.txt
            COPY hello.txt /host/c.txt
            COPY hello.txt /file
            WORKDIR /link/work
            COPY hello.txt d.txt
            """);
        var result = await lab.BuildAsync("-t", "links:1");
        Assert.AreEqual(0, result.ExitCode, result.StdErr + result.StdOut);
        var rootfs = await lab.UnpackAsync("links:1");
        Assert.AreEqual("/real", new FileInfo(Path.Combine(rootfs, "link")).LinkTarget, "the link stays a link");
        Assert.AreEqual("/../../real", new FileInfo(Path.Combine(rootfs, "climb")).LinkTarget);
        Assert.AreEqual("/real/old.txt", new FileInfo(Path.Combine(rootfs, "file")).LinkTarget);
        Assert.AreEqual("hello\n", File.ReadAllText(Path.Combine(rootfs, "real/a.txt")));
        Assert.AreEqual("hello\n", File.ReadAllText(Path.Combine(rootfs, "real/sub/b.txt")), "'..' above the root stays at the root");
        Assert.AreEqual("hello\n", File.ReadAllText(Path.Combine(rootfs, host.TrimStart('/'), "c.txt")), "a host path is a path inside the image");
        Assert.IsFalse(Path.Exists(host), "nothing is written on the host");
        Assert.AreEqual("hello\n", File.ReadAllText(Path.Combine(rootfs, "real/old.txt")), "a final link to a file is written through");
        Assert.AreEqual("hello\n", File.ReadAllText(Path.Combine(rootfs, "real/work/d.txt")));
        Assert.AreEqual("/link/work", (await lab.ImageAsync("links:1")).Config.Config!.WorkingDir, "the config keeps WORKDIR as written");

        lab.Write("Dockerfile", "FROM links:1\nCOPY hello.txt /loop/x\n");
        var loop = await lab.BuildAsync("-t", "links:2");
        Assert.AreNotEqual(0, loop.ExitCode);
        StringAssert.Contains(loop.StdErr, "Dockerfile:2: CTZ5013 ");
        lab.Write("Dockerfile", "FROM links:1\nCOPY hello.txt /file/x\n");
        var belowFile = await lab.BuildAsync("-t", "links:3");
        Assert.AreNotEqual(0, belowFile.ExitCode);
        StringAssert.Contains(belowFile.StdErr, "Dockerfile:2: CTZ5012 COPY destination /file/x: /real/old.txt is a file in the image, not a folder");
    }

    /// <summary>
    /// Issue #17: `COPY --chmod` gives its mode to what is copied; the destination folder the copy makes, and the
    /// parents of a deep destination, are 0755 as BuildKit's mkdir -p makes them, owned by --chown.
    /// </summary>
    [TestMethod]
    public async Task Parity_ChmodLeavesTheFoldersACopyMakesAt0755()
    {
        using var lab = await EngineLab.CreateAsync();
        lab.Write("dir/sub/f.txt", "f\n");
        lab.Write("Dockerfile", """
            FROM busybox:test
            COPY --chmod=750 dir /dest/
            COPY --chmod=750 --chown=7:8 dir /a/b/c/
            """);
        var result = await lab.BuildAsync("-t", "chmod:1");
        Assert.AreEqual(0, result.ExitCode, result.StdErr + result.StdOut);
        var rootfs = await lab.UnpackAsync("chmod:1");
        Assert.AreEqual((UnixFileMode)0x1ED, File.GetUnixFileMode(Path.Combine(rootfs, "dest")), "made by the copy: 0755");
        Assert.AreEqual((UnixFileMode)0x1E8, File.GetUnixFileMode(Path.Combine(rootfs, "dest/sub")), "copied: --chmod");
        Assert.AreEqual((UnixFileMode)0x1E8, File.GetUnixFileMode(Path.Combine(rootfs, "dest/sub/f.txt")));
        foreach (var made in new[] { "a", "a/b", "a/b/c" })
        {
            Assert.AreEqual((UnixFileMode)0x1ED, File.GetUnixFileMode(Path.Combine(rootfs, made)), made);
            Assert.AreEqual((7u, 8u), Owner(Path.Combine(rootfs, made)), made + " is owned by --chown");
        }
    }

    /// <summary>
    /// Issue #17: BuildKit 0.13 gives a stage built FROM another stage the ARG values of that stage: RUN sees them
    /// (and reruns when one changes, as its environment is in its cache key) while a COPY that does not use them stays
    /// cached, as Docker 26 does.
    /// </summary>
    [TestMethod]
    public async Task Parity_AStageInheritsTheArgsOfItsBaseStage()
    {
        Requirements.Tool("runc");
        Requirements.RequireRoot("runc");
        using var lab = await EngineLab.CreateAsync();
        lab.Write("hello.txt", "hello\n");
        lab.Write("Dockerfile", """
            FROM busybox:test AS build
            ARG TARGETARCH
            ARG VERSION=1
            FROM build AS publish
            COPY hello.txt /hello.txt
            RUN echo "$TARGETARCH $VERSION" > /out
            """);
        var first = await lab.BuildAsync("-t", "args:1");
        Assert.AreEqual(0, first.ExitCode, first.StdErr + first.StdOut);
        var arch = Core.Building.Plan.BuildPlatforms.Host.Architecture;
        Assert.AreEqual($"{arch} 1\n", File.ReadAllText(Path.Combine(await lab.UnpackAsync("args:1"), "out")));

        var second = await lab.BuildAsync("-t", "args:2", "--build-arg", "VERSION=2");
        Assert.AreEqual(0, second.ExitCode, second.StdErr + second.StdOut);
        Assert.AreEqual($"{arch} 2\n", File.ReadAllText(Path.Combine(await lab.UnpackAsync("args:2"), "out")));
        var hits = EngineLab.CacheHits(second.StdOut);
        Assert.IsTrue(hits[5], "the COPY does not use VERSION: cached, as in BuildKit");
        Assert.IsFalse(hits[6], "the RUN's environment has the inherited VERSION: it reruns, as in BuildKit");
        StringAssert.Contains(second.StdOut, "build arg changed: VERSION");
    }

    private static byte[] OwnedTar()
    {
        using var output = new MemoryStream();
        using (var writer = new TarWriter(output, TarEntryFormat.Pax, leaveOpen: true))
        {
            writer.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, "owned.txt")
            {
                Mode = (UnixFileMode)0x180, Uid = 1234, Gid = 5678, DataStream = new MemoryStream(Encoding.UTF8.GetBytes("owned\n")),
            });
            writer.WriteEntry(new PaxTarEntry(TarEntryType.SymbolicLink, "sym") { LinkName = "owned.txt", Mode = (UnixFileMode)0x1FF });
        }

        return output.ToArray();
    }

    private static (uint Uid, uint Gid) Owner(string path)
    {
        var st = Core.Os.LibC.LStat(path) ?? throw new AssertFailedException("missing " + path);
        return (st.Uid, st.Gid);
    }
}
