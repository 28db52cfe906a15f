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
        LayerSource.FromDirectory(root).Select(e => Posix.LStat(Path.Combine(root, e.Path)) is { } st ? e with { Uid = (int)st.Uid, Gid = (int)st.Gid } : e);
}
