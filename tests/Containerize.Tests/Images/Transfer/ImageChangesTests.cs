using Containerize.Core.Diagnostics;
using Containerize.Core.Images.Oci;
using Containerize.Core.Images.Store;
using Containerize.Core.Images.Transfer;
using Containerize.Tests.Images.Store;
using Containerize.Tests.Infrastructure;

namespace Containerize.Tests.Images.Transfer;

[TestClass]
public sealed class ImageChangesTests
{
    [TestMethod]
    public void ChangesApplyAsDockerImportDoes()
    {
        var c = ImageChanges.Apply(new ContainerConfig { Env = ["PATH=/bin", "A=1"] },
        [
            "ENV A=2 B=\"two words\"",
            "ENV OLD value with spaces",
            "CMD [\"dotnet\", \"app.dll\"]",
            "WORKDIR /app",
            "WORKDIR sub",
            "USER 1654",
            "EXPOSE 8080 53/udp",
            "LABEL org.opencontainers.image.title=demo team=\"a b\"",
            "VOLUME /data",
            "STOPSIGNAL SIGINT",
        ]);
        CollectionAssert.AreEqual(new[] { "PATH=/bin", "A=2", "B=two words", "OLD=value with spaces" }, c.Env!.ToArray());
        CollectionAssert.AreEqual(new[] { "dotnet", "app.dll" }, c.Cmd!.ToArray());
        Assert.AreEqual("/app/sub", c.WorkingDir);
        Assert.AreEqual("1654", c.User);
        CollectionAssert.AreEquivalent(new[] { "8080/tcp", "53/udp" }, c.ExposedPorts!.Keys.ToArray());
        Assert.AreEqual("a b", c.Labels!["team"]);
        Assert.AreEqual("demo", c.Labels!["org.opencontainers.image.title"]);
        Assert.IsTrue(c.Volumes!.ContainsKey("/data"));
        Assert.AreEqual("SIGINT", c.StopSignal);

        var shell = ImageChanges.Apply(c, ["ENTRYPOINT exec app --flag"]);
        CollectionAssert.AreEqual(new[] { "/bin/sh", "-c", "exec app --flag" }, shell.Entrypoint!.ToArray());
        Assert.IsNull(shell.Cmd, "ENTRYPOINT resets CMD, as in a Dockerfile");
    }

    [TestMethod]
    [DataRow("FROM scratch")]
    [DataRow("CMD [\"unterminated\"")]
    [DataRow("CMD [1, 2]")]
    [DataRow("EXPOSE http")]
    [DataRow("EXPOSE 70000")]
    [DataRow("LABEL novalue")]
    [DataRow("ENV")]
    [DataRow("ENV K=\"open")]
    public void BadChangesAreCodedErrors(string change)
    {
        var e = Assert.ThrowsExactly<ContainerizeException>(() => ImageChanges.Apply(null, [change]));
        Assert.AreEqual(StoreErrors.BadChange, e.Code);
        Assert.IsNotNull(e.Diagnostic.Hint);
    }

    [TestMethod]
    public async Task WriterOutputIsHashedByTheStore()
    {
        using var dir = new TempDir();
        var store = await OciLayoutStore.OpenOrCreateAsync(dir.Path);
        var data = new byte[200_000];
        new Random(5).NextBytes(data);
        var d = await store.PutBlobFromWriterAsync(MediaTypes.OciLayer, async (s, ct) =>
        {
            await s.WriteAsync(data.AsMemory(0, 1000), ct);
            await s.WriteAsync(data.AsMemory(1000), ct);
        });
        Assert.AreEqual(Digest.Sha256(data), d.Digest);
        Assert.AreEqual(data.Length, d.Size);

        await Assert.ThrowsExactlyAsync<InvalidOperationException>(() => store.PutBlobFromWriterAsync(MediaTypes.OciLayer, async (s, ct) =>
        {
            await s.WriteAsync(data.AsMemory(0, 5000), ct);
            throw new InvalidOperationException("writer failed half way");
        }));
        await LocalStoreTests.AssertCleanAsync(store);
    }
}
