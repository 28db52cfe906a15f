using System.Runtime.Versioning;
using Containerize.Core.Building.Plan;
using Containerize.Core.Building.Steps;
using Containerize.Core.Images.Layers;
using Containerize.Core.Images.Oci;
using Containerize.Core.Images.Store;
using Containerize.Tests.Infrastructure;

namespace Containerize.Tests.Building;

/// <summary>
/// COPY --from extracts only its sources' folders: the partial tree must equal the full extraction under them
/// (whiteouts, opaque folders, modes, owners, links), and anything that could make them differ falls back.
/// </summary>
[TestClass]
[SupportedOSPlatform("linux")]
public sealed class ScopedExtractionTests
{
    // Layers that delete, replace and re-create under /out, a hardlink inside it, a symlink at a second prefix and a
    // hardlink joining /out to a folder outside it (in its own stage, so it only affects the scope that sees it).
    private const string Dockerfile = """
        FROM busybox:test AS build
        RUN mkdir -p /out/sub /out/gone /out/keep /other && echo a > /out/a.txt && echo b > /out/sub/b.txt \
            && echo x > /out/gone/x && echo k > /out/keep/k && ln -s a.txt /out/rel && ln /out/a.txt /out/hard \
            && chmod 0705 /out/sub && chown 12:34 /out/sub/b.txt && echo o > /other/o && ln -s /out /other/to-out
        RUN rm -rf /out/gone /out/keep/k && echo k2 > /out/keep/k2
        RUN rm -rf /out/sub && mkdir /out/sub && echo c > /out/sub/c.txt && chmod 0640 /out/sub/c.txt
        FROM build AS crossed
        RUN ln /other/o /out/o-link
        FROM busybox:test
        COPY --from=build /out /out
        COPY --from=build /out/*.txt /txt/
        """;

    [TestMethod]
    public async Task ScopedExtraction_EqualsFullExtractionUnderTheSources()
    {
        using var lab = await LabAsync();
        var image = await BuildStageAsync(lab, "build");

        var (full, scoped) = (Path.Combine(lab.Temp, "full"), Path.Combine(lab.Temp, "scoped"));
        await ExtractAllAsync(lab, image, full);
        var store = await OciLayoutStore.OpenOrCreateAsync(lab.Store);
        var scope = SourceScope.For(["/out", "out/*.txt"], "Dockerfile", 1)!;
        Assert.IsTrue(await ScopedExtraction.TryExtractAsync(store, image, scope, scoped, CancellationToken.None));

        var expected = Describe(full, "out");
        CollectionAssert.AreEqual(expected, Describe(scoped, "out"));
        CollectionAssert.Contains(expected, "out/keep/k2 File 644 0:0 k2\n");
        CollectionAssert.Contains(expected, "out/sub/c.txt File 640 0:0 c\n");
        Assert.IsFalse(expected.Any(e => e.StartsWith("out/gone", StringComparison.Ordinal) || e.StartsWith("out/sub/b.txt", StringComparison.Ordinal)));
        Assert.IsFalse(Directory.Exists(Path.Combine(scoped, "bin")), "nothing outside the sources is extracted");
    }

    [TestMethod]
    public async Task ScopedExtraction_FallsBackOnSymlinkPrefixAndCrossingHardlink()
    {
        using var lab = await LabAsync();
        var store = await OciLayoutStore.OpenOrCreateAsync(lab.Store);
        var build = await BuildStageAsync(lab, "build");
        var crossed = await BuildStageAsync(lab, "crossed");

        // /other/to-out is a symlink: COPY would follow it out of the scope.
        Assert.IsFalse(await ScopedExtraction.TryExtractAsync(store, build, SourceScope.For(["/other/to-out"], "Dockerfile", 1)!, Path.Combine(lab.Temp, "s1"), CancellationToken.None));
        // /out/o-link shares its inode with /other/o, which a partial tree would not have.
        Assert.IsFalse(await ScopedExtraction.TryExtractAsync(store, crossed, SourceScope.For(["/out"], "Dockerfile", 1)!, Path.Combine(lab.Temp, "s2"), CancellationToken.None));
        // Sources that cannot be bounded by a folder mean a full extraction.
        Assert.IsNull(SourceScope.For(["/"], "Dockerfile", 1));
        Assert.IsNull(SourceScope.For(["/out", "*/x"], "Dockerfile", 1));
    }

    [TestMethod]
    public async Task ScopedExtraction_CopyFromBuildMatchesTheStage()
    {
        using var lab = await LabAsync();
        await BuildStageAsync(lab, "build");

        var r = await lab.BuildAsync("-t", "scoped:test");

        Assert.AreEqual(0, r.ExitCode, r.StdErr + r.StdOut);
        var built = await lab.UnpackAsync("scoped:test");
        var stage = await lab.UnpackAsync("stage:build");
        CollectionAssert.AreEqual(Describe(stage, "out"), Describe(built, "out"));
        Assert.AreEqual("a\n", File.ReadAllText(Path.Combine(built, "txt", "a.txt")));
        Assert.IsFalse(File.Exists(Path.Combine(built, "txt", "b.txt")));
    }

    [TestMethod]
    public async Task ScopedExtraction_SkipsLayersWhoseIndexCannotReachTheScope()
    {
        using var lab = await LabAsync();
        var image = await BuildStageAsync(lab, "build");
        var store = await OciLayoutStore.OpenOrCreateAsync(lab.Store);
        var scope = SourceScope.For(["/out", "out/*.txt"], "Dockerfile", 1)!;
        var first = Path.Combine(lab.Temp, "first");
        Assert.IsTrue(await ScopedExtraction.TryExtractAsync(store, image, scope, first, CancellationToken.None));
        foreach (var layer in image.Layers) Assert.IsTrue(File.Exists(LayerPathIndex.PathFor(store, layer.Digest)), $"index of {layer.Digest}");

        // The base layer cannot reach /out: with its blob gone, a second extraction still works, so it was not read.
        var baseIndex = await LayerPathIndex.TryReadAsync(store, image.Layers[0].Digest, CancellationToken.None);
        Assert.IsNotNull(baseIndex);
        CollectionAssert.Contains(baseIndex.Components.ToList(), "bin");
        Assert.IsFalse(baseIndex.Components.Contains("out"));
        var blob = store.BlobPath(image.Layers[0].Digest);
        File.Move(blob, blob + ".aside");
        var second = Path.Combine(lab.Temp, "second");
        try
        {
            Assert.IsTrue(await ScopedExtraction.TryExtractAsync(store, image, scope, second, CancellationToken.None));
        }
        finally
        {
            File.Move(blob + ".aside", blob);
        }

        // Later layers delete under /out (whiteouts): they touch the scope, are applied, and what they deleted stays deleted.
        var expected = Describe(first, "out");
        CollectionAssert.AreEqual(expected, Describe(second, "out"));
        Assert.IsFalse(expected.Any(e => e.StartsWith("out/gone", StringComparison.Ordinal) || e.StartsWith("out/keep/k ", StringComparison.Ordinal)));
        CollectionAssert.Contains(expected, "out/keep/k2 File 644 0:0 k2\n");
    }

    [TestMethod]
    public async Task ScopedExtraction_IgnoresACorruptIndex()
    {
        using var lab = await LabAsync();
        var image = await BuildStageAsync(lab, "build");
        var store = await OciLayoutStore.OpenOrCreateAsync(lab.Store);
        var scope = SourceScope.For(["/out"], "Dockerfile", 1)!;
        var full = Path.Combine(lab.Temp, "full");
        await ExtractAllAsync(lab, image, full);

        // A truncated index that would say the base layer is harmless, and one that is not text at all.
        var basePath = LayerPathIndex.PathFor(store, image.Layers[0].Digest);
        Directory.CreateDirectory(Path.GetDirectoryName(basePath)!);
        await File.WriteAllTextAsync(basePath, "containerize-layer-paths 1\nc bin\n");
        var lastPath = LayerPathIndex.PathFor(store, image.Layers[^1].Digest);
        await File.WriteAllBytesAsync(lastPath, [0xff, 0xfe, 0x00, 0x01]);
        var blob = store.BlobPath(image.Layers[0].Digest);
        File.Move(blob, blob + ".aside");
        try
        {
            // Ignored means read: without the blob, the extraction must fail rather than trust the truncated index.
            await Assert.ThrowsExactlyAsync<Containerize.Core.Diagnostics.ContainerizeException>(() =>
                ScopedExtraction.TryExtractAsync(store, image, scope, Path.Combine(lab.Temp, "missing"), CancellationToken.None));
        }
        finally
        {
            File.Move(blob + ".aside", blob);
        }

        var scoped = Path.Combine(lab.Temp, "scoped");
        Assert.IsTrue(await ScopedExtraction.TryExtractAsync(store, image, scope, scoped, CancellationToken.None));
        CollectionAssert.AreEqual(Describe(full, "out"), Describe(scoped, "out"));
        Assert.IsNotNull(await LayerPathIndex.TryReadAsync(store, image.Layers[^1].Digest, CancellationToken.None), "a corrupt index is rewritten on the next full read");
    }

    [TestMethod]
    public void LayerPathIndex_CountsWhiteoutsOpaqueRootsHardlinksAndLinks()
    {
        static LayerEntryInfo E(string path, LayerEntryKind kind, string? link = null) => new(path, kind, (UnixFileMode)0x1ED, 0, 0, 0, link, DateTimeOffset.UnixEpoch);

        var c = new LayerPathIndex.Collector();
        c.Add(E("", LayerEntryKind.Directory));
        c.Add(E("out/gone", LayerEntryKind.Whiteout));
        c.Add(E("usr/x", LayerEntryKind.Hardlink, "srv/y"));
        c.Add(E("opt/lnk", LayerEntryKind.Symlink, "../out/d"));
        var index = c.ToIndex();
        Assert.IsFalse(index.Everything, "the root folder's own entry changes nothing under the scope");
        CollectionAssert.AreEquivalent(new[] { "out", "usr", "srv", "opt" }, index.Components.ToArray());
        CollectionAssert.AreEqual(new[] { ("opt/lnk", "out") }, index.Links.ToArray());

        var opaque = new LayerPathIndex.Collector();
        opaque.Add(E("", LayerEntryKind.OpaqueWhiteout));
        Assert.IsTrue(opaque.ToIndex().Everything);

        // A link into the scope joins its folder to the scope: a layer writing there is not skipped, one elsewhere is.
        var reach = new ScopeReach(["app"]);
        var links = new LayerPathIndex.Collector();
        links.Add(E("data", LayerEntryKind.Symlink, "/app/data"));
        reach.Add(links.ToIndex());
        var writesData = new LayerPathIndex.Collector();
        writesData.Add(E("data/f", LayerEntryKind.File));
        Assert.IsFalse(reach.CanSkip(writesData.ToIndex()));
        var writesEtc = new LayerPathIndex.Collector();
        writesEtc.Add(E("etc/f", LayerEntryKind.File));
        Assert.IsTrue(reach.CanSkip(writesEtc.ToIndex()));
        var rootLink = new LayerPathIndex.Collector();
        rootLink.Add(E("etc/up", LayerEntryKind.Symlink, "../.."));
        rootLink.Add(E("etc/f", LayerEntryKind.File));
        Assert.IsFalse(reach.CanSkip(rootLink.ToIndex()), "a link to the root reaches everything");

        // A '..' after a name, or a link made inside another link, leads somewhere its path cannot tell: the root.
        var climbs = new LayerPathIndex.Collector();
        climbs.Add(E("srv/l", LayerEntryKind.Symlink, "d/../../app"));
        CollectionAssert.AreEqual(new[] { ("srv/l", "") }, climbs.ToIndex().Links.ToArray());
        var nested = new LayerPathIndex.Collector();
        nested.Add(E("var/a", LayerEntryKind.Symlink, "/opt"));
        nested.Add(E("var/a/l", LayerEntryKind.Symlink, "x"));
        nested.Add(E("var/f", LayerEntryKind.File));
        Assert.IsFalse(new ScopeReach(["app"]).CanSkip(nested.ToIndex()));
    }

    private static async Task<EngineLab> LabAsync()
    {
        Requirements.Tool("runc");
        Requirements.RequireRoot("runc with namespaces and overlay mounts");
        return await EngineLab.CreateAsync();
    }

    private static async Task<ImageState> BuildStageAsync(EngineLab lab, string target)
    {
        lab.Write("Dockerfile", Dockerfile);
        var r = await lab.BuildAsync("--target", target, "-t", "stage:" + target);
        Assert.AreEqual(0, r.ExitCode, r.StdErr + r.StdOut);
        var store = await OciLayoutStore.OpenOrCreateAsync(lab.Store);
        var descriptor = await store.ResolveRequiredAsync(ImageReference.Parse("stage:" + target));
        var manifest = await store.ReadManifestAsync(descriptor);
        return new ImageState(descriptor, manifest.Config.Digest, manifest.Layers, await store.ReadConfigAsync(manifest.Config));
    }

    private static async Task ExtractAllAsync(EngineLab lab, ImageState image, string folder)
    {
        var store = await OciLayoutStore.OpenOrCreateAsync(lab.Store);
        foreach (var layer in image.Layers)
        {
            await using var blob = await store.OpenBlobAsync(layer.Digest, CancellationToken.None);
            await LayerApplier.ApplyAsync(folder, blob);
        }
    }

    /// <summary>Path, kind, mode, owner and content or link target of everything under a folder, in walk order.</summary>
    private static List<string> Describe(string root, string under) =>
        [.. SourceTreeEntries(root).Where(e => e.Path == under || e.Path.StartsWith(under + "/", StringComparison.Ordinal)).Select(e =>
            $"{e.Path} {e.Kind} {Convert.ToString((int)(e.Mode ?? 0) & 0xFFF, 8)} {e.Uid}:{e.Gid} " +
            (e.Kind == LayerEntryKind.File ? File.ReadAllText(Path.Combine(root, e.Path)) : e.LinkTarget))];

    private static IEnumerable<LayerEntry> SourceTreeEntries(string root) =>
        LayerSource.FromDirectory(root).Select(e => Containerize.Core.Os.LibC.LStat(Path.Combine(root, e.Path)) is { } st ? e with { Uid = (int)st.Uid, Gid = (int)st.Gid } : e);
}
