using Containerize.Core.Diagnostics;
using Containerize.Core.Generation;
using Containerize.Core.Host;
using Containerize.Core.Images.Oci;
using Containerize.Core.Images.Store;
using Containerize.Core.Publishing;
using Containerize.Core.Registry;
using Containerize.Tests.Infrastructure;
using Containerize.Tests.Sdk;

namespace Containerize.Tests.Generation;

/// <summary>
/// The base resolution before planning and the check before a skip, against the lab registry: a tag is one HEAD and
/// its content is stored once; an unreachable registry falls back to the stored copy with CTZ4004; offline asks
/// nothing; base.digest is rewritten only when the tag moved, kept (with the warning) when the registry is away, and
/// removed when the tag is gone.
/// </summary>
[TestClass]
[DoNotParallelize]
public sealed class BaseImageProbeTests
{
    private const string Runtime = PublishLab.Registry + "/dotnet/runtime:10.0";
    private const string AspNet = PublishLab.Registry + "/dotnet/aspnet:10.0";

    private static async Task<string> RegistryDigestAsync(string reference) =>
        (await PublishLab.SkopeoAsync("inspect", "--tls-verify=false", "docker://" + reference)).GetProperty("Digest").GetString()!;

    [TestMethod]
    [Timeout(300_000)]
    public async Task ATagIsResolvedOnceStoredAndItsEnvironmentRead()
    {
        await PublishLab.RequireRegistryAsync();
        using var dir = new TempDir("ctz-probe");
        var store = await OciLayoutStore.OpenOrCreateAsync(dir.Combine("store"));
        var sink = new CollectingSink();
        using var client = new RegistryClient(new RegistryOptions { Sink = sink });

        var facts = await BaseImageProbe.ProbeAsync(AspNet, Platform.LinuxAmd64, store, client, sink, CancellationToken.None);

        Assert.IsNotNull(facts);
        Assert.AreEqual(await RegistryDigestAsync(AspNet), facts.Digest.ToString(), "the digest the tag names in the registry");
        Assert.AreEqual("1654", facts.Variable("APP_UID"));
        Assert.AreEqual($"{AspNet}@{facts.Digest}", facts.PinnedReference);
        Assert.IsFalse(facts.Pinned);
        Assert.AreEqual(facts.Digest, (await store.ResolveAsync(ImageReference.Parse(AspNet)))!.Digest, "the store's tag names the resolved digest");

        // The registry away: the stored copy, with the warning; offline (no client): the stored copy, silently.
        var away = ImageReference.Parse("127.0.0.1:9/dotnet/aspnet:10.0");
        await store.TagAsync(away, (await store.ResolveAsync(ImageReference.Parse(AspNet)))!);
        var warnings = new CollectingSink();
        using var deadClient = new RegistryClient(new RegistryOptions { Sink = warnings });
        var stored = await BaseImageProbe.ProbeAsync(away.ToString(), Platform.LinuxAmd64, store, deadClient, warnings, CancellationToken.None);
        Assert.AreEqual(facts.Digest, stored?.Digest);
        Assert.AreEqual("CTZ4004", warnings.Diagnostics.Single().Code);
        StringAssert.Contains(warnings.Diagnostics.Single().Message, "127.0.0.1:9/dotnet/aspnet:10.0");
        var offline = new CollectingSink();
        Assert.AreEqual(facts.Digest, (await BaseImageProbe.ProbeAsync(away.ToString(), Platform.LinuxAmd64, store, null, offline, CancellationToken.None))?.Digest);
        Assert.AreEqual(0, offline.Diagnostics.Count);
        Assert.IsNull(await BaseImageProbe.ProbeAsync("127.0.0.1:9/not/stored:1", Platform.LinuxAmd64, store, null, offline, CancellationToken.None), "offline and not stored: no facts, the build reports it");

        // Pinned by digest and stored: no request (the client would fail: its registry does not exist).
        var pinned = await BaseImageProbe.ProbeAsync($"127.0.0.1:9/any/name@{facts.Digest}", Platform.LinuxAmd64, store, deadClient, warnings, CancellationToken.None);
        Assert.IsTrue(pinned?.Pinned);
        Assert.AreEqual(1, warnings.Diagnostics.Count, "no new warning: nothing was asked");
    }

    [TestMethod]
    [Timeout(300_000)]
    public async Task TheCheckRewritesTheFileOnlyWhenTheTagMoved()
    {
        await PublishLab.RequireRegistryAsync();
        using var dir = new TempDir("ctz-base-check");
        var tag = $"{PublishLab.Registry}/ctz-check-{Guid.NewGuid():N}/base:1";
        await PublishLab.CopyImageAsync(Runtime, tag);
        var runtimeDigest = await RegistryDigestAsync(tag);
        var path = dir.Combine(BaseDigestFile.FileName);
        await File.WriteAllTextAsync(path, $"{tag}\n{runtimeDigest}\n");
        var written = File.GetLastWriteTimeUtc(path);
        var sink = new CollectingSink();
        using var client = new RegistryClient(new RegistryOptions { Sink = sink });

        Assert.IsNull(await BaseDigestFile.CheckAsync(path, client, sink, CancellationToken.None), "unchanged");
        Assert.AreEqual(written, File.GetLastWriteTimeUtc(path), "an unchanged tag leaves the file (and so the skip) alone");

        await PublishLab.CopyImageAsync(AspNet, tag);
        var moved = await BaseDigestFile.CheckAsync(path, client, sink, CancellationToken.None);
        Assert.AreEqual(await RegistryDigestAsync(tag), moved?.ToString());
        Assert.AreEqual($"{tag}\n{moved}\n", await File.ReadAllTextAsync(path));
        Assert.IsTrue(sink.Messages.Any(m => m.Contains("moved from " + runtimeDigest, StringComparison.Ordinal)), "the log says the base moved, and from what");

        // The registry away: a warning naming the file's base, the file kept.
        var away = dir.Combine("away.digest");
        await File.WriteAllTextAsync(away, $"127.0.0.1:9/x/base:1\n{runtimeDigest}\n");
        var warnings = new CollectingSink();
        using var deadClient = new RegistryClient(new RegistryOptions { Sink = warnings });
        Assert.IsNull(await BaseDigestFile.CheckAsync(away, deadClient, warnings, CancellationToken.None));
        Assert.AreEqual("CTZ4004", warnings.Diagnostics.Single().Code);
        StringAssert.Contains(warnings.Diagnostics.Single().Message, "127.0.0.1:9/x/base:1", "the warning names the base it could not check");
        Assert.IsTrue(File.Exists(away));

        // The tag gone: the file is removed, so the next publish builds and reports what is wrong.
        var gone = dir.Combine("gone.digest");
        await File.WriteAllTextAsync(gone, $"{PublishLab.Registry}/ctz-check-{Guid.NewGuid():N}/none:1\n{runtimeDigest}\n");
        Assert.IsNull(await BaseDigestFile.CheckAsync(gone, client, sink, CancellationToken.None));
        Assert.IsFalse(File.Exists(gone));
    }

    [TestMethod]
    [Timeout(300_000)]
    public async Task APinnedBaseIsPulledWithoutLayersAndAMovedStoreTagFollowsTheRegistry()
    {
        await PublishLab.RequireRegistryAsync();
        using var dir = new TempDir("ctz-probe-pinned");
        var store = await OciLayoutStore.OpenOrCreateAsync(dir.Combine("store"));
        var sink = new CollectingSink();
        using var client = new RegistryClient(new RegistryOptions { Sink = sink });
        var digest = await RegistryDigestAsync(Runtime);

        // Not stored and offline: nothing to say; not stored with a registry: manifest and config, no layer.
        Assert.IsNull(await BaseImageProbe.ProbeAsync($"{PublishLab.Registry}/dotnet/runtime@{digest}", Platform.LinuxAmd64, store, null, sink, CancellationToken.None));
        var pinned = await BaseImageProbe.ProbeAsync($"{PublishLab.Registry}/dotnet/runtime@{digest}", Platform.LinuxAmd64, store, client, sink, CancellationToken.None);
        Assert.IsTrue(pinned?.Pinned);
        Assert.AreEqual("1654", pinned!.Variable("APP_UID"));
        var manifest = await store.ReadManifestAsync(await ImageGraph.SelectManifestAsync(store, (await store.ResolveAsync(ImageReference.Parse($"{PublishLab.Registry}/dotnet/runtime@{digest}")))!, Platform.LinuxAmd64));
        Assert.IsTrue(manifest.Layers.Count > 0);
        foreach (var layer in manifest.Layers) Assert.IsFalse(await store.HasBlobAsync(layer.Digest), "a base's layers stay in the registry until something reads them");

        // The store's tag named another image: resolving the tag moves it to what the registry names, content stored or not.
        var aspnet = await BaseImageProbe.ProbeAsync(AspNet, Platform.LinuxAmd64, store, client, sink, CancellationToken.None);
        await store.TagAsync(ImageReference.Parse(AspNet), (await store.ResolveAsync(ImageReference.Parse($"{PublishLab.Registry}/dotnet/runtime@{digest}")))!);
        var again = await BaseImageProbe.ProbeAsync(AspNet, Platform.LinuxAmd64, store, client, sink, CancellationToken.None);
        Assert.AreEqual(aspnet!.Digest, again!.Digest);
        Assert.AreEqual(aspnet.Digest, (await store.ResolveAsync(ImageReference.Parse(AspNet)))!.Digest, "the build's FROM name:tag@digest finds the tag on the resolved digest");

        // Not an image reference (a layout path, a typo): no facts, the build reports it with its context.
        Assert.IsNull(await BaseImageProbe.ProbeAsync("oci-layout:///some/dir:tag", Platform.LinuxAmd64, store, client, sink, CancellationToken.None));
        Assert.IsNull(await BaseImageProbe.ProbeAsync("Not A Reference", Platform.LinuxAmd64, store, client, sink, CancellationToken.None));
        Assert.AreEqual(0, sink.Diagnostics.Count);
    }

    [TestMethod]
    public async Task TheDigestFileHoldsTheTagAndDigestOrNothingForAPinnedOrUnresolvedBase()
    {
        using var dir = new TempDir("ctz-base-file");
        var path = dir.Combine(BaseDigestFile.FileName);
        var digest = Digest.Parse("sha256:" + new string('b', 64));
        await BaseDigestFile.WriteAsync(path, new BaseImageFacts(ImageReference.Parse("example.com/base:1"), digest, ["A"], Pinned: false), CancellationToken.None);
        Assert.AreEqual($"example.com/base:1\n{digest}\n", await File.ReadAllTextAsync(path));
        var read = await BaseDigestFile.ReadAsync(path, CancellationToken.None);
        Assert.AreEqual("example.com/base:1", read!.Reference.ToString());
        Assert.AreEqual(digest, read.Digest);
        Assert.AreEqual("", new BaseImageFacts(ImageReference.Parse("example.com/base:1"), digest, ["A"], false).Variable("A"), "a variable without '=' is empty");
        Assert.IsNull(new BaseImageFacts(ImageReference.Parse("example.com/base:1"), digest, ["A=1"], false).Variable("B"));

        await BaseDigestFile.WriteAsync(path, new BaseImageFacts(ImageReference.Parse($"example.com/base@{digest}"), digest, [], Pinned: true), CancellationToken.None);
        Assert.IsFalse(File.Exists(path), "a pinned base has nothing to check");
        await File.WriteAllTextAsync(path, "x");
        await BaseDigestFile.WriteAsync(path, null, CancellationToken.None);
        Assert.IsFalse(File.Exists(path), "an unresolved base has nothing to check");
        Assert.IsNull(await BaseDigestFile.ReadAsync(path, CancellationToken.None), "no file");
        // Malformed files (hand-edited, truncated, another version's): read as nothing to check, and left alone by the
        // check, which then asks no registry (the client would fail: its registry does not exist).
        using var deadClient = new RegistryClient(new RegistryOptions { Sink = new CollectingSink() });
        foreach (var garbage in new[] { "", "example.com/base:1\n", "NOT A REF\nsha256:00\n", $"example.com/base:1\nmd5:{new string('0', 32)}\n", "\0\0\0" })
        {
            await File.WriteAllTextAsync(path, garbage);
            Assert.IsNull(await BaseDigestFile.ReadAsync(path, CancellationToken.None), $"'{garbage}' is not a base digest file");
            var sink = new CollectingSink();
            Assert.IsNull(await BaseDigestFile.CheckAsync(path, deadClient, sink, CancellationToken.None));
            Assert.AreEqual(0, sink.Diagnostics.Count, "nothing was asked");
            Assert.AreEqual(garbage, await File.ReadAllTextAsync(path));
        }

        File.Delete(path);
        Directory.CreateDirectory(path);
        Assert.IsNull(await BaseDigestFile.ReadAsync(path, CancellationToken.None), "an unreadable file");
    }
}
