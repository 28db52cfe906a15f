using Containerize.Core.Diagnostics;
using Containerize.Core.Handoff;
using Containerize.Tests.Infrastructure;

namespace Containerize.Tests.Engines;

/// <summary>
/// docker load / podman load of a docker-archive stream. Until the store's exporter is merged, the archive is one
/// docker save made of a tiny FROM scratch image.
/// </summary>
[TestClass]
[DoNotParallelize]
public sealed class DaemonLoaderTests
{
    [TestMethod]
    [DataRow("docker20-classic")]
    [DataRow("docker26-buildx")]
    [DataRow("podman")]
    public async Task Load_DockerArchiveThenSkipWhenPresent(string variant)
    {
        var engine = EngineLab.Get(variant);
        var builder = EngineLab.Get(variant == "podman" ? "docker20-classic" : variant);
        using var dir = new TempDir("ctz-load");
        dir.Write("f.txt", "loaded " + variant);
        dir.Write("Dockerfile", "FROM scratch\nCOPY f.txt /f.txt\nCMD [\"/f.txt\"]\n");
        var source = $"ctz-test/load-source:{variant}";
        var built = await ExternalBuilder.BuildAsync(builder.Kind, new ExternalBuildRequest
        {
            WriteContext = EngineLab.TarOfFolder(dir.Path),
            DockerfileInContext = "Dockerfile",
            Tags = [source],
        }, builder.Options, new CollectingSink(), CancellationToken.None);
        var archive = dir.Combine("image.tar");
        (await builder.RunAsync("save", "-o", archive, source)).EnsureSuccess("save");
        if (engine == builder) (await engine.RunAsync("rmi", source)).EnsureSuccess("rmi");
        var target = $"ctz-test/loaded:{variant}";
        await engine.RunAsync("rmi", target);

        var sink = new CollectingSink();
        var result = await DaemonLoader.LoadAsync(engine.Kind, WriteFile(archive), null, [target], engine.Options, sink, CancellationToken.None);
        Assert.IsFalse(result.Skipped);
        Assert.IsTrue(result.LoadedReferences.Any(r => r.EndsWith(source, StringComparison.Ordinal)), string.Join(", ", result.LoadedReferences));
        var id = await DaemonLoader.ImageIdAsync(result.Client, target, engine.Environment, CancellationToken.None);
        Assert.AreEqual(built.ImageId, id, "the loaded image keeps its config digest and gets the extra tag");

        var again = await DaemonLoader.LoadAsync(engine.Kind, (_, _) => throw new AssertFailedException("the archive must not be produced again"),
            built.ImageId, [target], engine.Options, new CollectingSink(), CancellationToken.None);
        Assert.IsTrue(again.Skipped);
    }

    [TestMethod]
    public async Task Load_GarbageIsACodedError()
    {
        var engine = EngineLab.Get("docker20-classic");
        var ex = await Assert.ThrowsExactlyAsync<ContainerizeException>(() => DaemonLoader.LoadAsync(engine.Kind,
            async (s, ct) => await s.WriteAsync(new byte[4096], ct), null, [], engine.Options, new CollectingSink(), CancellationToken.None));
        Assert.AreEqual(HandoffErrors.LoadFailed, ex.Code);
    }

    private static Func<Stream, CancellationToken, Task> WriteFile(string path) => async (stream, ct) =>
    {
        await using var file = File.OpenRead(path);
        await file.CopyToAsync(stream, ct);
    };
}
