using System.Runtime.Versioning;
using Containerize.Core.Runtime;
using Containerize.Core.Runtime.Diff;

namespace Containerize.Tests.Runtime;

[TestClass]
[SupportedOSPlatform("linux")]
public sealed class RuntimeDiffTests
{
    public const string ChangeScript = """
        set -e
        echo new > /new.txt
        ln /new.txt /hard.txt
        echo suid > /suid && chmod 4755 /suid
        echo owned > /owned && chown 1654:1654 /owned
        ln -s /new.txt /link
        mkfifo /fifo
        echo after > /opt/modify-me.txt
        rm /opt/remove-me.txt
        rm -rf /var/lib/data && mkdir /var/lib/data && echo n > /var/lib/data/fresh.txt
        mkdir -p /srv/a/b && echo deep > /srv/a/b/c.txt
        touch /tmp/scratch && rm /tmp/scratch
        """;

    /// <summary>What the script must change, without times: the same for both strategies.</summary>
    public static readonly string[] Expected =
    [
        "A fifo Fifo 0644 0:0",
        "A hard.txt File 0644 0:0 4",
        "A link Symlink 0777 0:0 -> /new.txt",
        "A new.txt Hardlink 0644 0:0 => hard.txt",
        "M opt Directory 0755 0:0",
        "M opt/modify-me.txt File 0644 0:0 6",
        "D opt/remove-me.txt",
        "A owned File 0644 1654:1654 6",
        "A srv Directory 0755 0:0",
        "A srv/a Directory 0755 0:0",
        "A srv/a/b Directory 0755 0:0",
        "A srv/a/b/c.txt File 0644 0:0 5",
        "A suid File 4755 0:0 5",
        "M tmp Directory 1777 0:0",
        "M var Directory 0755 0:0",
        "M var/lib Directory 0755 0:0",
        "M var/lib/data Directory 0755 0:0 opaque",
        "A var/lib/data/fresh.txt File 0644 0:0 2",
    ];

    [TestMethod]
    [DataRow(RootfsStrategy.Overlay)]
    [DataRow(RootfsStrategy.Copy)]
    public async Task Diff_ChangeListIsExact(RootfsStrategy strategy)
    {
        using var f = await RuntimeFixture.CreateAsync();
        await using var result = await f.Runtime(strategy).RunAsync(f.Shell(ChangeScript), null, CancellationToken.None);
        Assert.AreEqual(strategy, result.Strategy);
        var actual = result.Changes.Select(c => c.ToString()).ToArray();
        CollectionAssert.AreEqual(Expected, actual, "actual:\n" + string.Join("\n", actual));
        // Content is readable where the change list says it is, until the result is disposed.
        var fresh = result.Changes.Single(c => c.Path == "var/lib/data/fresh.txt");
        Assert.AreEqual("n\n", await File.ReadAllTextAsync(fresh.SourcePath!));
    }

    [TestMethod]
    public async Task Diff_CopyFallbackGivesTheSameListAsOverlay_ForAddingAUser()
    {
        using var f = await RuntimeFixture.CreateAsync();
        // Debian's busybox-static has no adduser applet: add the user as adduser does, by rewriting the files.
        const string script = """
            sed -i '$a bob:x:2000:2000::/home/bob:/bin/sh' /etc/passwd && sed -i '$a bob:x:2000:' /etc/group &&
            mkdir -p /home/bob && chown 2000:2000 /home/bob && chmod 0750 /home/bob &&
            chown -R 1654:1654 /opt/keep && chmod 0700 /opt/keep
            """;
        await using var overlay = await f.Runtime(RootfsStrategy.Overlay).RunAsync(f.Shell(script), null, CancellationToken.None);
        await using var copy = await f.Runtime(RootfsStrategy.Copy).RunAsync(f.Shell(script), null, CancellationToken.None);
        var a = overlay.Changes.Select(c => c.ToString()).ToArray();
        var b = copy.Changes.Select(c => c.ToString()).ToArray();
        CollectionAssert.AreEqual(a, b, "overlay:\n" + string.Join("\n", a) + "\ncopy:\n" + string.Join("\n", b));
        StringAssert.Contains(await File.ReadAllTextAsync(overlay.Changes.Single(c => c.Path == "etc/passwd").SourcePath!), "bob:x:2000:");
        var home = overlay.Changes.Single(c => c.Path == "home/bob");
        Assert.AreEqual((2000u, FileKind.Directory, ChangeKind.Added), (home.Uid, home.Type, home.Kind));
        var keep = overlay.Changes.Single(c => c.Path == "opt/keep");
        Assert.AreEqual((0x1C0u, 1654u, 1654u, ChangeKind.Modified), (keep.Mode, keep.Uid, keep.Gid, keep.Kind));
    }

    [TestMethod]
    public async Task Diff_BecomesALayer_WithOciWhiteouts()
    {
        using var f = await RuntimeFixture.CreateAsync();
        await using var result = await f.Runtime().RunAsync(f.Shell(ChangeScript), null, CancellationToken.None);
        using var layer = new MemoryStream();
        await Containerize.Core.Images.Layers.LayerWriter.WriteAsync(result.ToLayerEntries(), layer,
            new Containerize.Core.Images.Layers.LayerWriterOptions { Compression = Containerize.Core.Images.Oci.LayerCompression.None });
        layer.Position = 0;
        var entries = new Dictionary<string, System.Formats.Tar.TarEntry>(StringComparer.Ordinal);
        await using (var reader = new System.Formats.Tar.TarReader(layer))
        {
            while (await reader.GetNextEntryAsync(copyData: true) is { } e) entries[e.Name.TrimEnd('/')] = e;
        }

        Assert.IsTrue(entries.ContainsKey("opt/.wh.remove-me.txt"), string.Join(", ", entries.Keys));
        Assert.IsTrue(entries.ContainsKey("var/lib/data/.wh..wh..opq"), string.Join(", ", entries.Keys));
        Assert.AreEqual(System.Formats.Tar.TarEntryType.HardLink, entries["new.txt"].EntryType);
        Assert.AreEqual("hard.txt", entries["new.txt"].LinkName);
        Assert.AreEqual(1654, entries["owned"].Uid);
        Assert.AreEqual((UnixFileMode)0x9ED, entries["suid"].Mode);
        Assert.AreEqual(System.Formats.Tar.TarEntryType.Fifo, entries["fifo"].EntryType);
        using var content = new StreamReader(entries["var/lib/data/fresh.txt"].DataStream!);
        Assert.AreEqual("n\n", await content.ReadToEndAsync());
    }
}
