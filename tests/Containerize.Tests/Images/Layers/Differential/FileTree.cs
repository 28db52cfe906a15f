using System.Formats.Tar;
using System.Security.Cryptography;
using Containerize.Core.Os;
using Containerize.Tests.Building.Differential;
using Containerize.Tests.Images.Layers.Breakouts;

namespace Containerize.Tests.Images.Layers.Differential;

/// <summary>
/// A merged file tree as the differential compares it: per path (no leading '/') the type, mode, owner, size,
/// content hash and link target (<see cref="TreeNode"/>; no times), and the hard-link groups (the names that share a
/// file). Read from a folder (lstat, never following a link) or from a flattened tar (`docker export`, a single
/// layer), by this code alone.
/// </summary>
internal sealed class FileTree
{
    private FileTree(SortedDictionary<string, TreeNode> nodes, IReadOnlyList<string> groups)
    {
        Nodes = nodes;
        HardLinkGroups = groups;
    }

    public SortedDictionary<string, TreeNode> Nodes { get; }

    /// <summary>Each group of two or more names of one file, as "a = b = c" (names sorted; groups sorted).</summary>
    public IReadOnlyList<string> HardLinkGroups { get; }

    public static FileTree FromFolder(string root)
    {
        var nodes = new SortedDictionary<string, TreeNode>(StringComparer.Ordinal);
        var inodes = new Dictionary<(ulong, ulong), List<string>>();
        foreach (var path in FolderWalk.Under(root))
        {
            var st = LibC.LStat(path)!.Value;
            var name = Path.GetRelativePath(root, path);
            var mode = (int)(st.Mode & 0xFFF);
            nodes[name] = st.Type switch
            {
                FileStatus.Directory => new TreeNode("dir", mode, (int)st.Uid, (int)st.Gid, 0, null, null),
                FileStatus.Symlink => new TreeNode("symlink", mode, (int)st.Uid, (int)st.Gid, 0, null, new FileInfo(path).LinkTarget),
                FileStatus.Regular => new TreeNode("file", mode, (int)st.Uid, (int)st.Gid, st.Size, Hash(File.ReadAllBytes(path)), null),
                _ => new TreeNode("other " + Convert.ToString(st.Type, 8), mode, (int)st.Uid, (int)st.Gid, 0, null, null),
            };
            if (st.Type == FileStatus.Regular && st.Links > 1)
            {
                var key = (st.Device, st.Inode);
                if (!inodes.TryGetValue(key, out var names)) inodes[key] = names = [];
                names.Add(name);
            }
        }

        return new FileTree(nodes, Groups(inodes.Values));
    }

    /// <summary>A tar holding one whole tree: no whiteouts; a hard link names an earlier entry.</summary>
    public static async Task<FileTree> FromTarAsync(Stream tar)
    {
        var nodes = new SortedDictionary<string, TreeNode>(StringComparer.Ordinal);
        var groups = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        await using var reader = new TarReader(tar, leaveOpen: true);
        while (await reader.GetNextEntryAsync() is { } e)
        {
            var name = Clean(e.Name);
            if (name.Length == 0) continue;
            var mode = (int)e.Mode & 0xFFF;
            switch (e.EntryType)
            {
                case TarEntryType.Directory:
                    nodes[name] = new TreeNode("dir", mode, e.Uid, e.Gid, 0, null, null);
                    break;
                case TarEntryType.SymbolicLink:
                    nodes[name] = new TreeNode("symlink", mode, e.Uid, e.Gid, 0, null, e.LinkName);
                    break;
                case TarEntryType.HardLink:
                {
                    var target = Clean(e.LinkName);
                    nodes[name] = nodes[target];
                    if (!groups.TryGetValue(target, out var names)) groups[target] = names = [target];
                    names.Add(name);
                    break;
                }

                case TarEntryType.RegularFile or TarEntryType.V7RegularFile:
                {
                    using var data = new MemoryStream();
                    if (e.DataStream is not null) await e.DataStream.CopyToAsync(data);
                    nodes[name] = new TreeNode("file", mode, e.Uid, e.Gid, data.Length, Hash(data.ToArray()), null);
                    break;
                }

                default:
                    nodes[name] = new TreeNode("other " + e.EntryType, mode, e.Uid, e.Gid, 0, null, null);
                    break;
            }
        }

        return new FileTree(nodes, Groups(groups.Values));
    }

    /// <summary>
    /// Every difference between two trees, one line each, leaving out the paths <paramref name="ignore"/> names (what
    /// a container runtime adds to a root: /dev, /proc, /sys, /.dockerenv, /etc/hosts, ...).
    /// </summary>
    public static List<string> Compare(FileTree expected, string expectedName, FileTree actual, string actualName, Func<string, bool> ignore)
    {
        var differences = new List<string>();
        foreach (var path in expected.Nodes.Keys.Union(actual.Nodes.Keys).Where(p => !ignore(p)).Order(StringComparer.Ordinal))
        {
            expected.Nodes.TryGetValue(path, out var e);
            actual.Nodes.TryGetValue(path, out var a);
            if (e != a) differences.Add($"/{path}: {expectedName} {e?.ToString() ?? "(missing)"} vs {actualName} {a?.ToString() ?? "(missing)"}");
        }

        var e2 = expected.HardLinkGroups.Where(g => !ignore(g.Split(" = ")[0])).ToList();
        var a2 = actual.HardLinkGroups.Where(g => !ignore(g.Split(" = ")[0])).ToList();
        differences.AddRange(e2.Except(a2).Select(g => $"hard links {g}: only in {expectedName}"));
        differences.AddRange(a2.Except(e2).Select(g => $"hard links {g}: only in {actualName}"));
        return differences;
    }

    private static List<string> Groups(IEnumerable<List<string>> groups) =>
        [.. groups.Where(g => g.Count > 1).Select(g => string.Join(" = ", g.Order(StringComparer.Ordinal))).Order(StringComparer.Ordinal)];

    private static string Hash(byte[] data) => Convert.ToHexStringLower(SHA256.HashData(data));

    private static string Clean(string name)
    {
        var n = name;
        while (n.StartsWith("./", StringComparison.Ordinal)) n = n[2..];
        return n.Trim('/');
    }
}
