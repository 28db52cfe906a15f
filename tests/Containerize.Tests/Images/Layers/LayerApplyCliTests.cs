using System.Formats.Tar;
using System.Runtime.InteropServices;
using Containerize.Core.Images.Layers;
using Containerize.Core.Images.Oci;
using Containerize.Tests.Infrastructure;
using static Containerize.Tests.Images.Layers.LayerTestSupport;

namespace Containerize.Tests.Images.Layers;

/// <summary>`containerize layer apply`, which eng/bench/unpack times: the tree it leaves, in both whiteout modes, and its coded errors.</summary>
[TestClass]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class LayerApplyCliTests
{
    [TestMethod]
    public async Task Layers_cli_apply_applies_gzip_zstd_and_plain_layers_lowest_first_with_their_whiteouts()
    {
        using var dir = new TempDir();
        var (lower, upper, top) = await WriteStackAsync(dir);

        var result = await CliRunner.RunAsync(dir.Path, "layer", "apply", "rootfs", lower, upper, top);

        Assert.AreEqual(0, result.ExitCode, result.StdErr);
        var root = dir.Combine("rootfs");
        CollectionAssert.AreEqual(
            new[] { "d etc", "d opt", "d var", "d var/cache", "f etc/app.conf", "f etc/keep.conf", "f var/cache/new", "l etc/link" }.Order(StringComparer.Ordinal).ToList(),
            Tree(root),
            string.Join(", ", Tree(root)));
        Assert.AreEqual("v3", await File.ReadAllTextAsync(Path.Combine(root, "etc/app.conf")), "the highest layer's file wins");
        Assert.AreEqual("app.conf", new FileInfo(Path.Combine(root, "etc/link")).LinkTarget);
        Assert.AreEqual("750", Convert.ToString((int)File.GetUnixFileMode(Path.Combine(root, "opt")), 8));
    }

    [TestMethod]
    public async Task Layers_cli_apply_overlay_keeps_whiteouts_as_overlayfs_reads_them()
    {
        Requirements.RequireRoot("overlayfs whiteouts are 0/0 character devices and trusted.* xattrs");
        using var dir = new TempDir();
        var (_, upper, _) = await WriteStackAsync(dir);

        var result = await CliRunner.RunAsync(dir.Path, "layer", "apply", "--whiteouts", "overlay", "upper", upper);

        Assert.AreEqual(0, result.ExitCode, result.StdErr);
        var root = dir.Combine("upper");
        CollectionAssert.AreEqual(
            new[] { "d etc", "d opt", "d var", "d var/cache", "f etc/app.conf", "f etc/gone.conf", "f opt/tool", "f var/cache/new" },
            Tree(root),
            string.Join(", ", Tree(root)));
        foreach (var whiteout in new[] { "etc/gone.conf", "opt/tool" })
        {
            var stat = await ProcessRunner.RunAsync("stat", ["-c", "%F %t:%T", Path.Combine(root, whiteout)]);
            Assert.AreEqual("character special file 0:0", stat.EnsureSuccess("stat").StdOut.Trim(), whiteout);
        }

        Assert.AreEqual("y", Xattr(Path.Combine(root, "var/cache"), "trusted.overlay.opaque"));
        Assert.IsNull(Xattr(Path.Combine(root, "etc"), "trusted.overlay.opaque"), "only the opaque folder is marked");
    }

    [TestMethod]
    public async Task Layers_cli_apply_errors_are_coded_and_name_the_layer()
    {
        using var dir = new TempDir();
        var (lower, _, _) = await WriteStackAsync(dir);
        var blob = await File.ReadAllBytesAsync(dir.Combine(lower));
        var truncated = dir.Combine("truncated.tar.gz");
        await File.WriteAllBytesAsync(truncated, blob[..(blob.Length / 2)]);

        foreach (var mode in new[] { "apply", "overlay" })
        {
            var corrupt = await CliRunner.RunAsync(dir.Path, "layer", "apply", "--whiteouts", mode, "root-" + mode, lower, truncated);
            Assert.AreEqual(1, corrupt.ExitCode, mode);
            StringAssert.StartsWith(corrupt.StdErr, $"{truncated}: CTZ3104 ", mode);
        }

        var missing = await CliRunner.RunAsync(dir.Path, "layer", "apply", "root", "no-such-layer.tar.gz");
        Assert.AreEqual(1, missing.ExitCode);
        StringAssert.Contains(missing.StdErr, "CTZ0003");
        StringAssert.Contains(missing.StdErr, "no-such-layer.tar.gz");

        foreach (var bad in new[] { new[] { "layer", "apply", "root" }, ["layer", "apply", "--whiteouts", "delete", "root", lower] })
        {
            var result = await CliRunner.RunAsync(dir.Path, bad);
            Assert.AreEqual(1, result.ExitCode, string.Join(' ', bad));
            StringAssert.StartsWith(result.StdErr, "CTZ0002 ", string.Join(' ', bad));
        }

        Assert.IsFalse(Directory.Exists(dir.Combine("root")), "nothing is written when the arguments are refused");
    }

    [TestMethod]
    public async Task Layers_cli_apply_no_owners_leaves_the_callers_owner()
    {
        Requirements.RequireRoot("only root can give a file another owner, so only then does --no-owners change anything");
        using var dir = new TempDir();
        var layer = dir.Combine("owned.tar.gz");
        await WriteFileAsync([LayerEntry.FromBytes("owned", "x"u8.ToArray())], layer, new LayerWriterOptions { Uid = 1654, Gid = 1655 });

        Assert.AreEqual(0, (await CliRunner.RunAsync(dir.Path, "layer", "apply", "kept", layer)).ExitCode);
        Assert.AreEqual(0, (await CliRunner.RunAsync(dir.Path, "layer", "apply", "--no-owners", "mine", layer)).ExitCode);
        Assert.AreEqual(0, (await CliRunner.RunAsync(dir.Path, "layer", "apply", "--whiteouts", "overlay", "--no-owners", "mine-overlay", layer)).ExitCode);

        Assert.AreEqual("1654:1655", await OwnerAsync(dir.Combine("kept/owned")));
        Assert.AreEqual("0:0", await OwnerAsync(dir.Combine("mine/owned")));
        Assert.AreEqual("0:0", await OwnerAsync(dir.Combine("mine-overlay/owned")), "one unpacker: both whiteout modes take --no-owners");
    }

    /// <summary>Three layers, relative paths under the folder: a gzip base, a zstd layer with whiteouts and an opaque folder, a plain tar on top.</summary>
    private static async Task<(string Lower, string Upper, string Top)> WriteStackAsync(TempDir dir)
    {
        await WriteFileAsync(
        [
            LayerEntry.FromBytes("etc/keep.conf", "keep"u8.ToArray()),
            LayerEntry.FromBytes("etc/gone.conf", "gone"u8.ToArray()),
            LayerEntry.FromBytes("etc/app.conf", "v1"u8.ToArray()),
            LayerEntry.FromBytes("opt/tool/bin/tool", "t"u8.ToArray()),
            LayerEntry.FromBytes("var/cache/old", "old"u8.ToArray()),
        ], dir.Combine("lower.tar.gz"));
        await WriteFileAsync(
        [
            LayerEntry.FromBytes("etc/app.conf", "v2"u8.ToArray()),
            LayerEntry.Whiteout("etc/gone.conf"),
            LayerEntry.Directory("opt", (UnixFileMode)Convert.ToInt32("750", 8)),
            LayerEntry.Whiteout("opt/tool"),
            LayerEntry.OpaqueWhiteout("var/cache"),
            LayerEntry.FromBytes("var/cache/new", "new"u8.ToArray()),
        ], dir.Combine("upper.tar.zst"), new LayerWriterOptions { Compression = LayerCompression.Zstd });
        await File.WriteAllBytesAsync(dir.Combine("top.tar"), RawTar(RawFile("etc/app.conf", "v3"), RawLink(TarEntryType.SymbolicLink, "etc/link", "app.conf")));
        return ("lower.tar.gz", "upper.tar.zst", "top.tar");
    }

    private static async Task<string> OwnerAsync(string path) =>
        (await ProcessRunner.RunAsync("stat", ["-c", "%u:%g", path])).EnsureSuccess("stat").StdOut.Trim();

    private static string? Xattr(string path, string name)
    {
        var buffer = new byte[64];
        var n = LGetXattr(path, name, buffer, buffer.Length);
        return n < 0 ? null : System.Text.Encoding.ASCII.GetString(buffer, 0, (int)n);
    }

    // The test reads the xattr itself rather than through the code under test.
    [DllImport("libc", EntryPoint = "lgetxattr", SetLastError = true)]
    private static extern nint LGetXattr([MarshalAs(UnmanagedType.LPUTF8Str)] string path, [MarshalAs(UnmanagedType.LPUTF8Str)] string name, byte[] value, nint size);
}
