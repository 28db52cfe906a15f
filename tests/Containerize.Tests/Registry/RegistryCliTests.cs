using Containerize.Core.Diagnostics;
using Containerize.Core.Images.Oci;
using Containerize.Core.Images.Store;
using Containerize.Tests.Infrastructure;

namespace Containerize.Tests.Registry;

/// <summary>containerize pull and push over the real store (OciLayoutStore) and a real registry.</summary>
[TestClass]
[DoNotParallelize]
public sealed class RegistryCliTests
{
    private static RegistryProcess? _registry;

    [ClassCleanup]
    public static void Cleanup()
    {
        _registry?.Dispose();
        _registry = null;
    }

    [TestMethod]
    public async Task Cli_push_then_pull_then_offline_pull()
    {
        var registry = _registry ??= await RegistryProcess.StartPlainAsync();
        using var dir = new TempDir("ctz-cli");
        var source = await OciLayoutStore.OpenOrCreateAsync(dir.Combine("source"));
        var image = await TestImages.BuildAsync(source, "local/cli:v1", [30_000, 1_000], seed: 51);
        var remote = $"{registry.Host}/ctz/cli:v1";

        var push = await CliRunner.RunAsync(dir.Path, "push", "--store", "source", "local/cli:v1", remote, "-t", "also", "-v");
        Assert.AreEqual(0, push.ExitCode, push.StdErr);
        StringAssert.Contains(push.StdOut, image.Manifest.Digest.ToString());
        StringAssert.Contains(push.StdOut, "3 blobs uploaded");
        StringAssert.Contains(push.StdErr, "loopback registry, using http", "-v shows the detail log");

        var again = await CliRunner.RunAsync(dir.Path, "push", "--store", "source", "local/cli:v1", remote);
        Assert.AreEqual(0, again.ExitCode, again.StdErr);
        StringAssert.Contains(again.StdOut, "0 blobs uploaded, 0 B; 3 already there");

        var pull = await CliRunner.RunAsync(dir.Path, "pull", "--store", "target", $"{registry.Host}/ctz/cli:also", "--runtime", "linux-musl-x64");
        Assert.AreEqual(0, pull.ExitCode, pull.StdErr);
        StringAssert.Contains(pull.StdOut, image.Manifest.Digest.ToString());
        var target = OciLayoutStore.OpenExisting(dir.Combine("target"));
        Assert.AreEqual(image.Manifest.Digest, (await target.ResolveAsync(ImageReference.Parse($"{registry.Host}/ctz/cli:also")))!.Digest);
        foreach (var layer in image.Layers) Assert.IsTrue(await target.HasBlobAsync(layer.Digest));

        var offline = await CliRunner.RunAsync(dir.Path, "pull", "--store", "target", $"{registry.Host}/ctz/cli:also", "--offline");
        Assert.AreEqual(0, offline.ExitCode, offline.StdErr);
        StringAssert.Contains(offline.StdOut, "in the store");

        var missing = await CliRunner.RunAsync(dir.Path, "pull", "--store", "target", $"{registry.Host}/ctz/none:v1");
        Assert.AreEqual(1, missing.ExitCode);
        StringAssert.Contains(missing.StdErr, "CTZ4003");
        StringAssert.Contains(missing.StdErr, "hint:");

        var notCached = await CliRunner.RunAsync(dir.Path, "pull", "--store", "target", $"{registry.Host}/ctz/none:v1", "--offline");
        Assert.AreEqual(1, notCached.ExitCode);
        StringAssert.Contains(notCached.StdErr, "CTZ4008");
    }
}
