using Containerize.Core.Building;
using Containerize.Core.Building.Plan;
using Containerize.Core.Diagnostics;
using Containerize.Core.Images.Oci;
using Containerize.Core.Images.Store;
using Containerize.Tests.Images.Store;
using Containerize.Tests.Infrastructure;

namespace Containerize.Tests.Building;

/// <summary>
/// BuildRequest.Created (a publish's ContainerSourceDateEpoch) dates the image the build tags: the config and the
/// history entries of the target stage's own steps, while the entries it starts from keep their times. No RUN: no runc.
/// </summary>
[TestClass]
public sealed class BuildCreatedTests
{
    private static readonly DateTimeOffset BaseTime = DateTimeOffset.FromUnixTimeSeconds(1_000_000_000);
    private static readonly DateTimeOffset Created = DateTimeOffset.FromUnixTimeSeconds(1_700_000_000);

    // A base image with a history entry of its own; a stage on it (one entry at the epoch); the target stage on that
    // stage, whose ARG, LABEL and COPY make one each (ARG's empty_layer entry as BuildKit).
    private const string Dockerfile = """
        FROM dated/base:1 AS parent
        ENV FROM_PARENT=1
        FROM parent
        ARG V=2
        LABEL v=$V
        COPY hello.txt /app/hello.txt
        """;

    private static async Task<(TempDir Dir, string Store)> LabAsync()
    {
        var dir = new TempDir("ctz-created");
        var store = await OciLayoutStore.OpenOrCreateAsync(dir.Combine("store"));
        var tar = TestImages.Tar(TestImages.SampleFiles);
        var layer = await store.PutBlobAsync(tar, MediaTypes.LayerFor(LayerCompression.None, docker: false));
        var config = new ImageConfiguration
        {
            Architecture = Platform.LinuxAmd64.Architecture,
            Os = "linux",
            Created = BaseTime,
            Config = new ContainerConfig { Env = ["PATH=/usr/bin:/bin"] },
            RootFs = new RootFs { DiffIds = [Digest.Sha256(tar)] },
            History = [new HistoryEntry { Created = BaseTime, CreatedBy = "the base's own step" }],
        };
        var image = await ImageCommitter.StoreAsync(store, config, [layer], CancellationToken.None);
        await store.TagAsync(ImageReference.Parse("dated/base:1"), image.Manifest!);
        dir.Write("ctx/Dockerfile", Dockerfile);
        dir.Write("ctx/hello.txt", "hello\n");
        return (dir, dir.Combine("store"));
    }

    private static Task<BuildResult> BuildAsync(TempDir dir, string store, DateTimeOffset? created) =>
        new ImageBuilder(new CollectingSink()).BuildAsync(new BuildRequest
        {
            ContextDirectory = dir.Combine("ctx"),
            Tags = ["dated/app:1"],
            StorePath = store,
            Platform = "linux/amd64",
            Created = created,
        }, CancellationToken.None);

    [TestMethod]
    public async Task Created_dates_the_config_and_the_target_stages_history_and_nothing_it_starts_from()
    {
        var (dir, storePath) = await LabAsync();
        using var _ = dir;

        var result = await BuildAsync(dir, storePath, Created);

        var store = await OciLayoutStore.OpenOrCreateAsync(storePath);
        var tagged = await store.ResolveRequiredAsync(ImageReference.Parse("dated/app:1"));
        Assert.AreEqual(result.Image.Manifest!.Digest, tagged.Digest, "the tag names the dated image");
        var config = await store.ReadConfigAsync((await store.ReadManifestAsync(tagged)).Config);
        Assert.AreEqual(Created, config.Created);
        var history = config.History!;
        var shown = string.Join("\n", history.Select(h => $"{h.Created:o} {h.CreatedBy}"));
        Assert.HasCount(5, history, shown);
        Assert.AreEqual("the base's own step", history[0].CreatedBy);
        Assert.AreEqual(BaseTime, history[0].Created, "the base image's entry keeps its time: " + shown);
        Assert.AreEqual(ImageCommitter.Created, history[1].Created, "the base stage's entry (ENV) keeps the epoch: " + shown);
        Assert.AreEqual("ARG V=2", history[2].CreatedBy);
        Assert.AreEqual(Created, history[2].Created, "ARG: " + shown);
        Assert.AreEqual(Created, history[3].Created, "LABEL: " + shown);
        Assert.AreEqual(Created, history[4].Created, "COPY: " + shown);
        Assert.AreEqual(result.Image.ConfigDigest, (await store.ReadManifestAsync(tagged)).Config.Digest);
    }

    [TestMethod]
    public async Task Created_costs_one_config_and_manifest_and_no_step_misses()
    {
        var (dir, storePath) = await LabAsync();
        using var _ = dir;
        var undated = await BuildAsync(dir, storePath, null);
        var store = await OciLayoutStore.OpenOrCreateAsync(storePath);
        var before = store.EnumerateBlobs().Select(b => b.Digest).ToHashSet();

        var dated = await BuildAsync(dir, storePath, Created);
        var again = await BuildAsync(dir, storePath, Created.AddDays(1));

        // The steps are committed at the epoch whatever the date, so every one comes from the cache.
        Assert.IsTrue(dated.Steps.Concat(again.Steps).All(s => s.CacheHit), "a date changes no cache key");
        Assert.AreEqual(ImageCommitter.Created, undated.Image.Config.Created);
        var added = store.EnumerateBlobs().Select(b => b.Digest).Where(d => !before.Contains(d)).ToHashSet();
        var expected = new[] { dated, again }.SelectMany(r => new[] { r.Image.Manifest!.Digest, r.Image.ConfigDigest!.Value }).ToHashSet();
        Assert.IsTrue(expected.SetEquals(added), "only the dated images' configs and manifests are new: " + string.Join(", ", added));
        CollectionAssert.AreEqual(undated.Image.Layers.ToList(), dated.Image.Layers.ToList(), "the same layers");
        var tags = (await store.ListTagsAsync()).Where(t => t.Reference?.FamiliarString == "dated/app:1").ToList();
        Assert.AreEqual(1, tags.Count);
        Assert.AreEqual(again.Image.Manifest!.Digest, tags[0].Manifest.Digest, "the tag moved to the last dated image, once");
    }
}
