namespace Containerize.Tests.Images.Layers.Breakouts;

/// <summary>A generated stack of layers, reproducible from its seed.</summary>
internal sealed record LayerSequence(int Seed, IReadOnlyList<IReadOnlyList<BreakoutEntry>> Layers)
{
    public override string ToString() =>
        $"seed {Seed}:\n" + string.Join("\n", Layers.Select((l, i) => $"  layer {i + 1}:\n" + string.Join("\n", l.Select(e => "    " + e))));
}

/// <summary>
/// Random layers over a small alphabet of names, so that entries collide: folders, files, symlinks (relative,
/// climbing, absolute inside the image, and absolute host paths of the sandbox's own canaries), hardlinks,
/// whiteouts and opaque markers. Names never resolve to the root itself ('.', 'a/..'): against an applier that
/// replaces the root with such an entry, a later opaque marker would purge the symlink's target, which may be
/// anywhere; those names are covered, safely, by containerize-cases.json. Absolute targets outside the sandbox are
/// only '/a'-like names whose host paths the property test watches.
/// </summary>
internal static class RandomLayers
{
    /// <summary>The host paths the absolute in-image targets would reach if followed on the host.</summary>
    public static readonly string[] HostNames = ["/a", "/b", "/c"];

    private static readonly string[] Paths = ["a", "b", "c", "a/b", "a/c", "b/a", "b/c", "c/a", "a/b/c", "b/a/c"];

    private static readonly string[] SymlinkTargets =
    [
        // inside the tree
        "a", "b", "c", "a/b", "./c", "../a", "../b/c", "b/../a", "a/b/c",
        // climbing above the root from wherever the link is
        "..", "../..", "../../..", "../../../..", "../../canary-dir", "../../../outside", "a/../../..", "../../../etc/passwd",
        // absolute: inside the image
        "/a", "/b", "/c", "/a/b", "/b/c/../a", "/c/a",
        // absolute: the sandbox's own host paths
        "{sandbox}", "{sandbox}/canary-dir", "{sandbox}/canary-dir/f1", "{sandbox}/canary-file", "{sandbox}/outside",
        "{sandbox}/outside/victim", "{sandbox}/root", "{sandbox}/root/a", "{sandbox}/a-symlink-canary", "{sandbox}/etc/passwd",
    ];

    private static readonly string[] ExtraHardlinkTargets =
    [
        "../a", "../../canary-file", "../../../outside/victim", "/b/c", "{sandbox}/canary-file", "{sandbox}/outside/victim", "{sandbox}/etc/passwd",
    ];

    private static readonly string[] FileModes = ["644", "600", "755", "4755", "444"];
    private static readonly string[] DirModes = ["755", "700", "1777"];

    public static LayerSequence Generate(int seed)
    {
        var random = new Random(seed);
        var layers = new List<IReadOnlyList<BreakoutEntry>>();
        var files = new List<string>();
        var layerCount = random.Next(1, 4);
        for (var l = 0; l < layerCount; l++)
        {
            var entries = new List<BreakoutEntry>();
            var count = random.Next(1, 9);
            for (var i = 0; i < count; i++)
            {
                var entry = Entry(random, files);
                if (entry.Type == "file") files.Add(entry.Name);
                entries.Add(entry);
            }

            layers.Add(entries);
        }

        return new LayerSequence(seed, layers);
    }

    /// <param name="files">Names of the files made so far: most hardlinks name one, or nearly every sequence would stop at a hardlink to nothing.</param>
    private static BreakoutEntry Entry(Random random, List<string> files)
    {
        var path = Pick(random, Paths);
        var roll = random.Next(100);
        return roll switch
        {
            < 18 => new BreakoutEntry { Type = "dir", Name = Decorate(random, path), Mode = Pick(random, DirModes) },
            < 40 => new BreakoutEntry { Type = "file", Name = Decorate(random, path), Text = "v" + random.Next(1000), Mode = Pick(random, FileModes) },
            < 70 => new BreakoutEntry { Type = "symlink", Name = Decorate(random, path), Target = Pick(random, SymlinkTargets) },
            < 80 => new BreakoutEntry { Type = "hardlink", Name = Decorate(random, path), Target = HardlinkTarget(random, files) },
            < 92 => new BreakoutEntry { Type = "whiteout", Name = Sibling(path, ".wh." + path[(path.LastIndexOf('/') + 1)..]) },
            _ => new BreakoutEntry { Type = "whiteout", Name = random.Next(5) == 0 ? ".wh..wh..opq" : path + "/.wh..wh..opq" },
        };
    }

    private static string HardlinkTarget(Random random, List<string> files) => random.Next(8) switch
    {
        < 6 when files.Count > 0 => files[random.Next(files.Count)],
        < 7 => Pick(random, ExtraHardlinkTargets),
        _ => Decorate(random, Pick(random, Paths)),
    };

    /// <summary>Spellings of the same name: '/a', './a', 'a//b'. (BreakoutTar adds the '/' Go puts after folder names.)</summary>
    private static string Decorate(Random random, string path) => random.Next(10) switch
    {
        0 => "/" + path,
        1 => "./" + path,
        2 => path.Replace("/", "//", StringComparison.Ordinal),
        _ => path,
    };

    private static string Sibling(string path, string name) => path.Contains('/') ? path[..path.LastIndexOf('/')] + "/" + name : name;

    private static T Pick<T>(Random random, T[] items) => items[random.Next(items.Length)];

    /// <summary>Smaller sequences than <paramref name="sequence"/>: each with one layer or one entry left out.</summary>
    public static IEnumerable<LayerSequence> Smaller(LayerSequence sequence)
    {
        var layers = sequence.Layers;
        for (var l = 0; l < layers.Count && layers.Count > 1; l++)
        {
            yield return sequence with { Layers = [.. layers.Where((_, i) => i != l)] };
        }

        for (var l = 0; l < layers.Count; l++)
        {
            for (var e = 0; e < layers[l].Count; e++)
            {
                var shorter = layers[l].Where((_, i) => i != e).ToList();
                yield return sequence with { Layers = [.. layers.Select((layer, i) => i == l ? shorter : layer).Where(layer => layer.Count > 0)] };
            }
        }
    }
}
