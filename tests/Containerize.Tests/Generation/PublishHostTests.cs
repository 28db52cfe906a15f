using System.Diagnostics;
using System.Net.Sockets;
using System.Net;
using System.Reflection;
using System.Text.Json.Nodes;
using System.Text.Json;
using Containerize.Core.Diagnostics;
using Containerize.Core.Generation;
using Containerize.Core.Host;
using Containerize.Core.Publishing;
using Containerize.Tests.Infrastructure;

namespace Containerize.Tests.Generation;

/// <summary>
/// The native publish host: the task writes the request, the host (here the test build's own containerize) runs the
/// same publish out of MSBuild's process and reports back in protocol lines that keep every diagnostic's code, file,
/// line and hint. A host that cannot run makes the task publish itself; closing its input cancels it.
/// </summary>
[TestClass]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class PublishHostTests
{
    private static string Host => Path.Combine(AppContext.BaseDirectory, "containerize");

    private static ContainerPublishRequest Request(TempDir dir, string dockerfile) => new()
    {
        Project = SampleProjects.Console("App") with
        {
            ProjectPath = dir.Combine("App.csproj"),
            ContextRoot = dir.Path,
            Container = new ContainerProperties
            {
                ContainerSourceDateEpoch = "0",
                ContainerDockerfile = dockerfile,
                ContainerRepository = "host/app",
                ContainerImageTags = ["1.0", "latest"],
            },
        },
        ContainerDirectory = dir.Combine("obj", "container"),
        StorePath = dir.Combine("store"),
        Environment = _ => null,
    };

    [TestMethod]
    public void TheWriterWritesWhatTheGeneratedSerializerWritesForEveryMember()
    {
        var request = Populated<ContainerPublishRequest>() with
        {
            Project = Populated<ProjectModel>() with { Metadata = Populated<ProjectMetadata>(), Container = Populated<ContainerProperties>() },
            Files = [new PublishedFile("a/b.dll", "/src/a/b.dll", "Pkg", "1.0.0-beta", "/src/lib.csproj", "ProjectReference", "runtime"), new PublishedFile("c.txt", "/src/c.txt")],
        };

        var written = PublishRequestWriter.ToUtf8(request);
        var generated = JsonSerializer.SerializeToUtf8Bytes(request, PublishRequestJsonContext.Default.ContainerPublishRequest);
        var ours = JsonNode.Parse(written)!;
        Assert.IsTrue(JsonNode.DeepEquals(ours, JsonNode.Parse(generated)), $"writer:\n{ours}\ngenerated:\n{JsonNode.Parse(generated)}");
        Assert.DoesNotContain((byte)'\n', written, "one line: the host reads the request up to the first line break");

        // And it reads back to the same request (records compare lists by reference: compare their JSON).
        var back = PublishRequestFile.Parse(written, "test");
        Assert.IsTrue(JsonNode.DeepEquals(ours, JsonNode.Parse(PublishRequestWriter.ToUtf8(back))));
        Assert.AreEqual(ContainerBuildMode.Container, back.Project.Container.ContainerBuildMode);
        Assert.AreEqual("ContainerRepository", back.Project.Container.ContainerRepository);
    }

    // Every settable member differs from its default, so that a member the writer forgets or swaps shows.
    private static T Populated<T>() where T : class
    {
        var value = (T)Activator.CreateInstance(typeof(T))!;
        foreach (var p in typeof(T).GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanWrite))
        {
            var t = p.PropertyType;
            object? v = t == typeof(string) ? p.Name
                : t == typeof(bool) ? !(bool)p.GetValue(value)!
                : t == typeof(IReadOnlyList<string>) ? new List<string> { p.Name + "-1", p.Name + "-2" }
                : t == typeof(IReadOnlyList<NameValueItem>) ? new List<NameValueItem> { new(p.Name, "v;1"), new(p.Name + "2", "") }
                : t == typeof(IReadOnlyList<ContainerPortItem>) ? new List<ContainerPortItem> { new("8080", "udp"), new("443") }
                : t.IsEnum ? Enum.GetValues(t).Cast<object>().Last()
                : null;
            if (v is not null) p.SetValue(value, v);
        }

        return value;
    }

    [TestMethod]
    public void ProtocolLinesKeepEveryFieldOfADiagnostic()
    {
        var sink = new CollectingSink();
        var diagnostic = new Diagnostic("CTZ1234", Severity.Warning, "two\nlines, \"quoted\", ünïcödé\ttab", "/p/Dockerfile", 7, "fix it; then \\ again");
        var line = DiagnosticLines.Report(diagnostic);
        Assert.DoesNotContain("\n", line);
        Assert.IsTrue(DiagnosticLines.TryReplay(line, sink, out var hello));
        Assert.IsNull(hello);
        Assert.AreEqual(diagnostic, sink.Diagnostics.Single());

        Assert.IsTrue(DiagnosticLines.TryReplay(DiagnosticLines.Report(new Diagnostic("CTZ0006", Severity.Error, "m")), sink, out _));
        Assert.AreEqual(new Diagnostic("CTZ0006", Severity.Error, "m"), sink.Diagnostics[1]);
        Assert.IsTrue(DiagnosticLines.TryReplay(DiagnosticLines.Message("info", "summary"), sink, out _));
        Assert.IsTrue(DiagnosticLines.TryReplay(DiagnosticLines.Hello(), sink, out hello));
        Assert.AreEqual(DiagnosticLines.ProtocolVersion, hello);
        Assert.IsFalse(DiagnosticLines.TryReplay("warning: not ours", sink, out _));
        Assert.IsFalse(DiagnosticLines.TryReplay("{\"kind\":\"other\"}", sink, out _));
        Assert.IsFalse(DiagnosticLines.TryReplay("{not json", sink, out _));
        CollectionAssert.AreEqual(new[] { "summary" }, sink.Messages.ToArray());
    }

    [TestMethod]
    [Timeout(120_000, CooperativeCancellation = true)]
    public async Task TheHostBuildsTheImageTheTaskWouldHaveBuilt()
    {
        using var dir = new TempDir("ctz-host");
        dir.Write("Dockerfile", "FROM scratch\nCOPY a.txt /a.txt\nENV A=1\n");
        dir.Write("a.txt", "a\n");
        var request = Request(dir, "Dockerfile");
        // The SBOM reads the restore graph in both processes (ProjectAssetsFile's default: obj/project.assets.json).
        Supply.SbomDocumentTests.WriteAssets(Directory.CreateDirectory(dir.Combine("obj")).FullName, request.Project.ProjectPath, rid: request.Project.RuntimeIdentifier);

        var inProcess = await new ContainerPublisher(new CollectingSink()).PublishAsync(request with { ContainerDirectory = dir.Combine("obj", "in-process") }, CancellationToken.None);

        var sink = new CollectingSink();
        Assert.IsNull(PublishHostClient.WhyUnusable(Host));
        var outcome = await new PublishHostClient(Host, sink).RunAsync(request, CancellationToken.None);
        Assert.IsTrue(outcome.Ran && outcome.Succeeded, outcome.Why + string.Join('\n', sink.Diagnostics));

        var metadata = Path.Combine(request.ContainerDirectory, ImageMetadataFile.FileName);
        var built = await ImageMetadataFile.ReadAsync(metadata, CancellationToken.None);
        Assert.AreEqual(inProcess.ManifestDigest, built.ManifestDigest);
        Assert.AreEqual(inProcess.ImageId, built.ImageId);
        CollectionAssert.AreEqual(new[] { "host/app:1.0", "host/app:latest" }, built.Names.ToArray());
        // The files the targets set the SDK's outputs from (image.json, read by ReadContainerizeResult), as after an in-process build.
        Assert.AreEqual(inProcess.Summary(skipped: true), built.Summary(skipped: true));
        Assert.AreEqual(inProcess.Reference, built.Reference);
        Assert.AreEqual(2, inProcess.Attestations.Count, "an SPDX SBOM and a provenance statement by default");
        CollectionAssert.AreEqual(inProcess.Attestations.ToArray(), built.Attestations.ToArray(), "the host attaches the same documents, byte for byte");
        CollectionAssert.AreEqual(await File.ReadAllBytesAsync(dir.Combine("obj", "in-process", "config.json")), await File.ReadAllBytesAsync(dir.Combine("obj", "container", "config.json")));
        Assert.IsTrue(sink.Messages.Any(m => m.Contains(inProcess.ImageId[7..19], StringComparison.Ordinal)), "the summary line came back:\n" + string.Join('\n', sink.Messages));

        // The request stays for a replay outside MSBuild, which gives the same image again.
        var saved = dir.Combine("obj", "container", PublishRequestFile.FileName);
        Assert.IsTrue(File.Exists(saved));
        var replay = await CliRunner.RunAsync(dir.Path, "msbuild-host", "--request", saved);
        Assert.AreEqual(0, replay.ExitCode, replay.StdOut + replay.StdErr);
        Assert.AreEqual(inProcess.ManifestDigest, (await ImageMetadataFile.ReadAsync(metadata, CancellationToken.None)).ManifestDigest);
    }

    [TestMethod]
    [Timeout(120_000, CooperativeCancellation = true)]
    public async Task TheHostsErrorsKeepTheirCodeFileLineAndHint()
    {
        using var dir = new TempDir("ctz-host");
        dir.Write("Dockerfile", "FROM scratch\nCOPY missing.txt /m.txt\n");
        var request = Request(dir, "Dockerfile");
        var expected = await Assert.ThrowsExactlyAsync<ContainerizeException>(() => new ContainerPublisher(new CollectingSink()).PublishAsync(request, CancellationToken.None));

        var sink = new CollectingSink();
        var outcome = await new PublishHostClient(Host, sink).RunAsync(request, CancellationToken.None);
        Assert.IsTrue(outcome.Ran);
        Assert.IsFalse(outcome.Succeeded);
        var error = sink.Diagnostics.Single(d => d.Severity == Severity.Error);
        Assert.AreEqual(expected.Diagnostic, error);
        Assert.AreEqual(2, error.Line);
        Assert.IsNotNull(error.Hint);
    }

    [TestMethod]
    [Timeout(60_000, CooperativeCancellation = true)]
    public async Task AHostThatDoesNotAnswerLeavesThePublishToTheTask()
    {
        using var dir = new TempDir("ctz-host");
        Assert.IsNotNull(PublishHostClient.WhyUnusable(dir.Combine("none")));
        Assert.IsNotNull(PublishHostClient.WhyUnusable(""));

        // Not our host: it exits before the hello line. Written without its execute bit, as NuGet extracts it.
        var script = dir.Write("containerize", "#!/bin/sh\necho 'some other program'\nexit 3\n");
        File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        Assert.IsNull(PublishHostClient.WhyUnusable(script));
        Assert.IsTrue(File.GetUnixFileMode(script).HasFlag(UnixFileMode.UserExecute), "made executable");

        var sink = new CollectingSink();
        var outcome = await new PublishHostClient(script, sink).RunAsync(Request(dir, "Dockerfile"), CancellationToken.None);
        Assert.IsFalse(outcome.Ran);
        StringAssert.Contains(outcome.Why, "exited with code 3 before it answered: some other program");
        Assert.IsEmpty(sink.Diagnostics);

        // Another protocol version: also left to the task.
        var other = dir.Write("other", "#!/bin/sh\necho '{\"kind\":\"hello\",\"protocol\":99}'\nsleep 30\n");
        File.SetUnixFileMode(other, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var clock = Stopwatch.StartNew();
        outcome = await new PublishHostClient(other, sink).RunAsync(Request(dir, "Dockerfile"), CancellationToken.None);
        Assert.IsFalse(outcome.Ran);
        StringAssert.Contains(outcome.Why, "speaks protocol 99");
        Assert.IsLessThan(20, clock.Elapsed.TotalSeconds, "killed, not waited for");
    }

    [TestMethod]
    [Timeout(60_000, CooperativeCancellation = true)]
    public async Task CancellingClosesTheHostsInputAndItStops()
    {
        // A registry that accepts connections and never answers: only cancellation ends the base image pull.
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var held = new System.Collections.Concurrent.ConcurrentBag<TcpClient>();
        _ = Task.Run(async () =>
        {
            while (true) held.Add(await listener.AcceptTcpClientAsync());
        });
        using var dir = new TempDir("ctz-host");
        dir.Write("Dockerfile", $"FROM 127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}/base:1\nENV A=1\n");
        var sink = new CollectingSink();
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(3));
        var clock = Stopwatch.StartNew();
        await Assert.ThrowsAsync<OperationCanceledException>(() => new PublishHostClient(Host, sink).RunAsync(Request(dir, "Dockerfile"), cancel.Token));
        // The host stops on the end of its input, well before the task would kill it (10 s after).
        Assert.IsLessThan(9, clock.Elapsed.TotalSeconds, $"took {clock.Elapsed}; {string.Join('\n', sink.Diagnostics)}");
        Assert.IsNotEmpty(held, "the host was pulling the base when it was cancelled");
        Assert.IsFalse(sink.Diagnostics.Any(d => d.Severity == Severity.Error), string.Join('\n', sink.Diagnostics));
        foreach (var c in held) c.Dispose();
    }
}
