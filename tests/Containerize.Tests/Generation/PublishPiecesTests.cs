using Containerize.Core.Building.Output;
using Containerize.Core.Building.Plan;
using Containerize.Core.Diagnostics;
using Containerize.Core.Generation;
using Containerize.Core.Host;
using Containerize.Core.Images.Oci;
using Containerize.Core.Images.Transfer;
using Containerize.Core.Publishing;
using Containerize.Tests.Infrastructure;

namespace Containerize.Tests.Generation;

/// <summary>The parts of a container publish that need no MSBuild: settings, archive names, metadata, layer accounting.</summary>
[TestClass]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class PublishPiecesTests
{
    [TestMethod]
    public void CommandLineListsKeepEachEntryAndRejectEntriesWithoutAName()
    {
        var env = CommandLineItems.ParsePairs("A=1; B = x=y ;C=", "ContainerEnv");
        CollectionAssert.AreEqual(new[] { new NameValueItem("A", "1"), new NameValueItem("B", " x=y"), new NameValueItem("C", "") }, env.ToArray());
        CollectionAssert.AreEqual(new[] { new ContainerPortItem("8080"), new ContainerPortItem("53/udp") }, CommandLineItems.ParsePorts("8080;53/udp").ToArray());
        var e = Assert.ThrowsExactly<ContainerizeException>(() => CommandLineItems.ParsePairs("A=1;=2", "ContainerLabels", "/p/app.csproj"));
        Assert.AreEqual(GenerationErrors.InvalidCommandLineItem, e.Code);
        StringAssert.Contains(e.Diagnostic.Hint, "'-p:ContainerLabels=\"A=1;B=2\"'");
    }

    [TestMethod]
    public void ArchivePathFollowsTheSdkFolderRule()
    {
        using var dir = new TempDir();
        Directory.CreateDirectory(dir.Combine("existing"));
        Assert.AreEqual(dir.Combine("existing", "app.tar.gz"), ArchiveOutput.ResolvePath("existing", "app", dir.Path));
        Assert.AreEqual(dir.Combine("new", "app.tar.gz"), ArchiveOutput.ResolvePath("new/", "app", dir.Path));
        Assert.AreEqual(dir.Combine("img.tar"), ArchiveOutput.ResolvePath("img.tar", "app", dir.Path));
        Assert.AreEqual(ImageTransport.DockerArchive, ArchiveOutput.Format(null));
        Assert.AreEqual(ImageTransport.OciArchive, ArchiveOutput.Format("OCI"));
        Assert.AreEqual(GenerationErrors.InvalidPropertyValue, Assert.ThrowsExactly<ContainerizeException>(() => ArchiveOutput.Format("zip")).Code);
    }

    [TestMethod]
    public async Task SourceDateEpochIsThePropertyThenTheEnvironmentThenGitThenTheFixedEpoch()
    {
        using var dir = new TempDir();
        string? None(string _) => null;
        Assert.AreEqual("42", await SourceDateEpoch.ResolveAsync("42", dir.Path, _ => "7", CancellationToken.None));
        Assert.AreEqual("7", await SourceDateEpoch.ResolveAsync(null, dir.Path, n => n == "SOURCE_DATE_EPOCH" ? "7" : null, CancellationToken.None));
        Assert.AreEqual("0", await SourceDateEpoch.ResolveAsync(null, dir.Path, None, CancellationToken.None), "outside git: 1970");

        var git = Requirements.FindOnPath("git");
        if (git is null) return;
        var env = new Dictionary<string, string?> { ["GIT_AUTHOR_DATE"] = "@1700000000 +0000", ["GIT_COMMITTER_DATE"] = "@1700000000 +0000" };
        foreach (var args in new[] { new[] { "init", "-q" }, ["-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "--allow-empty", "-m", "x"] })
        {
            (await ProcessRunner.RunAsync(git, args, dir.Path, env)).EnsureSuccess("git " + args[0]);
        }

        Directory.CreateDirectory(dir.Combine("src", "App"));
        Assert.AreEqual("1700000000", await SourceDateEpoch.ResolveAsync(null, dir.Combine("src", "App"), None, CancellationToken.None));
    }

    [TestMethod]
    public void ContextRootIsTheExplicitFolderThenTheSolutionThenTheRepository()
    {
        using var dir = new TempDir();
        dir.Write("repo/.git/HEAD", "ref: refs/heads/main\n");
        dir.Write("repo/src/App/App.csproj", "<Project />");
        var project = dir.Combine("repo", "src", "App");
        Assert.AreEqual(dir.Combine("repo", "ctx"), ContextRootResolver.Resolve("../../ctx", null, project));
        Assert.AreEqual(dir.Combine("repo", "src"), ContextRootResolver.Resolve(null, dir.Combine("repo", "src") + "/", project));
        Assert.AreEqual(dir.Combine("repo"), ContextRootResolver.Resolve(null, "*Undefined*", project));
        Assert.AreEqual(dir.Combine("repo"), ContextRootResolver.Resolve(null, dir.Combine("elsewhere"), project), "a solution that does not hold the project is ignored");
    }

    [TestMethod]
    public async Task MetadataRoundTripsAndStampsItsTime()
    {
        using var dir = new TempDir();
        var path = dir.Combine("image.json");
        var result = new ContainerImageResult
        {
            Reference = "localhost:5000/app:1",
            Names = ["localhost:5000/app:1", "localhost:5000/app:latest"],
            ManifestDigest = "sha256:" + new string('a', 64),
            ManifestMediaType = MediaTypes.OciManifest,
            ImageId = "sha256:" + new string('b', 64),
            Size = 3 << 20,
            BaseLayerCount = 5,
            Layers = [new ImageLayerResult("COPY [\"packages/\", \"/app/\"]", "sha256:" + new string('c', 64), 100, true), new ImageLayerResult("COPY [\"app/\", \"/app/\"]", "sha256:" + new string('d', 64), 10, false)],
            DockerfilePath = "/p/obj/container/Dockerfile",
            ArchivePath = "/p/out/app.tar.gz",
            Pushed = ["localhost:5000/app:1"],
            BytesUploaded = 10,
            Attestations = [new AttestationResult("application/spdx+json", "sha256:" + new string('e', 64))],
        };
        await ImageMetadataFile.WriteAsync(path, result, CancellationToken.None);
        File.SetLastWriteTimeUtc(path, DateTime.UtcNow.AddHours(-1));
        await ImageMetadataFile.WriteAsync(path, result, CancellationToken.None);
        Assert.IsTrue(File.GetLastWriteTimeUtc(path) > DateTime.UtcNow.AddMinutes(-5), "rewritten with the same content, its time still moves (the target's output stamp)");

        var read = await ImageMetadataFile.ReadAsync(path, CancellationToken.None);
        Assert.AreEqual(result with { Names = read.Names, Layers = read.Layers, Pushed = read.Pushed, Platforms = read.Platforms, Attestations = read.Attestations }, read);
        CollectionAssert.AreEqual(result.Attestations.ToArray(), read.Attestations.ToArray(), "the attached artifacts round-trip");
        CollectionAssert.AreEqual(result.Names.ToArray(), read.Names.ToArray());
        CollectionAssert.AreEqual(result.Layers.ToArray(), read.Layers.ToArray());
        Assert.AreEqual("localhost:5000/app:1 sha256:" + new string('a', 64) + " (3.0 MiB, layers: 1 reused, 1 rebuilt)", read.Summary());
        Assert.AreEqual("localhost:5000/app:1 sha256:" + new string('a', 64) + " (3.0 MiB, layers: 2 reused, 0 rebuilt)", read.Summary(skipped: true), "a skipped publish did no layer work");
        var handedOff = new ContainerImageResult { Reference = "app:1", Names = ["app:1"], ImageId = "sha256:" + new string('b', 64), DockerfilePath = "/p/Dockerfile", LoadedInto = "docker" };
        Assert.AreEqual("app:1 sha256:" + new string('b', 64) + " (built by docker)", handedOff.Summary(), "a hand-off has no size of ours to print");

        var missing = await Assert.ThrowsExactlyAsync<ContainerizeException>(() => ImageMetadataFile.ReadAsync(dir.Combine("none.json"), CancellationToken.None));
        Assert.AreEqual(GenerationErrors.MetadataMissing, missing.Code);
    }

    [TestMethod]
    public void LayerAccountingMapsTheFinalStageLayerStepsOntoTheTopLayers()
    {
        Descriptor Blob(char c) => new() { MediaType = MediaTypes.OciLayerGzip, Digest = Digest.Parse("sha256:" + new string(c, 64)), Size = c };
        var image = new ImageState(null, null, [Blob('1'), Blob('2'), Blob('3'), Blob('4')],
            new ImageConfiguration { Architecture = "amd64", Os = "linux", RootFs = new RootFs { DiffIds = [] } });
        StepRecord Step(string text, bool hit) => new(0, text, hit, null, TimeSpan.Zero, "");
        var steps = new[]
        {
            Step("FROM sdk AS build", true), Step("RUN make", false),
            Step("FROM base", true), Step("WORKDIR /app/", true), Step("COPY [\"packages/\", \"/app/\"]", true), Step("ARG X", true),
            Step("copy [\"app/\", \"/app/\"]", false), Step("USER $APP_UID", false),
        };
        var (added, baseLayers) = LayerAccounting.Layers(image, steps);
        Assert.AreEqual(2, baseLayers);
        CollectionAssert.AreEqual(new[] { ("sha256:" + new string('3', 64), true), ("sha256:" + new string('4', 64), false) },
            added.Select(l => (l.Digest, l.Reused)).ToArray());
    }

    [TestMethod]
    public void PublishFolderFilesTakeTheMetadataOfTheirItem()
    {
        using var dir = new TempDir();
        dir.Write("publish/App.dll", "app");
        dir.Write("publish/Humanizer.dll", "h");
        dir.Write("publish/wwwroot/index.html", "<p>");
        // IIS's web.config is never in the image (the Web SDK writes it late, so present or not by the order of targets);
        // one in a sub-folder is the app's own file.
        dir.Write("publish/web.config", "<configuration />");
        dir.Write("publish/wwwroot/Web.Config", "<configuration />");
        var files = PublishDirectory.Collect(dir.Combine("publish"), [new PublishedFile("Humanizer.dll", "/nuget/humanizer/2.14.1/lib/Humanizer.dll", "Humanizer.Core", "2.14.1")]);
        CollectionAssert.AreEqual(new[] { "App.dll", "Humanizer.dll", "wwwroot/Web.Config", "wwwroot/index.html" }, files.Select(f => f.RelativePath).ToArray());
        var humanizer = files.Single(f => f.RelativePath == "Humanizer.dll");
        Assert.AreEqual("Humanizer.Core", humanizer.NuGetPackageId);
        Assert.AreEqual(dir.Combine("publish", "Humanizer.dll"), humanizer.SourcePath, "the published copy, as the SDK's image holds it");
        var plan = LayerPlanner.Plan(files, ContainerLayering.Dependencies, includeSymbols: false);
        CollectionAssert.AreEqual(new[] { LayerPlan.Packages, LayerPlan.StaticWebAssets, LayerPlan.App }, plan.Layers.Select(l => l.Name).ToArray());
    }

    [TestMethod]
    public void UnknownEngineAndDaemonNamesAreCoded()
    {
        Assert.IsNull(ContainerPublisher.ParseEngine("Builtin", null));
        Assert.AreEqual(Containerize.Core.Handoff.EngineKind.Podman, ContainerPublisher.ParseEngine("podman", null));
        Assert.AreEqual(GenerationErrors.InvalidPropertyValue, Assert.ThrowsExactly<ContainerizeException>(() => ContainerPublisher.ParseEngine("kaniko", "/p/a.csproj")).Code);
        Assert.AreEqual(GenerationErrors.InvalidPropertyValue, Assert.ThrowsExactly<ContainerizeException>(() => ImageDestinations.ParseLocalRegistry("containerd", null)).Code);
        Assert.IsNull(ContainerPublisher.ParseNetwork(" ", null), "empty: the engine's default network");
        Assert.AreEqual("host", ContainerPublisher.ParseNetwork(" Host ", null));
        Assert.AreEqual("none", ContainerPublisher.ParseNetwork("none", null));
        Assert.AreEqual(GenerationErrors.InvalidPropertyValue, Assert.ThrowsExactly<ContainerizeException>(() => ContainerPublisher.ParseNetwork("bridge", "/p/a.csproj")).Code);
    }

    [TestMethod]
    public async Task StaticWebAssetEndpointsGetTheSourceDateAsLastModified()
    {
        using var dir = new TempDir();
        const string json = """{"Endpoints":[{"Route":"index.html","ResponseHeaders":[{"Name":"ETag","Value":"\"x\""},{"Name":"Last-Modified","Value":"Fri, 27 Nov 2026 22:59:51 GMT"}]}]}""";
        dir.Write("publish/App.staticwebassets.endpoints.json", json);
        dir.Write("publish/App.dll", "x");
        var files = PublishDirectory.Collect(dir.Combine("publish"), []);
        var normalized = await StaticWebAssetsEndpoints.NormalizeAsync(files, 1700000000, dir.Combine("normalized"), CancellationToken.None);
        var endpoints = normalized.Single(f => f.RelativePath.EndsWith(StaticWebAssetsEndpoints.Suffix, StringComparison.Ordinal));
        Assert.AreEqual(dir.Combine("normalized", "App.staticwebassets.endpoints.json"), endpoints.SourcePath);
        Assert.AreEqual(json.Replace("Fri, 27 Nov 2026 22:59:51 GMT", "Tue, 14 Nov 2023 22:13:20 GMT"), File.ReadAllText(endpoints.SourcePath), "only Last-Modified changes; the ETag stays");
        Assert.AreEqual(dir.Combine("publish", "App.dll"), normalized.Single(f => f.RelativePath == "App.dll").SourcePath);
    }
}
