using System.Formats.Tar;
using System.Text;

namespace Containerize.Tests.Images.Layers.Differential;

/// <summary>One tar entry of a well-formed layer: what a writer like BuildKit's or ours puts in a layer.</summary>
/// <param name="Kind">dir, file, symlink, hardlink, whiteout (<c>.wh.NAME</c>) or opaque (<c>DIR/.wh..wh..opq</c>).</param>
internal sealed record LayerItem(string Kind, string Name, int Mode = -1, int Uid = 0, int Gid = 0, string? Text = null, string? Target = null);

/// <summary>
/// Four well-formed layers that exercise every rule of the OCI layer format a merged tree depends on: links
/// (absolute, relative, climbing inside the image, dangling after a whiteout), hard-link groups (kept in a lower
/// layer, rewritten and grown in an upper one), whiteouts (a file, a whole folder, a file inside a folder an earlier
/// layer made opaque), opaque folders, and every replaced type (file->dir, dir->symlink, symlink->file, dir->file,
/// symlink->dir, dir->file again). Each layer lists its parents and writes the opaque marker before the folder's
/// new entries, as Docker's and BuildKit's writers do. Owners, setuid/setgid and the sticky bit are set, so that an
/// applier that chmods before it chowns, or drops special bits, differs.
/// </summary>
internal static class WellFormedLayers
{
    private static readonly DateTimeOffset Time = DateTimeOffset.FromUnixTimeSeconds(1_700_000_000);

    /// <summary>A name longer than ustar's 100 bytes: a PAX path record.</summary>
    public static readonly string LongName = "long/" + new string('n', 150);

    public static IReadOnlyList<IReadOnlyList<LayerItem>> Items { get; } =
    [
        [
            new("dir", "etc", 0x1ED),
            new("file", "etc/passwd", 0x1A4, Text: "root:x:0:0:root:/root:/bin/sh\n"),
            new("dir", "d1", 0x1ED),
            new("file", "d1/f", 0x1A4, Text: "one"),
            new("dir", "d1/sub", 0x1E8, 1000, 1000),
            new("file", "d1/sub/g", 0x180, 1000, 1000, "g"),
            new("dir", "d2", 0x1ED),
            new("file", "d2/a", 0x1A4, Text: "a"),
            new("file", "d2/b", 0x1A0, 0, 50, "b"),
            new("dir", "d3", 0x1C9),
            new("file", "d3/x", 0x1A4, Text: "x"),
            new("dir", "dl", 0x1ED),
            new("file", "dl/inner", 0x1A4, Text: "inner"),
            new("file", "empty", 0x1A4, Text: ""),
            new("file", "f1", 0x1A4, Text: "f1 is a file"),
            new("file", "h1", 0x1ED, Text: "hard one"),
            new("hardlink", "h2", Target: "h1"),
            new("dir", "hl", 0x1ED),
            new("file", "hl/a", 0x1A4, 7, 8, "kept group"),
            new("hardlink", "hl/b", Target: "hl/a"),
            new("dir", "o", 0x1ED),
            new("file", "o/keep1", 0x1A4, Text: "k1"),
            new("dir", "o/sub", 0x1ED),
            new("file", "o/sub/deep", 0x1A4, Text: "deep"),
            new("symlink", "s1", Target: "d1"),
            new("symlink", "s2", Target: "/d2"),
            new("symlink", "s3", Target: "../d1/f"),
            new("file", "sg", 0x5ED /* 2755 */, 0, 1000, "setgid"),
            new("file", "su", 0x9ED /* 4755 */, Text: "setuid"),
            new("dir", "tmp", 0x3FF /* 1777 */),
            new("dir", "w", 0x1ED),
            new("file", "w/gone", 0x1A4, Text: "gone"),
            new("file", "w/stays", 0x1A4, Text: "stays"),
        ],
        [
            new("file", "d3", 0x180, Text: "d3 was a folder"),
            new("symlink", "dl", Target: "d2"),
            new("dir", "f1", 0x1ED),
            new("file", "f1/inner", 0x1A4, Text: "f1 is a folder"),
            new("file", "h1", 0x1ED, Text: "hard one, rewritten"),
            new("hardlink", "h2", Target: "h1"),
            new("hardlink", "h3", Target: "h1"),
            new("dir", "o", 0x1ED),
            new("opaque", "o"),
            new("file", "o/new", 0x1A4, Text: "new"),
            new("file", "s1", 0x1A4, Text: "s1 was a symlink"),
            new("dir", "w", 0x1ED),
            new("whiteout", "w/gone"),
        ],
        [
            new("whiteout", "d2"),
            new("dir", "d1", 0x1ED),
            new("opaque", "d1"),
            new("file", "d1/new", 0x1A4, Text: "d1, opaque"),
            new("dir", "s2", 0x1C0, 1000, 1000),
            new("file", "s2/in", 0x1A4, Text: "s2 was a symlink"),
            new("dir", "w", 0x1ED),
            new("dir", "w/gone", 0x1C0, 1000, 1000),
            new("file", "w/gone/x", 0x1A4, 1000, 1000, "gone is a folder now"),
        ],
        [
            new("dir", "dd", 0x1C0, 1000, 1000),
            new("file", "f1", 0x180, Text: "f1 is a file again"),
            new("dir", "long", 0x1ED),
            new("file", LongName, 0x1A4, Text: "long"),
            new("dir", "o", 0x1ED),
            new("whiteout", "o/new"),
            new("dir", "o/sub2", 0x1C0),
            new("whiteout", "s3"),
            new("symlink", "s4", Target: "/etc/../d1/new"),
            new("dir", "tmp", 0x3FF),
        ],
    ];

    /// <summary>Each layer as an uncompressed tar, the same bytes every time.</summary>
    public static IReadOnlyList<byte[]> Tars() => [.. Items.Select(Tar)];

    private static byte[] Tar(IReadOnlyList<LayerItem> items)
    {
        using var output = new MemoryStream();
        using (var writer = new TarWriter(output, TarEntryFormat.Pax, leaveOpen: true))
        {
            foreach (var item in items) writer.WriteEntry(Entry(item));
        }

        return output.ToArray();
    }

    private static PaxTarEntry Entry(LayerItem item)
    {
        var (type, name, mode) = item.Kind switch
        {
            "dir" => (TarEntryType.Directory, item.Name + "/", item.Mode),
            "file" => (TarEntryType.RegularFile, item.Name, item.Mode),
            "symlink" => (TarEntryType.SymbolicLink, item.Name, 0x1FF),
            // 0777 and 0:0 as containerd's tartest writes hard links, not the file's own attributes (the one liberty
            // taken with well-formedness): Docker and containerd give the shared file the entry's attributes.
            "hardlink" => (TarEntryType.HardLink, item.Name, 0x1FF),
            "whiteout" => (TarEntryType.RegularFile, Whiteout(item.Name), 0x180),
            "opaque" => (TarEntryType.RegularFile, item.Name + "/.wh..wh..opq", 0x180),
            _ => throw new InvalidDataException("unknown kind " + item.Kind),
        };

        // No atime/ctime records: only what the comparison reads, so the tars stay the same bytes.
        var entry = new PaxTarEntry(type, name, new Dictionary<string, string> { ["mtime"] = Time.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture) })
        {
            Mode = (UnixFileMode)mode,
            Uid = item.Uid,
            Gid = item.Gid,
            ModificationTime = Time,
        };
        if (item.Target is { } target) entry.LinkName = target;
        if (type == TarEntryType.RegularFile && item.Text is { Length: > 0 } text) entry.DataStream = new MemoryStream(Encoding.UTF8.GetBytes(text));
        return entry;
    }

    private static string Whiteout(string path)
    {
        var slash = path.LastIndexOf('/');
        return slash < 0 ? ".wh." + path : path[..(slash + 1)] + ".wh." + path[(slash + 1)..];
    }
}
