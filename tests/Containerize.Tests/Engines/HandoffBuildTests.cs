using System.Text.Json;
using System.Text;
using Containerize.Core.Diagnostics;
using Containerize.Core.Handoff;
using Containerize.Tests.Infrastructure;

namespace Containerize.Tests.Engines;

/// <summary>The hand-off against the real engines: BuildKit and classic on dockerd 20.10, buildx on Docker 26, and podman.</summary>
[TestClass]
[DoNotParallelize]
public sealed class HandoffBuildTests
{
    private const string SmallDockerfile = "FROM scratch\nCOPY a.txt /a.txt\nLABEL org.example.kind=\"small\"\nENV GREETING=hello\nCMD [\"/a.txt\"]\n";

    [TestMethod]
    [DynamicData(nameof(EngineLab.Variants), typeof(EngineLab), DynamicDataDisplayName = nameof(EngineLab.DisplayName), DynamicDataDisplayNameDeclaringType = typeof(EngineLab))]
    public async Task Handoff_BuildSmallImage(string variant)
    {
        var engine = EngineLab.Get(variant);
        using var dir = new TempDir("ctz-handoff");
        dir.Write("a.txt", "hello\n");
        dir.Write("Dockerfile", SmallDockerfile);
        var tag = $"ctz-test/handoff-small:{variant}";
        var sink = new CollectingSink();
        var result = await ExternalBuilder.BuildAsync(engine.Kind, new ExternalBuildRequest
        {
            WriteContext = EngineLab.TarOf(dir.Path, "Dockerfile", "a.txt"),
            DockerfileInContext = "Dockerfile",
            DockerfileDisplayPath = dir.Combine("Dockerfile"),
            Tags = [tag],
            Labels = [new("org.example.extra", "from-cli")],
            BuildArgs = [new("UNUSED", "1")],
        }, engine.Options, sink, CancellationToken.None);

        var expectedBuilder = variant switch
        {
            "docker20-buildkit" => BuilderKind.BuildKit,
            "docker20-classic" => BuilderKind.Classic,
            "docker26-buildx" => BuilderKind.Buildx,
            _ => BuilderKind.Buildah,
        };
        Assert.AreEqual(expectedBuilder, result.Client.Builder);
        Assert.IsTrue(sink.Messages.Any(m => m.StartsWith("hand-off to ", StringComparison.Ordinal) && m.Contains(engine.Client, StringComparison.Ordinal)),
            "the log names the client: " + string.Join("\n", sink.Messages));

        var id = (await engine.RunAsync("image", "inspect", "--format", "{{.Id}}", tag)).EnsureSuccess("inspect").StdOut.Trim();
        if (!id.StartsWith("sha256:", StringComparison.Ordinal)) id = "sha256:" + id;
        Assert.AreEqual(id, result.ImageId);

        var config = (await engine.RunAsync("image", "inspect", "--format", "{{json .Config}}", tag)).EnsureSuccess("inspect").StdOut;
        using var doc = JsonDocument.Parse(config);
        var labels = doc.RootElement.GetProperty("Labels");
        Assert.AreEqual("small", labels.GetProperty("org.example.kind").GetString());
        Assert.AreEqual("from-cli", labels.GetProperty("org.example.extra").GetString());
        CollectionAssert.Contains(doc.RootElement.GetProperty("Env").EnumerateArray().Select(e => e.GetString()).ToList(), "GREETING=hello");
        CollectionAssert.AreEqual(new[] { "/a.txt" }, doc.RootElement.GetProperty("Cmd").EnumerateArray().Select(e => e.GetString()).ToArray());
        // docker export adds .dockerenv and /etc/hosts etc. of the container; the image's own file is a.txt.
        CollectionAssert.Contains(await EngineLab.ListFilesAsync(engine, tag, ""), "a.txt");
    }

    /// <summary>
    /// The engines apply no .dockerignore of their own to a tar context: the files in the image are exactly those we
    /// streamed, even a file the .dockerignore in the stream names (our filter decides, not the engine's).
    /// </summary>
    [TestMethod]
    [DynamicData(nameof(EngineLab.Variants), typeof(EngineLab), DynamicDataDisplayName = nameof(EngineLab.DisplayName), DynamicDataDisplayNameDeclaringType = typeof(EngineLab))]
    public async Task Handoff_ContextIsExactlyWhatWasStreamed(string variant)
    {
        var engine = EngineLab.Get(variant);
        using var dir = new TempDir("ctz-handoff");
        dir.Write("keep.txt", "keep");
        dir.Write("docs/readme.md", "docs");
        dir.Write("secret.txt", "must not be sent");
        dir.Write("kept-by-our-filter.log", "we decided to keep it");
        dir.Write(".dockerignore", "secret.txt\n*.log\n");
        dir.Write("Dockerfile", "FROM scratch\nCOPY . /c/\n");
        var tag = $"ctz-test/handoff-ctx:{variant}";
        string[] streamed = [".dockerignore", "Dockerfile", "docs/readme.md", "keep.txt", "kept-by-our-filter.log"];
        await ExternalBuilder.BuildAsync(engine.Kind, new ExternalBuildRequest
        {
            WriteContext = EngineLab.TarOf(dir.Path, streamed),
            DockerfileInContext = "Dockerfile",
            Tags = [tag],
        }, engine.Options, new CollectingSink(), CancellationToken.None);

        CollectionAssert.AreEqual(streamed, await EngineLab.ListFilesAsync(engine, tag, "c/"));
    }

    /// <summary>A Dockerfile outside the context goes into the stream under .dockerfile.HASH; the classic builder drops it.</summary>
    [TestMethod]
    [DynamicData(nameof(EngineLab.Variants), typeof(EngineLab), DynamicDataDisplayName = nameof(EngineLab.DisplayName), DynamicDataDisplayNameDeclaringType = typeof(EngineLab))]
    public async Task Handoff_DockerfileOutsideContext(string variant)
    {
        var engine = EngineLab.Get(variant);
        using var dir = new TempDir("ctz-handoff");
        dir.Write("app/keep.txt", "keep");
        var content = Encoding.UTF8.GetBytes("FROM scratch\nCOPY . /c/\nLABEL outside=yes\n");
        var tag = $"ctz-test/handoff-outside:{variant}";
        await ExternalBuilder.BuildAsync(engine.Kind, new ExternalBuildRequest
        {
            WriteContext = EngineLab.TarOf(dir.Combine("app"), "keep.txt"),
            DockerfileContent = content,
            Tags = [tag],
        }, engine.Options, new CollectingSink(), CancellationToken.None);

        var label = (await engine.RunAsync("image", "inspect", "--format", "{{index .Config.Labels \"outside\"}}", tag)).EnsureSuccess("inspect").StdOut.Trim();
        Assert.AreEqual("yes", label);
        var files = await EngineLab.ListFilesAsync(engine, tag, "c/");
        var injected = DockerfileInjector.NameFor(content);
        // Docker's own CLI has the same outcome: the daemon's classic builder removes what .dockerignore lists,
        // BuildKit reads a tar context as is; podman gets the Dockerfile as a separate file.
        string[] expected = variant switch
        {
            "docker20-classic" => ["keep.txt"],
            "podman" => ["keep.txt"],
            _ => [injected, "keep.txt"],
        };
        CollectionAssert.AreEqual(expected, files, string.Join(", ", files));
    }

    [TestMethod]
    [DynamicData(nameof(EngineLab.Variants), typeof(EngineLab), DynamicDataDisplayName = nameof(EngineLab.DisplayName), DynamicDataDisplayNameDeclaringType = typeof(EngineLab))]
    public async Task Handoff_FailingRunIsACodedError(string variant)
    {
        var engine = EngineLab.Get(variant);
        await EngineLab.EnsureBusyboxAsync(engine);
        using var dir = new TempDir("ctz-handoff");
        var dockerfile = dir.Write("Dockerfile", $"FROM {EngineLab.Busybox}\nRUN echo first\nRUN echo out-line; echo err-line >&2; exit 3\nCMD [\"x\"]\n");
        var sink = new CollectingSink();
        var ex = await Assert.ThrowsExactlyAsync<ContainerizeException>(() => ExternalBuilder.BuildAsync(engine.Kind, new ExternalBuildRequest
        {
            WriteContext = EngineLab.TarOf(dir.Path, "Dockerfile"),
            DockerfileInContext = "Dockerfile",
            DockerfileDisplayPath = dockerfile,
            Network = "none",
            NoCache = true,
        }, engine.Options, sink, CancellationToken.None));

        Assert.AreEqual(HandoffErrors.StepFailed, ex.Code, ex.Diagnostic.ToDisplayString());
        Assert.AreEqual(dockerfile, ex.Diagnostic.File);
        Assert.AreEqual(3, ex.Diagnostic.Line, ex.Diagnostic.ToDisplayString());
        StringAssert.Contains(ex.Diagnostic.Message, "RUN echo out-line; echo err-line >&2; exit 3");
        StringAssert.Contains(ex.Diagnostic.Message, "exit code 3");
        var expectedStep = variant.StartsWith("docker20-classic", StringComparison.Ordinal) || variant == "podman" ? "step 3/4 " : "step 3/3 ";
        StringAssert.Contains(ex.Diagnostic.Message, expectedStep);
        var failure = (BuildFailure)ex.Data["BuildFailure"]!;
        Assert.AreEqual(3, failure.ExitCode);
        CollectionAssert.Contains(failure.LastOutput.ToList(), "out-line", string.Join("|", failure.LastOutput));
        StringAssert.Contains(ex.Diagnostic.Hint, "out-line");
        Assert.IsTrue(sink.Messages.Any(m => m.Contains("first", StringComparison.Ordinal)), "the engine's output was streamed into the sink");
    }

    [TestMethod]
    public async Task Handoff_MissingCopySourceIsACodedBuildError()
    {
        var engine = EngineLab.Get("docker26-buildx");
        using var dir = new TempDir("ctz-handoff");
        var dockerfile = dir.Write("Dockerfile", "FROM scratch\nCOPY missing.txt /m\n");
        var ex = await Assert.ThrowsExactlyAsync<ContainerizeException>(() => ExternalBuilder.BuildAsync(engine.Kind, new ExternalBuildRequest
        {
            WriteContext = EngineLab.TarOf(dir.Path, "Dockerfile"),
            DockerfileInContext = "Dockerfile",
            DockerfileDisplayPath = dockerfile,
        }, engine.Options, new CollectingSink(), CancellationToken.None));
        Assert.AreEqual(HandoffErrors.BuildFailed, ex.Code, ex.Diagnostic.ToDisplayString());
        Assert.AreEqual(2, ex.Diagnostic.Line);
        StringAssert.Contains(ex.Diagnostic.Message, "missing.txt");
    }

    [TestMethod]
    public async Task Handoff_CliBuildsAFolder()
    {
        var client = DockerEngines.Docker20();
        using var dir = new TempDir("ctz-handoff");
        dir.Write("a.txt", "hello\n");
        dir.Write("Dockerfile", SmallDockerfile);
        var r = await CliRunner.RunAsync(dir.Path, "handoff", "build", "--client", client, "-t", "ctz-test/handoff-cli:1", "--label", "via=cli", "--build-arg", "X=1", ".");
        Assert.AreEqual(0, r.ExitCode, r.StdErr);
        var id = r.StdOut.Trim();
        StringAssert.StartsWith(id, "sha256:");
        var inspected = (await ProcessRunner.RunAsync(client, ["image", "inspect", "--format", "{{.Id}} {{index .Config.Labels \"via\"}}", "ctz-test/handoff-cli:1"])).EnsureSuccess("inspect");
        Assert.AreEqual($"{id} cli", inspected.StdOut.Trim());
        StringAssert.Contains(r.StdErr, "hand-off to docker client " + client);
    }

    [TestMethod]
    public async Task Handoff_CliSendsTheContextAfterDockerignore()
    {
        var client = DockerEngines.Docker20();
        using var dir = new TempDir("ctz-handoff");
        dir.Write("a.txt", "hello\n");
        dir.Write("secret.txt", "never in the image\n");
        dir.Write("obj/stale.dll", "x");
        dir.Write(".dockerignore", "secret.txt\nobj/\n");
        dir.Write("Dockerfile", "FROM scratch\nCOPY . /ctx/\n");
        var r = await CliRunner.RunAsync(dir.Path, "handoff", "build", "--client", client, "-t", "ctz-test/handoff-ignore:1", ".");
        Assert.AreEqual(0, r.ExitCode, r.StdErr);

        var name = "ctz-handoff-ignore-" + Guid.NewGuid().ToString("N")[..8];
        (await ProcessRunner.RunAsync(client, ["create", "--name", name, "ctz-test/handoff-ignore:1", "/none"])).EnsureSuccess("docker create");
        try
        {
            var tar = dir.Combine("export.tar");
            (await ProcessRunner.RunAsync(client, ["export", "-o", tar, name])).EnsureSuccess("docker export");
            var listing = (await ProcessRunner.RunAsync("tar", ["-tf", tar])).EnsureSuccess("tar -t").StdOut;
            var files = listing.Split('\n').Where(l => l.StartsWith("ctx/", StringComparison.Ordinal) && !l.EndsWith('/')).Order(StringComparer.Ordinal).ToList();
            CollectionAssert.AreEqual(new[] { "ctx/.dockerignore", "ctx/Dockerfile", "ctx/a.txt" }, files, listing);
        }
        finally
        {
            await ProcessRunner.RunAsync(client, ["rm", "-f", name]);
        }
    }
}
