using System.Text;
using Containerize.Core.Images.Layers;
using Containerize.Core.Images.Oci;
using Containerize.Tests.Infrastructure;
using static Containerize.Tests.Images.Layers.LayerTestSupport;

namespace Containerize.Tests.Images.Layers;

/// <summary>Our layers read by the real tools: GNU tar, umoci and skopeo.</summary>
[TestClass]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class LayerToolTests
{
    private static TempDir MakeSource()
    {
        var dir = new TempDir("ctz-layer-src");
        dir.Write("app/web.dll", "MZ dll bytes");
        dir.Write("app/run.sh", "#!/bin/sh\necho hi\n");
        dir.Write("app/wwwroot/a file with spaces.html", "<html/>");
        dir.Write("app/ünïcødé.txt", "unicode");
        dir.Write("app/" + new string('l', 120) + ".txt", "long");
        dir.Write("app/empty", "");
        dir.Write("app/secret.json", "{}");
        Directory.CreateDirectory(dir.Combine("tmp"));
        File.SetUnixFileMode(dir.Combine("app/run.sh"), (UnixFileMode)Convert.ToInt32("755", 8));
        File.SetUnixFileMode(dir.Combine("app/secret.json"), (UnixFileMode)Convert.ToInt32("600", 8));
        File.SetUnixFileMode(dir.Combine("tmp"), (UnixFileMode)Convert.ToInt32("1777", 8));
        File.CreateSymbolicLink(dir.Combine("app/current"), "web.dll");
        ProcessRunner.RunAsync("ln", [dir.Combine("app/web.dll"), dir.Combine("app/web-hardlink.dll")]).Result.EnsureSuccess("ln");
        return dir;
    }

    [TestMethod]
    public async Task Layers_tools_gnu_tar_lists_modes_owners_and_times()
    {
        var tar = Requirements.Tool("tar");
        using var source = MakeSource();
        using var dir = new TempDir();
        var path = dir.Combine("layer.tar.gz");
        await WriteFileAsync(LayerSource.FromDirectory(source.Path), path, new LayerWriterOptions { Uid = 1000, Gid = 1001 });
        var listing = (await ProcessRunner.RunAsync(tar, ["-tvzf", path, "--numeric-owner", "--full-time"], environment: new Dictionary<string, string?> { ["TZ"] = "UTC" })).EnsureSuccess("tar -tvf").StdOut;
        listing = System.Text.RegularExpressions.Regex.Replace(listing, " +", " ");
        var lines = listing.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.AreEqual(LayerSource.FromDirectory(source.Path).Count, lines.Length, listing);
        StringAssert.Contains(listing, "-rwxr-xr-x 1000/1001 18 1970-01-01 00:00:00 app/run.sh");
        StringAssert.Contains(listing, "-rw------- 1000/1001 2 1970-01-01 00:00:00 app/secret.json");
        StringAssert.Contains(listing, "drwxrwxrwt 1000/1001 0 1970-01-01 00:00:00 tmp/");
        StringAssert.Contains(listing, "lrwxrwxrwx 1000/1001 0 1970-01-01 00:00:00 app/current -> web.dll");
        StringAssert.Contains(listing, "app/web.dll link to app/web-hardlink.dll");
        StringAssert.Contains(listing, "app/ünïcødé.txt");
        StringAssert.Contains(listing, "app/" + new string('l', 120) + ".txt");
        StringAssert.Contains(listing, "app/wwwroot/a file with spaces.html");
        Assert.IsFalse(lines.Any(l => l.Contains("PaxHeaders", StringComparison.Ordinal)), listing);
    }

    [TestMethod]
    public async Task Layers_tools_umoci_unpacks_our_layers_to_the_source_tree()
    {
        var umoci = Requirements.Tool("umoci");
        Requirements.RequireRoot("umoci unpack keeps owners only as root");
        using var source = MakeSource();
        using var dir = new TempDir();
        var (layer, blob) = await WriteAsync(LayerSource.FromDirectory(source.Path), new LayerWriterOptions { Uid = 1000, Gid = 1001 });
        var (second, secondBlob) = await WriteAsync([LayerEntry.Whiteout("app/empty"), LayerEntry.FromBytes("app/added.txt", "added"u8.ToArray())]);
        var layout = dir.Combine("layout");
        await OciLayoutForTests.WriteAsync(layout, "test", [(layer, blob), (second, secondBlob)]);
        var bundle = dir.Combine("bundle");
        (await ProcessRunner.RunAsync(umoci, ["unpack", "--image", layout + ":test", bundle])).EnsureSuccess("umoci unpack");
        var rootfs = Path.Combine(bundle, "rootfs");

        var expected = Tree(source.Path).Where(l => l != "f app/empty").Append("f app/added.txt").Order(StringComparer.Ordinal).ToList();
        CollectionAssert.AreEqual(expected, Tree(rootfs));
        foreach (var line in expected.Where(l => l.StartsWith("f ", StringComparison.Ordinal) && l != "f app/added.txt"))
        {
            var rel = line[2..];
            CollectionAssert.AreEqual(await File.ReadAllBytesAsync(Path.Combine(source.Path, rel)), await File.ReadAllBytesAsync(Path.Combine(rootfs, rel)), rel);
            Assert.AreEqual(File.GetUnixFileMode(Path.Combine(source.Path, rel)), File.GetUnixFileMode(Path.Combine(rootfs, rel)), rel);
        }

        Assert.AreEqual("web.dll", new FileInfo(Path.Combine(rootfs, "app/current")).LinkTarget);
        Assert.AreEqual("1777", Convert.ToString((int)File.GetUnixFileMode(Path.Combine(rootfs, "tmp")), 8));
        var owner = (await ProcessRunner.RunAsync("stat", ["-c", "%u:%g", Path.Combine(rootfs, "app/run.sh")])).EnsureSuccess("stat").StdOut.Trim();
        Assert.AreEqual("1000:1001", owner);
        var links = (await ProcessRunner.RunAsync("stat", ["-c", "%i", Path.Combine(rootfs, "app/web.dll"), Path.Combine(rootfs, "app/web-hardlink.dll")])).StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.AreEqual(links[0], links[1], "the hardlink shares the inode");

        // Our applier gives the same tree as umoci.
        var ours = dir.Combine("ours");
        await ApplyAsync(ours, blob, layer.DiffId);
        await ApplyAsync(ours, secondBlob, second.DiffId);
        CollectionAssert.AreEqual(Tree(rootfs), Tree(ours));
    }

    [TestMethod]
    public async Task Layers_tools_gnu_tar_layers_apply_as_gnu_tar_extracts_them()
    {
        var tar = Requirements.Tool("tar");
        using var source = MakeSource();
        using var dir = new TempDir();
        var layer = dir.Combine("gnu.tar.gz");

        // GNU tar's own format: "./" names, the root folder as an entry, GNU long-name records, real mtimes.
        (await ProcessRunner.RunAsync(tar, ["--format=gnu", "-czf", layer, "-C", source.Path, "."])).EnsureSuccess("tar -c");
        var extracted = Directory.CreateDirectory(dir.Combine("by-tar")).FullName;
        (await ProcessRunner.RunAsync(tar, ["-xzpf", layer, "-C", extracted])).EnsureSuccess("tar -x");
        var ours = dir.Combine("by-us");
        await using (var input = File.OpenRead(layer))
        {
            await Containerize.Core.Images.Layers.LayerApplier.ApplyAsync(ours, input);
        }

        CollectionAssert.AreEqual(Tree(extracted), Tree(ours));
        foreach (var line in Tree(extracted))
        {
            var rel = line[2..];
            var a = (await ProcessRunner.RunAsync("stat", ["-c", "%F %a %u:%g %h %Y", Path.Combine(extracted, rel)])).EnsureSuccess("stat").StdOut;
            var b = (await ProcessRunner.RunAsync("stat", ["-c", "%F %a %u:%g %h %Y", Path.Combine(ours, rel)])).EnsureSuccess("stat").StdOut;
            Assert.AreEqual(a, b, rel);
            if (line.StartsWith("f ", StringComparison.Ordinal))
            {
                CollectionAssert.AreEqual(await File.ReadAllBytesAsync(Path.Combine(extracted, rel)), await File.ReadAllBytesAsync(Path.Combine(ours, rel)), rel);
            }
        }
    }

    [TestMethod]
    public async Task Layers_tools_skopeo_inspects_and_copies_layouts_with_gzip_and_zstd_layers()
    {
        var skopeo = Requirements.Tool("skopeo");
        using var dir = new TempDir();
        var entries = new[] { LayerEntry.FromBytes("hello.txt", Encoding.UTF8.GetBytes("hello")) };
        var gz = await WriteAsync(entries);
        var zst = await WriteAsync(entries, new LayerWriterOptions { Compression = LayerCompression.Zstd });
        var layout = dir.Combine("layout");
        await OciLayoutForTests.WriteAsync(layout, "mixed", [gz, zst]);
        var json = (await ProcessRunner.RunAsync(skopeo, ["inspect", "oci:" + layout + ":mixed"])).EnsureSuccess("skopeo inspect").StdOut;
        StringAssert.Contains(json, gz.Result.Blob.Digest.ToString());
        StringAssert.Contains(json, zst.Result.Blob.Digest.ToString());

        // skopeo copies (reading and checking each blob against its digest) into a fresh layout.
        (await ProcessRunner.RunAsync(skopeo, ["copy", "oci:" + layout + ":mixed", "oci:" + dir.Combine("copy") + ":mixed"])).EnsureSuccess("skopeo copy");
        Assert.IsTrue(File.Exists(dir.Combine("copy", "blobs", "sha256", zst.Result.Blob.Digest.Encoded)));
        var raw = (await ProcessRunner.RunAsync(skopeo, ["inspect", "--raw", "oci:" + dir.Combine("copy") + ":mixed"])).EnsureSuccess("skopeo inspect --raw").StdOut;
        using var manifest = System.Text.Json.JsonDocument.Parse(raw);
        Assert.AreEqual(MediaTypes.OciLayerZstd, manifest.RootElement.GetProperty("layers")[1].GetProperty("mediaType").GetString());
    }

    [TestMethod]
    public async Task Cli_layer_create_prints_the_digests_of_a_reproducible_blob()
    {
        using var source = MakeSource();
        using var dir = new TempDir();
        var first = await CliRunner.RunAsync(dir.Path, "layer", "create", source.Path, "one.tar.gz");
        Assert.AreEqual(0, first.ExitCode, first.StdErr);
        var second = await CliRunner.RunAsync(dir.Path, "layer", "create", source.Path, "two.tar.gz", "--level", "3");
        Assert.AreEqual(first.StdOut, second.StdOut);
        // A one-core gzip (the bench's sequential baseline) writes the very same bytes.
        var oneCore = await CliRunner.RunAsync(dir.Path, "layer", "create", source.Path, "three.tar.gz", "--threads", "1");
        Assert.AreEqual(0, oneCore.ExitCode, oneCore.StdErr);
        CollectionAssert.AreEqual(await File.ReadAllBytesAsync(dir.Combine("one.tar.gz")), await File.ReadAllBytesAsync(dir.Combine("three.tar.gz")));
        var digest = Digest.Sha256(await File.ReadAllBytesAsync(dir.Combine("one.tar.gz")));
        StringAssert.Contains(first.StdOut, "digest:            " + digest);
        Assert.IsEmpty(Directory.GetFiles(dir.Path, "*.tmp-*"));

        var ls = await CliRunner.RunAsync(dir.Path, "layer", "ls", "one.tar.gz");
        Assert.AreEqual(0, ls.ExitCode, ls.StdErr);
        StringAssert.Contains(ls.StdOut, "l 0777 0/0          0 app/current -> web.dll");

        // Several layers at once, each as it would be alone.
        var many = await CliRunner.RunAsync(dir.Path, "layer", "create", source.Path, "a.tar.gz", Path.Combine(source.Path, "app"), "b.tar.gz", "--jobs", "2");
        Assert.AreEqual(0, many.ExitCode, many.StdErr);
        CollectionAssert.AreEqual(await File.ReadAllBytesAsync(dir.Combine("one.tar.gz")), await File.ReadAllBytesAsync(dir.Combine("a.tar.gz")));
        var appOnly = await CliRunner.RunAsync(dir.Path, "layer", "create", Path.Combine(source.Path, "app"), "c.tar.gz");
        CollectionAssert.AreEqual(await File.ReadAllBytesAsync(dir.Combine("c.tar.gz")), await File.ReadAllBytesAsync(dir.Combine("b.tar.gz")));
        StringAssert.Contains(many.StdOut, "layer:             b.tar.gz\n" + appOnly.StdOut);

        var bad = await CliRunner.RunAsync(dir.Path, "layer", "create", source.Path, "x.tar", "--chmod", "abc");
        Assert.AreEqual(1, bad.ExitCode);
        StringAssert.Contains(bad.StdErr, LayerErrors.InvalidMode);
        Assert.IsFalse(File.Exists(dir.Combine("x.tar")));
    }
}
