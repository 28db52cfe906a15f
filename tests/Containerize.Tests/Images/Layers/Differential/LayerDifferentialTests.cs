using System.Runtime.Versioning;
using Containerize.Core.Images.Layers;
using Containerize.Core.Images.Oci;
using Containerize.Core.Runtime;
using Containerize.Core.Runtime.Snapshots;
using Containerize.Tests.Building.Differential;
using Containerize.Tests.Infrastructure;

namespace Containerize.Tests.Images.Layers.Differential;

/// <summary>
/// Issue #17, against Docker: the four well-formed layers of <see cref="WellFormedLayers"/>, written by the test as
/// a docker-archive, merged by Docker 26 (load, create, export) and by our unpacker in each way the engine uses it:
/// applied in turn to one folder (the copy rootfs, COPY --from), unpacked one folder per layer in overlay form and
/// mounted (RUN as root), and through a build (`COPY --from=docker-archive://… / /` into scratch). The trees must be
/// equal: type, mode, owner, size, content, link target and hard-link groups; times are not compared.
/// </summary>
[TestClass]
[SupportedOSPlatform("linux")]
public sealed class LayerDifferentialTests
{
    private static readonly IReadOnlyList<byte[]> Layers = WellFormedLayers.Tars();

    private static readonly Lazy<Task<FileTree>> Docker = new(() => DockerMergedTree.ExportAsync(Layers));

    private static async Task<FileTree> DockerTreeAsync()
    {
        DockerEngines.Docker26();
        return await Docker.Value;
    }

    [TestMethod]
    public async Task Differential_Layers_applied_to_one_folder_match_Docker()
    {
        Requirements.RequireRoot("the layers set owners");
        var docker = await DockerTreeAsync();
        using var temp = new TempDir("ctz-layers-diff");
        var root = temp.Combine("root");
        await LayerApplier.ApplyAllAsync(root, Layers.Select(l => (Func<Stream>)(() => new MemoryStream(l, writable: false))));

        AssertSame(docker, FileTree.FromFolder(root), "LayerApplier.ApplyAllAsync");
    }

    [TestMethod]
    public async Task Differential_Layers_overlay_snapshots_match_Docker()
    {
        Requirements.RequireRoot("overlay mounts and whiteout devices");
        var docker = await DockerTreeAsync();
        using var temp = new TempDir("ctz-layers-diff");
        var snapshots = new SnapshotStore(temp.Combine("snapshots"));
        var links = new List<string>();
        foreach (var layer in Layers)
        {
            var tar = new TarLayer(Digest.Sha256(layer), _ => Task.FromResult<Stream>(new MemoryStream(layer, writable: false)));
            links.Add(await snapshots.EnsureAsync(tar, CancellationToken.None));
        }

        var overlay = await OverlayMount.MountAsync(snapshots.Root, links, temp.Combine("upper"), temp.Combine("work"), temp.Combine("merged"), CancellationToken.None);
        FileTree ours;
        try
        {
            ours = FileTree.FromFolder(overlay.Merged);
        }
        finally
        {
            overlay.Unmount();
        }

        AssertSame(docker, ours, "overlay snapshots");
    }

    [TestMethod]
    public async Task Differential_Layers_COPY_from_the_image_matches_Docker()
    {
        Requirements.RequireRoot("the layers set owners");
        var docker = await DockerTreeAsync();
        using var temp = new TempDir("ctz-layers-diff");
        var archive = temp.Combine("layers.tar");
        await DockerArchiveFile.WriteAsync(archive, "ctz-layers-diff:ours", Layers);
        var context = temp.Combine("ctx");
        Directory.CreateDirectory(context);
        File.WriteAllText(Path.Combine(context, "Dockerfile"), $"FROM scratch\nCOPY --from=docker-archive://{archive} / /\n");
        var store = temp.Combine("store");
        var build = await CliRunner.RunAsync(temp.Path, "build", "--store", store, "--runtime-root", temp.Combine("runtime"), "-t", "ctz-layers-diff:copy", context);
        Assert.AreEqual(0, build.ExitCode, build.StdOut + build.StdErr);
        var saved = temp.Combine("saved.tar");
        var save = await CliRunner.RunAsync(temp.Path, "save", "ctz-layers-diff:copy", "-o", "docker-archive:" + saved, "--store", store);
        Assert.AreEqual(0, save.ExitCode, save.StdOut + save.StdErr);

        // The image is scratch plus the one COPY layer: that layer is the whole tree.
        var image = await ImageArchive.ReadAsync(saved);
        Assert.HasCount(1, image.Layers, "scratch + COPY is one layer");
        using var layer = new MemoryStream(image.Layers[0]);
        AssertSame(docker, await FileTree.FromTarAsync(layer), "COPY --from");
    }

    private static void AssertSame(FileTree docker, FileTree ours, string oursName)
    {
        var differences = FileTree.Compare(docker, "docker", ours, oursName, DockerMergedTree.AddedByDocker);
        if (differences.Count > 0) Assert.Fail($"{differences.Count} difference(s) with Docker 26:\n  " + string.Join("\n  ", differences));

        // The comparison must have had something to compare: every kind of node and a hard-link group on both sides.
        foreach (var kind in new[] { "dir", "file", "symlink" }) Assert.IsTrue(ours.Nodes.Values.Any(n => n.Type == kind), "no " + kind);
        Assert.IsNotEmpty(ours.HardLinkGroups, "no hard-link group");
    }
}
