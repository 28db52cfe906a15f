using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Containerize.Tests.Building.Differential;

/// <summary>One path of an image's merged file tree, as the comparison sees it (no timestamps).</summary>
public sealed record TreeNode(string Type, int Mode, int Uid, int Gid, long Size, string? Sha256, string? LinkTarget)
{
    public override string ToString() =>
        $"{Type} {Convert.ToString(Mode, 8).PadLeft(4, '0')} {Uid}:{Gid}" + (Type == "file" ? $" {Size} bytes {Sha256?[..12]}" : "") + (LinkTarget is null ? "" : " -> " + LinkTarget);
}

/// <summary>
/// An image read from a docker-archive (`docker save` of Docker 25+, or `containerize save -o docker-archive:`) by
/// this test alone: manifest.json, the config JSON and each layer through the BCL's TarReader, with the OCI whiteout
/// rules applied here, so that no code of Core judges its own output.
/// </summary>
public sealed partial class ImageArchive
{
    private ImageArchive(SortedDictionary<string, TreeNode> tree, JsonObject config, IReadOnlyList<string> diffIds, IReadOnlyList<byte[]> layers, IReadOnlyList<string> layerCommands)
    {
        LayerCommands = layerCommands;
        Tree = tree;
        Config = config;
        DiffIds = diffIds;
        Layers = layers;
    }

    /// <summary>Path (no leading '/') → node, after every layer.</summary>
    public SortedDictionary<string, TreeNode> Tree { get; }

    /// <summary>The image config's "config" object (Env, Cmd, ...).</summary>
    public JsonObject Config { get; }

    public IReadOnlyList<string> DiffIds { get; }

    /// <summary>The history's created_by of each layer (entries without empty_layer), aligned with <see cref="DiffIds"/>.</summary>
    public IReadOnlyList<string> LayerCommands { get; }

    /// <summary>Each layer's uncompressed tar.</summary>
    public IReadOnlyList<byte[]> Layers { get; }

    public static async Task<ImageArchive> ReadAsync(string archivePath)
    {
        var files = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        await using (var file = File.OpenRead(archivePath))
        await using (var reader = new TarReader(file))
        {
            while (await reader.GetNextEntryAsync() is { } e)
            {
                if (e.DataStream is null) continue;
                using var buffer = new MemoryStream();
                await e.DataStream.CopyToAsync(buffer);
                files[Clean(e.Name)] = buffer.ToArray();
            }
        }

        var manifest = JsonNode.Parse(files["manifest.json"])!.AsArray()[0]!;
        var image = JsonNode.Parse(files[Clean(manifest["Config"]!.GetValue<string>())])!.AsObject();
        var layers = manifest["Layers"]!.AsArray().Select(l => Uncompressed(files[Clean(l!.GetValue<string>())])).ToList();
        var tree = new SortedDictionary<string, TreeNode>(StringComparer.Ordinal);
        foreach (var layer in layers) await ApplyAsync(tree, layer);
        var diffIds = image["rootfs"]!["diff_ids"]!.AsArray().Select(d => d!.GetValue<string>()).ToList();
        var commands = (image["history"]?.AsArray() ?? [])
            .Where(h => h?["empty_layer"]?.GetValue<bool>() != true)
            .Select(h => h?["created_by"]?.GetValue<string>() ?? "").ToList();
        return new ImageArchive(tree, image["config"]?.AsObject() ?? [], diffIds, layers, commands);
    }

    /// <summary>The layer's sha256 after setting every header's mtime to <paramref name="epoch"/> (what BuildKit's rewrite-timestamp does for newer files).</summary>
    public static string ClampedDiffId(byte[] layer, long epoch) => "sha256:" + Convert.ToHexStringLower(SHA256.HashData(Clamped(layer, epoch)));

    private static long Size(ReadOnlySpan<byte> header) =>
        Convert.ToInt64(System.Text.Encoding.ASCII.GetString(header.Slice(124, 11)).Trim('\0', ' ') is { Length: > 0 } s ? s : "0", 8);

    /// <summary>A copy of the layer with every header's mtime set to <paramref name="epoch"/> (checksums recomputed).</summary>
    private static byte[] Clamped(byte[] layer, long epoch)
    {
        var copy = (byte[])layer.Clone();
        for (var offset = 0; offset + 512 <= copy.Length; )
        {
            var header = copy.AsSpan(offset, 512);
            if (header.IndexOfAnyExcept((byte)0) < 0) break;
            var size = Size(header);
            var mtime = Convert.ToString(epoch, 8).PadLeft(11, '0');
            System.Text.Encoding.ASCII.GetBytes(mtime).CopyTo(header.Slice(136, 11));
            header.Slice(148, 8).Fill((byte)' ');
            var sum = 0;
            foreach (var b in header) sum += b;
            System.Text.Encoding.ASCII.GetBytes(Convert.ToString(sum, 8).PadLeft(6, '0') + "\0 ").CopyTo(header.Slice(148, 8));
            offset += 512 + (int)((size + 511) / 512 * 512);
        }

        return copy;
    }

    /// <summary>
    /// A file's content as the comparison sees it: timestamps are not compared, and ASP.NET Core's static web assets
    /// manifest (<c>*.staticwebassets.endpoints.json</c>) embeds file times as Last-Modified headers (of the files
    /// the build compresses, so of the build's own time, and of the context's files, which BuildKit's COPY keeps
    /// and ours sets to the epoch); those dates are blanked, everything else in it is compared.
    /// </summary>
    public static byte[] WithoutEmbeddedTimes(string path, byte[] content)
    {
        if (!path.EndsWith(".staticwebassets.endpoints.json", StringComparison.Ordinal)) return content;
        var text = System.Text.Encoding.UTF8.GetString(content);
        return System.Text.Encoding.UTF8.GetBytes(LastModified().Replace(text, "${head}(a date)\""));
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"(?<head>""Name""\s*:\s*""Last-Modified""\s*,\s*""Value""\s*:\s*"")[^""]*""")]
    private static partial System.Text.RegularExpressions.Regex LastModified();

    /// <summary>
    /// True when two layer tars are byte-identical once every header's mtime is the epoch, except for the content of
    /// static web assets manifests, which must be equal once their embedded dates are blanked (and must differ: this
    /// explains nothing else).
    /// </summary>
    public static bool SameButForEmbeddedTimes(byte[] expected, byte[] actual)
    {
        var a = Clamped(expected, 0);
        var b = Clamped(actual, 0);
        if (a.Length != b.Length) return false;
        var explained = false;
        for (var offset = 0; offset + 512 <= a.Length; )
        {
            var header = a.AsSpan(offset, 512);
            if (!header.SequenceEqual(b.AsSpan(offset, 512))) return false;
            if (header.IndexOfAnyExcept((byte)0) < 0) return explained && a.AsSpan(offset).SequenceEqual(b.AsSpan(offset));
            var size = (int)Size(header);
            var x = a.AsSpan(offset + 512, size);
            var y = b.AsSpan(offset + 512, size);
            if (!x.SequenceEqual(y))
            {
                var name = Clean(System.Text.Encoding.ASCII.GetString(header[..100]).TrimEnd('\0'));
                if (!WithoutEmbeddedTimes(name, x.ToArray()).AsSpan().SequenceEqual(WithoutEmbeddedTimes(name, y.ToArray()))) return false;
                explained = true;
            }

            offset += 512 + (size + 511) / 512 * 512;
        }

        return explained;
    }

    private static byte[] Uncompressed(byte[] blob)
    {
        if (blob.Length < 2 || blob[0] != 0x1f || blob[1] != 0x8b) return blob;
        using var gzip = new GZipStream(new MemoryStream(blob), CompressionMode.Decompress);
        using var output = new MemoryStream();
        gzip.CopyTo(output);
        return output.ToArray();
    }

    private static async Task ApplyAsync(SortedDictionary<string, TreeNode> tree, byte[] layer)
    {
        await using var reader = new TarReader(new MemoryStream(layer));
        while (await reader.GetNextEntryAsync() is { } e)
        {
            var path = Clean(e.Name);
            if (path.Length == 0) continue;
            var slash = path.LastIndexOf('/');
            var folder = slash < 0 ? "" : path[..slash];
            var name = path[(slash + 1)..];
            if (name == ".wh..wh..opq")
            {
                // Opaque: what lower layers had inside the folder is gone. This layer's own entries for the folder
                // come after the marker in every writer we read (BuildKit and ours), so removing now is enough.
                RemoveUnder(tree, folder);
                continue;
            }

            if (name.StartsWith(".wh.", StringComparison.Ordinal))
            {
                var gone = (folder.Length == 0 ? "" : folder + "/") + name[4..];
                tree.Remove(gone);
                RemoveUnder(tree, gone);
                continue;
            }

            var mode = (int)e.Mode & 0xFFF;
            TreeNode node;
            switch (e.EntryType)
            {
                case TarEntryType.Directory:
                    node = new TreeNode("dir", mode, e.Uid, e.Gid, 0, null, null);
                    break;
                case TarEntryType.SymbolicLink:
                    node = new TreeNode("symlink", mode, e.Uid, e.Gid, 0, null, e.LinkName);
                    break;
                case TarEntryType.HardLink:
                    // A second name of a file: compared as the file it names (which name comes first is the writer's choice).
                    var target = tree[Clean(e.LinkName)];
                    node = target;
                    break;
                case TarEntryType.Fifo:
                    node = new TreeNode("fifo", mode, e.Uid, e.Gid, 0, null, null);
                    break;
                case TarEntryType.CharacterDevice or TarEntryType.BlockDevice:
                    node = new TreeNode(e.EntryType == TarEntryType.CharacterDevice ? "char" : "block", mode, e.Uid, e.Gid, 0, null,
                        e is PosixTarEntry p ? $"{p.DeviceMajor},{p.DeviceMinor}" : null);
                    break;
                default:
                    using (var data = new MemoryStream())
                    {
                        if (e.DataStream is not null) await e.DataStream.CopyToAsync(data);
                        node = new TreeNode("file", mode, e.Uid, e.Gid, data.Length, Convert.ToHexStringLower(SHA256.HashData(WithoutEmbeddedTimes(path, data.ToArray()))), null);
                    }

                    break;
            }

            if (node.Type != "dir") RemoveUnder(tree, path);
            tree[path] = node;
        }
    }

    private static void RemoveUnder(SortedDictionary<string, TreeNode> tree, string folder)
    {
        var prefix = folder.Length == 0 ? "" : folder + "/";
        foreach (var key in tree.Keys.Where(k => k.StartsWith(prefix, StringComparison.Ordinal) && k != folder).ToList()) tree.Remove(key);
    }

    private static string Clean(string name)
    {
        var n = name.Replace('\\', '/');
        while (n.StartsWith("./", StringComparison.Ordinal)) n = n[2..];
        return n.Trim('/');
    }

    public static string Canonical(JsonNode? node) => node switch
    {
        null => "null",
        JsonObject o => "{" + string.Join(",", o.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => JsonSerializer.Serialize(kv.Key) + ":" + Canonical(kv.Value))) + "}",
        JsonArray a => "[" + string.Join(",", a.Select(Canonical)) + "]",
        _ => node.ToJsonString(),
    };
}
