using Containerize.Core.Diagnostics;
using Containerize.Core.Images.Oci;
using Containerize.Core.Images.Store;
using Containerize.Tests.Images.Store;
using Containerize.Tests.Infrastructure;

namespace Containerize.Tests.Images.Transfer;

[TestClass]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class RootfsImportTests
{
    /// <summary>A small root filesystem with the things that go wrong: modes, owners, symlinks, hardlinks, empty folders.</summary>
    private static void MakeRootfs(string root, bool reverseOrder)
    {
        var steps = new List<Action>
        {
            () => { Directory.CreateDirectory(Path.Combine(root, "etc")); File.WriteAllText(Path.Combine(root, "etc", "passwd"), "root:x:0:0:root:/root:/bin/sh\napp:x:1654:1654::/home/app:/bin/sh\n"); },
            () => { Directory.CreateDirectory(Path.Combine(root, "usr", "bin")); File.WriteAllText(Path.Combine(root, "usr", "bin", "tool"), "#!/bin/sh\necho tool\n"); File.SetUnixFileMode(Path.Combine(root, "usr", "bin", "tool"), (UnixFileMode)0b111_101_101); },
            () => { Directory.CreateDirectory(Path.Combine(root, "bin")); File.CreateSymbolicLink(Path.Combine(root, "bin", "t"), "/usr/bin/tool"); },
            () => { Directory.CreateDirectory(Path.Combine(root, "tmp")); File.SetUnixFileMode(Path.Combine(root, "tmp"), (UnixFileMode)0b1_111_111_111); },
            () => { Directory.CreateDirectory(Path.Combine(root, "home", "app", "empty")); File.WriteAllText(Path.Combine(root, "home", "app", "secret"), "s"); File.SetUnixFileMode(Path.Combine(root, "home", "app", "secret"), (UnixFileMode)0b110_000_000); },
        };
        if (reverseOrder) steps.Reverse();
        foreach (var s in steps) s();
        if (Requirements.IsRoot)
        {
            foreach (var p in new[] { "home/app", "home/app/empty", "home/app/secret" }) ProcessRunner.RunAsync("chown", ["-h", "1654:1654", Path.Combine(root, p)]).GetAwaiter().GetResult().EnsureSuccess("chown");
        }

        ProcessRunner.RunAsync("ln", [Path.Combine(root, "usr", "bin", "tool"), Path.Combine(root, "usr", "bin", "tool2")]).GetAwaiter().GetResult().EnsureSuccess("ln");
        if (reverseOrder)
        {
            foreach (var f in Directory.EnumerateFileSystemEntries(root, "*", SearchOption.AllDirectories).Where(f => new FileInfo(f).LinkTarget is null))
            {
                File.SetLastWriteTimeUtc(f, new DateTime(2001, 2, 3, 4, 5, 6, DateTimeKind.Utc));
            }
        }
    }

    [TestMethod]
    public async Task TheSameContentImportsToTheSameDigests()
    {
        using var dir = new TempDir();
        MakeRootfs(dir.Combine("a"), reverseOrder: false);
        MakeRootfs(dir.Combine("b"), reverseOrder: true);
        var tar = dir.Combine("rootfs.tar.gz");
        (await ProcessRunner.RunAsync("tar", ["--numeric-owner", "-czf", tar, "-C", dir.Combine("a"), "."])).EnsureSuccess("tar");
        var digests = new List<string>();
        foreach (var (source, store) in new[] { (dir.Combine("a"), "s1"), (dir.Combine("b"), "s2"), (tar, "s3") })
        {
            var r = await CliRunner.RunAsync(dir.Path, "import", source, "app:1", "--change", "ENV A=1", "--change", "CMD [\"/bin/t\"]", "--store", dir.Combine(store));
            Assert.AreEqual(0, r.ExitCode, r.StdErr);
            var s = await OciLayoutStore.OpenOrCreateAsync(dir.Combine(store));
            var m = (await s.ResolveAsync(ImageReference.Parse("app:1")))!;
            var manifest = await s.ReadManifestAsync(m);
            digests.Add($"{m.Digest} {manifest.Config.Digest} {manifest.Layers[0].Digest}");
            Assert.AreEqual(manifest.Config.Digest.ToString(), r.StdOut.Trim());
            await LocalStoreTests.AssertCleanAsync(s);
        }

        Assert.AreEqual(digests[0], digests[1], "other folder, other creation order, other mtimes");
        Assert.AreEqual(digests[0], digests[2], "a tar of the same tree");
    }

    [TestMethod]
    public async Task UmociUnpacksAnImportedTreeExactly()
    {
        var umoci = Requirements.Tool("umoci");
        Requirements.RequireRoot("owners are kept only as root");
        using var dir = new TempDir();
        var rootfs = dir.Combine("rootfs");
        MakeRootfs(rootfs, reverseOrder: false);
        Assert.AreEqual(0, (await CliRunner.RunAsync(dir.Path, "import", rootfs, "app:1", "--store", dir.Combine("s"))).ExitCode);
        Assert.AreEqual(0, (await CliRunner.RunAsync(dir.Path, "save", "app:1", "-o", "oci-layout:" + dir.Combine("layout"), "--store", dir.Combine("s"))).ExitCode);
        (await ProcessRunner.RunAsync(umoci, ["unpack", "--image", dir.Combine("layout") + ":1", dir.Combine("bundle")])).EnsureSuccess("umoci unpack");
        RootfsAssert.SameTree(rootfs, dir.Combine("bundle", "rootfs"));
    }

    [TestMethod]
    public async Task BaseImagesGetALayerAppended()
    {
        using var dir = new TempDir();
        var store = dir.Combine("s");
        MakeRootfs(dir.Combine("base"), reverseOrder: false);
        Directory.CreateDirectory(dir.Combine("top", "app"));
        File.WriteAllText(dir.Combine("top", "app", "app.dll"), "dll");
        Assert.AreEqual(0, (await CliRunner.RunAsync(dir.Path, "import", dir.Combine("base"), "base:1", "-c", "ENV PATH=/usr/bin:/bin", "-c", "CMD [\"sh\"]", "--store", store)).ExitCode);
        Assert.AreEqual(0, (await CliRunner.RunAsync(dir.Path, "save", "base:1", "-o", "oci-layout:" + dir.Combine("layout"), "--store", store)).ExitCode);
        var byName = await CliRunner.RunAsync(dir.Path, "import", dir.Combine("top"), "app:1", "--base", "base:1", "-c", "ENV APP=1", "-c", "WORKDIR /app", "--store", store);
        Assert.AreEqual(0, byName.ExitCode, byName.StdErr);
        var fromLayout = await CliRunner.RunAsync(dir.Path, "import", dir.Combine("top"), "app:2", "--base", "oci-layout://" + dir.Combine("layout") + ":1", "-c", "ENV APP=1", "-c", "WORKDIR /app", "--store", dir.Combine("other"));
        Assert.AreEqual(0, fromLayout.ExitCode, fromLayout.StdErr);
        Assert.AreEqual(byName.StdOut, fromLayout.StdOut, "the same base from the store or from a layout gives the same image");

        var s = await OciLayoutStore.OpenOrCreateAsync(store);
        var baseManifest = await s.ReadManifestAsync((await s.ResolveAsync(ImageReference.Parse("base:1")))!);
        var app = await s.ReadManifestAsync((await s.ResolveAsync(ImageReference.Parse("app:1")))!);
        Assert.HasCount(2, app.Layers);
        Assert.AreEqual(baseManifest.Layers[0], app.Layers[0]);
        var config = await s.ReadConfigAsync(app.Config);
        Assert.HasCount(2, config.RootFs.DiffIds);
        Assert.HasCount(2, config.History!);
        CollectionAssert.AreEqual(new[] { "PATH=/usr/bin:/bin", "APP=1" }, config.Config!.Env!.ToArray());
        CollectionAssert.AreEqual(new[] { "sh" }, config.Config.Cmd!.ToArray());
        Assert.AreEqual("/app", config.Config.WorkingDir);
    }

    [TestMethod]
    public async Task ImportErrorsAreCoded()
    {
        using var dir = new TempDir();
        var missing = await CliRunner.RunAsync(dir.Path, "import", dir.Combine("nothing"), "app:1", "--store", dir.Combine("s"));
        Assert.AreEqual(1, missing.ExitCode);
        StringAssert.Contains(missing.StdErr, StoreErrors.RootfsNotFound);
        Directory.CreateDirectory(dir.Combine("r"));
        var badChange = await CliRunner.RunAsync(dir.Path, "import", dir.Combine("r"), "app:1", "--change", "RUN rm -rf /", "--store", dir.Combine("s"));
        Assert.AreEqual(1, badChange.ExitCode);
        StringAssert.Contains(badChange.StdErr, StoreErrors.BadChange);
        var badRef = await CliRunner.RunAsync(dir.Path, "import", dir.Combine("r"), "App:1", "--store", dir.Combine("s"));
        StringAssert.Contains(badRef.StdErr, Containerize.Core.Images.ImageErrors.InvalidReference);
        var notTar = dir.Write("not.tar", new string('x', 3000));
        var badTar = await CliRunner.RunAsync(dir.Path, "import", notTar, "app:1", "--store", dir.Combine("s"));
        Assert.AreEqual(1, badTar.ExitCode);
        StringAssert.Contains(badTar.StdErr, StoreErrors.MalformedArchive);
        var noBase = await CliRunner.RunAsync(dir.Path, "import", dir.Combine("r"), "app:1", "--base", "nope:1", "--store", dir.Combine("s"));
        StringAssert.Contains(noBase.StdErr, StoreErrors.ImageNotFound);
        await LocalStoreTests.AssertCleanAsync(await OciLayoutStore.OpenOrCreateAsync(dir.Combine("s")));
    }
}
