using System.Runtime.Versioning;
using System.Text.Json.Nodes;
using Containerize.Core.Images.Layers;
using Containerize.Core.Images.Oci;
using Containerize.Core.Images.Store;
using Containerize.Tests.Building;
using Containerize.Tests.Building.Differential;
using Containerize.Tests.Infrastructure;

namespace Containerize.Tests.Images.Store;

/// <summary>
/// The image lifecycle of issue #22 as the Docker guide shows it: dangling images after a retag, rmi, image inspect and
/// history, checked on the store's index.json, with skopeo and umoci, and against Docker 26 on the same Dockerfile.
/// </summary>
[TestClass]
[SupportedOSPlatform("linux")]
public sealed class ImageLifecycleTests
{
    private static async Task<JsonArray> IndexEntriesAsync(string store) =>
        JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(store, "index.json")))!["manifests"]!.AsArray();

    private static string? RefName(JsonNode? entry) => entry?["annotations"]?["org.opencontainers.image.ref.name"]?.GetValue<string>();

    [TestMethod]
    public async Task Lifecycle_ARebuildLeavesThePreviousImageDanglingUntilPrune()
    {
        using var lab = await EngineLab.CreateAsync();
        lab.Write("a.txt", "one\n");
        lab.Write("Dockerfile", "FROM busybox:test\nCOPY a.txt /a.txt\nLABEL tier=web\n");
        Assert.AreEqual(0, (await lab.BuildAsync("-t", "app:1")).ExitCode);
        var first = (await lab.ImageAsync("app:1")).Manifest.Digest;

        // A fully cached rebuild moves nothing: no dangling entry.
        Assert.AreEqual(0, (await lab.BuildAsync("-t", "app:1")).ExitCode);
        Assert.IsFalse((await IndexEntriesAsync(lab.Store)).Any(e => RefName(e) is null), "a rebuild of the same image leaves nothing dangling");

        lab.Write("a.txt", "two\n");
        var rebuild = await lab.BuildAsync("-t", "app:1");
        Assert.AreEqual(0, rebuild.ExitCode, rebuild.StdErr);
        var entries = await IndexEntriesAsync(lab.Store);
        var dangling = entries.Where(e => RefName(e) is null).ToList();
        Assert.HasCount(1, dangling, entries.ToJsonString());
        Assert.AreEqual(first.ToString(), dangling[0]!["digest"]!.GetValue<string>(), "the image the tag left stays, untagged");
        Assert.IsNull(dangling[0]!["annotations"], "an untagged OCI entry: no ref.name, no containerd name");

        // A failed build tags nothing and leaves nothing dangling (BuildKit's rule, and our "no half-built image tagged").
        var indexBefore = await File.ReadAllTextAsync(Path.Combine(lab.Store, "index.json"));
        lab.Write("Dockerfile.bad", "FROM busybox:test\nCOPY a.txt /a.txt\nCOPY nosuch.txt /b.txt\n");
        var failed = await lab.BuildAsync("-f", "Dockerfile.bad", "-t", "app:1");
        Assert.AreNotEqual(0, failed.ExitCode);
        Assert.AreEqual(indexBefore, await File.ReadAllTextAsync(Path.Combine(lab.Store, "index.json")), "a failed build leaves index.json as it was");

        var images = await CliRunner.RunAsync(lab.Temp, "images", "--store", lab.Store);
        Assert.AreEqual(0, images.ExitCode, images.StdErr);
        var lines = images.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        StringAssert.Matches(lines[^1], new System.Text.RegularExpressions.Regex(@"^<none>\s+<none>\s+[0-9a-f]{12}\s+\d+ years ago\s+\S+B$"), images.StdOut);
        Assert.HasCount(4, lines, "header, app:1, busybox:test, <none>");
        StringAssert.StartsWith(lines[0], "REPOSITORY   TAG       IMAGE ID       CREATED        SIZE", "docker's tabwriter: cells at least 10 wide, 3 spaces of padding");

        var danglingIds = await CliRunner.RunAsync(lab.Temp, "images", "--filter", "dangling=true", "-q", "--store", lab.Store);
        var oldConfig = (await (await OciLayoutStore.OpenOrCreateAsync(lab.Store)).ReadManifestAsync(new Descriptor { MediaType = MediaTypes.OciManifest, Digest = first, Size = dangling[0]!["size"]!.GetValue<long>() })).Config.Digest;
        Assert.AreEqual(oldConfig.ShortId + "\n", danglingIds.StdOut);
        var tagged = await CliRunner.RunAsync(lab.Temp, "images", "--filter", "dangling=false", "--filter", "reference=app", "--no-trunc", "--store", lab.Store);
        var taggedLines = tagged.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.HasCount(2, taggedLines, tagged.StdOut);
        StringAssert.Matches(taggedLines[1], new System.Text.RegularExpressions.Regex(@"^app\s+1\s+sha256:[0-9a-f]{64}\s"), "--no-trunc: the full id");
        var byPattern = await CliRunner.RunAsync(lab.Temp, "images", "--filter", "reference=busy*:t?st", "-q", "--store", lab.Store);
        Assert.HasCount(1, byPattern.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries), byPattern.StdOut + byPattern.StdErr);

        // skopeo and umoci still read the store, untagged entry and all.
        var umoci = Requirements.Tool("umoci");
        var ls = await ProcessRunner.RunAsync(umoci, ["ls", "--layout", lab.Store]);
        ls.EnsureSuccess("umoci ls");
        CollectionAssert.AreEquivalent(new[] { "docker.io/library/app:1", "docker.io/library/busybox:test" }, ls.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        var skopeo = Requirements.Tool("skopeo");
        (await ProcessRunner.RunAsync(skopeo, ["inspect", $"oci:{lab.Store}:docker.io/library/app:1"])).EnsureSuccess("skopeo inspect");
        Assert.AreEqual("two\n", File.ReadAllText(Path.Combine(await lab.UnpackAsync("app:1"), "a.txt")));

        // prune is docker image prune and a blob GC: the dangling entry goes, then the blobs only it held.
        var oldBlob = Path.Combine(lab.Store, "blobs", "sha256", first.Encoded);
        Assert.IsTrue(File.Exists(oldBlob));
        var dry = await CliRunner.RunAsync(lab.Temp, "prune", "--dry-run", "--grace-seconds", "0", "--store", lab.Store);
        StringAssert.Contains(dry.StdOut, "would delete 1 dangling images");
        Assert.HasCount(1, (await IndexEntriesAsync(lab.Store)).Where(e => RefName(e) is null), "--dry-run changes nothing");
        var prune = await CliRunner.RunAsync(lab.Temp, "prune", "--grace-seconds", "0", "--store", lab.Store);
        Assert.AreEqual(0, prune.ExitCode, prune.StdErr);
        StringAssert.Contains(prune.StdOut, "deleted 1 dangling images");
        Assert.IsFalse((await IndexEntriesAsync(lab.Store)).Any(e => RefName(e) is null));
        Assert.IsTrue(File.Exists(oldBlob), "the build cache still holds the old image's steps: prune keeps its roots");
        Assert.AreEqual(0, (await CliRunner.RunAsync(lab.Temp, "store", "check", "--store", lab.Store)).ExitCode);
        var bounded = await CliRunner.RunAsync(lab.Temp, "prune", "--max-size", "1", "--grace-seconds", "0", "--store", lab.Store);
        Assert.AreEqual(0, bounded.ExitCode, bounded.StdErr);
        Assert.IsFalse(File.Exists(oldBlob), "with the cache entries released, nothing holds the old manifest");
        Assert.AreEqual("two\n", File.ReadAllText(Path.Combine(await lab.UnpackAsync("app:1"), "a.txt")), "the tagged image is whole");
    }

    [TestMethod]
    public async Task Lifecycle_TagOntoANameKeepsTheImageItHeldButNotForArtifactTagsOrTheSameImage()
    {
        using var dir = new TempDir();
        var store = await OciLayoutStore.OpenOrCreateAsync(dir.Path);
        var a = await TestImages.PutImageAsync(store, labels: new Dictionary<string, string> { ["n"] = "a" });
        var b = await TestImages.PutImageAsync(store, labels: new Dictionary<string, string> { ["n"] = "b" });
        await store.TagAsync(ImageReference.Parse("x:1"), a);
        await store.TagAsync(ImageReference.Parse("x:2"), a);
        await store.TagAsync(ImageReference.Parse("x:1"), b);
        Assert.IsFalse((await store.ReadIndexAsync()).Manifests.Any(DanglingImages.IsDangling), "a still has x:2");
        await store.TagAsync(ImageReference.Parse("x:2"), b);
        Assert.AreEqual(a.Digest, (await store.ReadIndexAsync()).Manifests.Single(DanglingImages.IsDangling).Digest);

        // Naming the dangling image again makes it a tagged image, once.
        var tag = await CliRunner.RunAsync(dir.Path, "tag", (await store.ReadManifestAsync(a)).Config.Digest.ShortId, "y:1", "--store", dir.Path);
        Assert.AreEqual(0, tag.ExitCode, tag.StdErr);
        Assert.IsFalse((await store.ReadIndexAsync()).Manifests.Any(DanglingImages.IsDangling));
        Assert.HasCount(1, (await store.ReadIndexAsync()).Manifests.Where(m => m.Digest == a.Digest));

        // A referrers-schema tag moves without leaving its old index behind.
        await store.TagAsync(ImageReference.Parse("x:sha256-" + new string('a', 64)), a);
        await store.TagAsync(ImageReference.Parse("x:sha256-" + new string('a', 64)), b);
        Assert.IsFalse((await store.ReadIndexAsync()).Manifests.Any(DanglingImages.IsDangling), "artifact tags leave nothing dangling");

        // The same image (same config) under another manifest, as a build's layers compressed for distribution.
        var manifestA = await store.ReadManifestAsync(b);
        var recompressed = await store.PutBlobAsync(OciJson.Serialize(manifestA with { Annotations = new Dictionary<string, string> { ["k"] = "v" } }), MediaTypes.OciManifest);
        await store.TagAsync(ImageReference.Parse("x:1"), recompressed with { Platform = Platform.LinuxAmd64 });
        Assert.IsFalse((await store.ReadIndexAsync()).Manifests.Any(DanglingImages.IsDangling), "moving a name to the same image leaves nothing dangling");
    }

    [TestMethod]
    public async Task Rmi_ByNameIdAndFilterAsDockerPrintsIt()
    {
        using var lab = await EngineLab.CreateAsync();
        lab.Write("a.txt", "a\n");
        lab.Write("Dockerfile", "FROM busybox:test\nCOPY a.txt /a.txt\nLABEL tier=web\n");
        var build = await lab.BuildAsync("-t", "app:1", "-t", "app:2");
        Assert.AreEqual(0, build.ExitCode, build.StdErr);
        var id = (await (await OciLayoutStore.OpenOrCreateAsync(lab.Store)).ReadManifestAsync((await lab.ImageAsync("app:1")).Manifest)).Config.Digest;
        Assert.AreEqual(0, (await CliRunner.RunAsync(lab.Temp, "tag", "app:1", "other/app:1", "--store", lab.Store)).ExitCode);

        // An id with tags in two repositories needs -f (docker's conflict), coded.
        var conflict = await CliRunner.RunAsync(lab.Temp, "rmi", id.ShortId, "--store", lab.Store);
        Assert.AreEqual(1, conflict.ExitCode);
        StringAssert.Contains(conflict.StdErr, "CTZ3260");
        StringAssert.Contains(conflict.StdErr, $"unable to delete {id.ShortId} (must be forced) - image is referenced in multiple repositories");

        // By name: the tag goes, the image stays while other tags hold it.
        var byName = await CliRunner.RunAsync(lab.Temp, "rmi", "other/app:1", "--store", lab.Store);
        Assert.AreEqual(0, byName.ExitCode, byName.StdErr);
        Assert.AreEqual("Untagged: other/app:1\n", byName.StdOut);

        // By id, the tags all in one repository: no -f needed, every tag goes and the image is deleted.
        var byId = await CliRunner.RunAsync(lab.Temp, "rmi", id.ShortId, "--store", lab.Store);
        Assert.AreEqual(0, byId.ExitCode, byId.StdErr);
        Assert.AreEqual($"Untagged: app:1\nUntagged: app:2\nDeleted: {id}\n", byId.StdOut);
        CollectionAssert.AreEqual(new[] { "docker.io/library/busybox:test" }, (await IndexEntriesAsync(lab.Store)).Select(RefName).ToArray());

        // The build cache outlives the rmi: the same build hits every step and gives the same image.
        var again = await lab.BuildAsync("-t", "app:1");
        Assert.AreEqual(0, again.ExitCode, again.StdErr);
        Assert.IsTrue(EngineLab.CacheHits(again.StdOut + again.StdErr).Values.All(hit => hit), again.StdOut + again.StdErr);
        Assert.AreEqual(id, (await (await OciLayoutStore.OpenOrCreateAsync(lab.Store)).ReadManifestAsync((await lab.ImageAsync("app:1")).Manifest)).Config.Digest);

        // Unknown images are coded; the others given are still removed, and the exit code says one failed.
        var mixed = await CliRunner.RunAsync(lab.Temp, "rmi", "nosuch:1", "app:1", "--store", lab.Store);
        Assert.AreEqual(1, mixed.ExitCode);
        StringAssert.Contains(mixed.StdErr, "CTZ3207 no such image: nosuch:1");
        Assert.AreEqual($"Untagged: app:1\nDeleted: {id}\n", mixed.StdOut);

        // --filter: by label (each matching tag) and dangling=true (by id).
        Assert.AreEqual(0, (await lab.BuildAsync("-t", "app:1")).ExitCode);
        lab.Write("a.txt", "b\n");
        Assert.AreEqual(0, (await lab.BuildAsync("-t", "app:1")).ExitCode);
        var removeDangling = await CliRunner.RunAsync(lab.Temp, "rmi", "--filter", "dangling=true", "--store", lab.Store);
        Assert.AreEqual($"Deleted: {id}\n", removeDangling.StdOut, removeDangling.StdErr);
        var byLabel = await CliRunner.RunAsync(lab.Temp, "rmi", "--filter", "label=tier=web", "--store", lab.Store);
        StringAssert.StartsWith(byLabel.StdOut, "Untagged: app:1\nDeleted: sha256:");
        CollectionAssert.AreEqual(new[] { "docker.io/library/busybox:test" }, (await IndexEntriesAsync(lab.Store)).Select(RefName).ToArray());
        Assert.AreEqual(0, (await ProcessRunner.RunAsync(Requirements.Tool("umoci"), ["ls", "--layout", lab.Store])).ExitCode);

        var none = await CliRunner.RunAsync(lab.Temp, "rmi", "--store", lab.Store);
        Assert.AreEqual(1, none.ExitCode);
        StringAssert.Contains(none.StdErr, "CTZ0002");
    }

    [TestMethod]
    public async Task History_AndInspect_MatchDocker26OnTheSameDockerfile()
    {
        Requirements.RequireRoot("RUN steps");
        Requirements.Tool("runc");
        var docker = DockerEngines.Docker26();
        using var temp = new TempDir("ctz-life");
        var store = temp.Combine("store");
        await DifferentialCorpus.EnsureBaseInDockerAsync(docker, temp.Path, store);
        var context = temp.Combine("ctx");
        temp.Write("ctx/hello.txt", "hello\n");
        // Every instruction kind and form whose created_by or config BuildKit writes its own way (Go's %q and %v,
        // RUN's "|N k=v" of the stage's own ARGs, ONBUILD's missing entry and trigger, WORKDIR's normalized path).
        temp.Write("ctx/Dockerfile", $$"""
            ARG GLOBAL=g1
            FROM {{DifferentialCorpus.Base}} AS build
            RUN echo built > /out.txt

            FROM {{DifferentialCorpus.Base}} AS app
            MAINTAINER Jane "Doe" <jane@example.com>
            ARG V=1 W=$V
            ARG GLOBAL
            ARG EMPTY
            ENV E=envv EMPTY=set
            RUN echo hi > /hi.txt && mkdir -p /data && ln -s /hi.txt /data/link
            RUN ["sh", "-c", "echo exec > /exec.txt"]
            RUN --mount=type=cache,target=/cache --network=none echo m > /m.txt
            RUN <<EOF
            #!/bin/sh
            echo script > /script.txt
            EOF
            RUN <<EOF
            echo plain > /plain.txt
            EOF
            RUN cat <<EOF > /catted.txt
            inline
            EOF
            COPY --from=build /out.txt /out/
            COPY --chown=1:2 --chmod=640 hello.txt /app/hello.txt
            COPY --link hello.txt /linked/
            ADD --chown=3 hello.txt /added/
            COPY <<EOF /here.txt
            heredoc
            EOF
            WORKDIR work
            WORKDIR /
            WORKDIR /app
            ENV A=b C="d e" F=x\ y
            RUN echo 12345 > /f && ln /f /g
            LABEL tier=web "quoted key"="v \"a\"" empty=""
            EXPOSE 8080 9090/udp 7000-7001
            USER nobody
            VOLUME /data "/other"
            VOLUME ["/json vol"]
            STOPSIGNAL SIGTERM
            HEALTHCHECK --interval=30s --timeout=5s --retries=3 CMD wget -q localhost || exit 1
            HEALTHCHECK CMD ["true", "a b"]
            ONBUILD RUN echo onbuild > /tmp/onbuild.txt
            CMD ["echo", "tab\there", "q\"uote", "ü", "\u0001"]
            SHELL ["/bin/sh", "-ec"]
            CMD echo shell form $A
            ENTRYPOINT ["/bin/echo"]

            FROM app
            ARG V
            USER root
            RUN echo child $V > /child.txt
            """);
        const string tag = "ctz-life/history:1";
        (await ProcessRunner.RunAsync(docker, ["build", "-q", "--network=host", "-t", tag, context], timeout: TimeSpan.FromMinutes(5))).EnsureSuccess("docker build");
        var ours = await CliRunner.RunAsync(temp.Path, "build", "--store", store, "--runtime-root", temp.Combine("runtime"), "-t", tag, context);
        Assert.AreEqual(0, ours.ExitCode, ours.StdErr + ours.StdOut);

        foreach (var truncate in new[] { false, true })
        {
            string[] flags = truncate ? [] : ["--no-trunc"];
            // Rows end in "@@" (a heredoc RUN's created_by spans lines); columns are split on " ~ " (RUN texts have '|').
            const string format = "{{.CreatedBy}} ~ {{.Size}} ~ {{.Comment}}@@";
            var theirs = (await ProcessRunner.RunAsync(docker, ["history", .. flags, "--format", format, tag])).EnsureSuccess("docker history");
            var mine = await CliRunner.RunAsync(temp.Path, ["history", .. flags, "--format", format, tag, "--store", store]);
            Assert.AreEqual(0, mine.ExitCode, mine.StdErr);
            var theirRows = theirs.StdOut.Split("@@\n", StringSplitOptions.RemoveEmptyEntries);
            var myRows = mine.StdOut.Split("@@\n", StringSplitOptions.RemoveEmptyEntries);
            Assert.HasCount(theirRows.Length, myRows, $"same rows\ndocker:\n{theirs.StdOut}\nours:\n{mine.StdOut}");
            Assert.IsGreaterThan(30, theirRows.Length, "a row per step of the app stage and of the final one, and the base's");
            for (var i = 0; i < theirRows.Length; i++)
            {
                var (t, m) = (theirRows[i].Split(" ~ "), myRows[i].Split(" ~ "));
                Assert.AreEqual(t[1], m[1], $"SIZE of row {i}: {theirRows[i]} / {myRows[i]}");
                Assert.AreEqual(t[2], m[2], $"COMMENT of row {i}");
                Assert.AreEqual(t[0], m[0], $"CREATED BY of row {i}");
            }
        }

        // The table: docker's header and IMAGE column (the id on the top row, <missing> below).
        var table = await CliRunner.RunAsync(temp.Path, "history", tag, "--store", store);
        var lines = table.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        StringAssert.StartsWith(lines[0], "IMAGE          CREATED   CREATED BY                                      SIZE      COMMENT");
        var id = (await CliRunner.RunAsync(temp.Path, "image", "inspect", "--format", "{{.Id}}", tag, "--store", store)).StdOut.Trim();
        StringAssert.StartsWith(lines[1], id["sha256:".Length..][..12] + "   N/A");
        Assert.IsTrue(lines.Skip(2).All(l => l.StartsWith("<missing>      N/A", StringComparison.Ordinal)), table.StdOut);

        // image inspect: docker's fields in docker's order (GraphDriver aside), the same config and size.
        var dockerDoc = JsonNode.Parse((await ProcessRunner.RunAsync(docker, ["image", "inspect", tag])).EnsureSuccess("docker image inspect").StdOut)!.AsArray()[0]!.AsObject();
        var inspect = await CliRunner.RunAsync(temp.Path, "image", "inspect", tag, "--store", store);
        Assert.AreEqual(0, inspect.ExitCode, inspect.StdErr);
        var ourDoc = JsonNode.Parse(inspect.StdOut)!.AsArray().Single()!.AsObject();
        CollectionAssert.AreEqual(dockerDoc.Select(kv => kv.Key).Where(k => k != "GraphDriver").ToArray(), ourDoc.Select(kv => kv.Key).ToArray());
        var dockerConfig = dockerDoc["Config"]!.AsObject();
        Assert.AreEqual(dockerConfig.ToJsonString(), ourDoc["Config"]!.ToJsonString());
        Assert.AreEqual(dockerDoc["Size"]!.GetValue<long>(), ourDoc["Size"]!.GetValue<long>(), "Size: the layers' regular files, as moby counts them");
        Assert.AreEqual(dockerDoc["RepoTags"]!.ToJsonString(), ourDoc["RepoTags"]!.ToJsonString());
        Assert.AreEqual("[]", ourDoc["RepoDigests"]!.ToJsonString());
        Assert.AreEqual(dockerDoc["Author"]!.GetValue<string>(), ourDoc["Author"]!.GetValue<string>(), "MAINTAINER sets the author");
        // BuildKit's WORKDIR of an existing folder commits the empty tar as a layer, ours none (docs/cli.md).
        const string emptyTar = "sha256:5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef";
        Assert.AreEqual(dockerDoc["RootFS"]!["Layers"]!.AsArray().Count(l => l!.GetValue<string>() != emptyTar), ourDoc["RootFS"]!["Layers"]!.AsArray().Count);
        Assert.AreEqual(dockerDoc["Comment"]!.GetValue<string>(), ourDoc["Comment"]!.GetValue<string>());
        StringAssert.StartsWith(inspect.StdOut, "[\n    {\n        \"Id\": \"sha256:", "indented by 4 as docker");

        // docker images' SIZE: the same unpacked size, with 3 digits.
        var theirSize = (await ProcessRunner.RunAsync(docker, ["images", "--format", "{{.Size}}", tag])).EnsureSuccess("docker images").StdOut.Trim();
        var ourRow = (await CliRunner.RunAsync(temp.Path, "images", "--filter", "reference=" + tag, "--store", store)).StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries)[1];
        Assert.AreEqual(theirSize, ourRow.Split(' ', StringSplitOptions.RemoveEmptyEntries)[^1], ourRow);

        var missing = await CliRunner.RunAsync(temp.Path, "image", "inspect", tag, "nosuch:1", "--store", store);
        Assert.AreEqual(1, missing.ExitCode);
        Assert.HasCount(1, JsonNode.Parse(missing.StdOut)!.AsArray(), "the images found are still printed, as docker");
        StringAssert.Contains(missing.StdErr, "CTZ3207");
    }

    [TestMethod]
    [DataRow(0L, 3, "0B")]
    [DataRow(6L, 3, "6B")]
    [DataRow(999_600L, 3, "1e+03kB")]
    [DataRow(1_985_590L, 3, "1.99MB")]
    [DataRow(149_312_345L, 3, "149MB")]
    [DataRow(149_312_345L, 4, "149.3MB")]
    [DataRow(12_345L, 3, "12.3kB")]
    public void Sizes_AreGoUnitsWithTheirPrecision(long bytes, int precision, string expected) =>
        Assert.AreEqual(expected, HumanUnits.Size(bytes, precision));

    [TestMethod]
    public void Formatting_EllipsisTemplatesAndReferencePatterns()
    {
        Assert.AreEqual("RUN /bin/sh -c echo hi > /hi.txt && mkdir -p…", ImageHistory.Ellipsis("RUN /bin/sh -c echo hi > /hi.txt && mkdir -p /data # buildkit", 45));
        Assert.AreEqual(45, ImageHistory.Ellipsis(new string('x', 80), 45).Length);
        Assert.AreEqual("a b", ImageHistory.CreatedByColumn("a\tb", truncate: true));

        var doc = JsonNode.Parse("""{"Id":"sha256:ab","Config":{"Env":["A=b","C=d"],"Labels":{"z":"1","a":"2"},"Cmd":null},"Size":42}""");
        Assert.AreEqual("sha256:ab\t42 [A=b C=d] map[a:2 z:1] <nil>", GoTemplate.Parse(@"{{.Id}}\t{{.Size}} {{.Config.Env}} {{.Config.Labels}} {{.Config.Cmd}}").Render(doc));
        Assert.AreEqual("""["A=b","C=d"]""", GoTemplate.Parse("{{json .Config.Env}}").Render(doc));
        // docker's json function: Go's encoder without HTML escaping.
        var author = JsonNode.Parse("""{"Author":"Jane \"Doe\" <jane@x> & ü"}""");
        Assert.AreEqual("""
            "Jane \"Doe\" <jane@x> & ü"
            """, GoTemplate.Parse("{{json .Author}}").Render(author));
        var bad = Assert.ThrowsExactly<Containerize.Core.Diagnostics.ContainerizeException>(() => GoTemplate.Parse("{{range .Config.Env}}{{.}}{{end}}"));
        Assert.AreEqual(StoreErrors.BadFormat, bad.Code);
        Assert.AreEqual(StoreErrors.BadFormat, Assert.ThrowsExactly<Containerize.Core.Diagnostics.ContainerizeException>(() => GoTemplate.Parse("{{.Nope}}").Render(doc)).Code);

        var app = ImageReference.Parse("localhost:5000/team/app:1.2");
        Assert.IsTrue(ImageFilter.ReferenceMatches("localhost:5000/team/*", app));
        Assert.IsTrue(ImageFilter.ReferenceMatches("localhost:5000/team/app:1.?", app));
        Assert.IsFalse(ImageFilter.ReferenceMatches("*", app), "'*' does not cross '/'");
        Assert.IsTrue(ImageFilter.ReferenceMatches("busybox", ImageReference.Parse("busybox:latest")));
        Assert.IsTrue(ImageFilter.ReferenceMatches("busy[a-z]ox:lat*", ImageReference.Parse("busybox")));

        Assert.AreEqual(6L, LayerContentSize.Of([
            new LayerEntryInfo("f", LayerEntryKind.File, (UnixFileMode)0x1A4, 0, 0, 6, null, DateTimeOffset.UnixEpoch),
            new LayerEntryInfo("g", LayerEntryKind.Hardlink, (UnixFileMode)0x1A4, 0, 0, 0, "f", DateTimeOffset.UnixEpoch),
            new LayerEntryInfo("l", LayerEntryKind.Symlink, (UnixFileMode)0x1FF, 0, 0, 0, "/a-long-target", DateTimeOffset.UnixEpoch),
            new LayerEntryInfo("d", LayerEntryKind.Directory, (UnixFileMode)0x1ED, 0, 0, 0, null, DateTimeOffset.UnixEpoch),
        ]));
    }
}
