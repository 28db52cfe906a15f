using System.Runtime.Versioning;
using System.Text;
using Containerize.Tests.Infrastructure;

namespace Containerize.Tests.Building;

/// <summary>
/// Issue #17.3 without Docker (ContextSymlinkDifferentialTests checks the same against BuildKit): a context symlink is
/// resolved inside the context, never on this machine. A canary folder beside the context holds a secret; links to it
/// lead to a shadow inside the context, or nowhere (CTZ5010). The secret must reach no image, no cache key, no store.
/// </summary>
[TestClass]
[SupportedOSPlatform("linux")]
public sealed class EngineContextSymlinkTests
{
    private static (string Canary, string Secret) WriteCanary(EngineLab lab)
    {
        var canary = Path.Combine(lab.Temp, "canary");
        var secret = "CANARY-" + Guid.NewGuid().ToString("N");
        Directory.CreateDirectory(Path.Combine(canary, "sub"));
        File.WriteAllText(Path.Combine(canary, "secret.txt"), secret);
        File.WriteAllText(Path.Combine(canary, "sub", "deep.txt"), secret);
        File.WriteAllText(Path.Combine(canary, "ignore"), "excluded.txt\n");
        return (canary, secret);
    }

    private static void AssertNotInStore(EngineLab lab, string secret)
    {
        var needle = Encoding.UTF8.GetBytes(secret);
        var hex = Encoding.UTF8.GetBytes(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(needle)));
        var found = Directory.EnumerateFiles(lab.Store, "*", SearchOption.AllDirectories)
            .Where(f => File.ReadAllBytes(f) is var b && (b.AsSpan().IndexOf(needle) >= 0 || b.AsSpan().IndexOf(hex) >= 0)).ToList();
        Assert.IsEmpty(found, "the canary's secret or digest is in the store:\n" + string.Join("\n", found));
    }

    [TestMethod]
    public async Task Copy_LinksResolveInsideTheContext_AndTheHostTargetIsNeverAnInput()
    {
        using var lab = await EngineLab.CreateAsync();
        var (canary, secret) = WriteCanary(lab);
        var shadow = canary.TrimStart('/');
        lab.Write(shadow + "/secret.txt", "shadow\n");
        lab.Write(shadow + "/sub/deep.txt", "deep\n");
        File.CreateSymbolicLink(Path.Combine(lab.Context, "abs"), canary);
        File.CreateSymbolicLink(Path.Combine(lab.Context, "climb"), "../../../../../../.." + canary + "/secret.txt");
        lab.Write("Dockerfile", "FROM busybox:test\nCOPY abs/sub /sub/\nCOPY abs/secret.txt /through/\nCOPY climb /climbed/\n");
        var first = await lab.BuildAsync("-t", "links:1");
        Assert.AreEqual(0, first.ExitCode, first.StdErr + first.StdOut);
        var rootfs = await lab.UnpackAsync("links:1");
        Assert.AreEqual("shadow\n", File.ReadAllText(Path.Combine(rootfs, "through/secret.txt")), "a linked folder mid-path leads inside the context");
        Assert.AreEqual("shadow\n", File.ReadAllText(Path.Combine(rootfs, "climbed/climb")), "'..' in a link stops at the context root");
        Assert.AreEqual("deep\n", File.ReadAllText(Path.Combine(rootfs, "sub/deep.txt")));

        // The host canary is no input: changing it changes nothing. The shadow is: changing it reruns its steps.
        File.WriteAllText(Path.Combine(canary, "secret.txt"), secret + "-changed");
        var again = await lab.BuildAsync("-t", "links:1");
        Assert.IsTrue(EngineLab.CacheHits(again.StdOut).Values.All(h => h), again.StdOut);
        lab.Write(shadow + "/secret.txt", "shadow 2\n");
        var changed = await lab.BuildAsync("-t", "links:2");
        var hits = EngineLab.CacheHits(changed.StdOut);
        Assert.IsTrue(hits[2], "COPY abs/sub reads no changed file\n" + changed.StdOut);
        Assert.IsFalse(hits[3], changed.StdOut);
        Assert.AreEqual("shadow 2\n", File.ReadAllText(Path.Combine(await lab.UnpackAsync("links:2"), "through/secret.txt")));
        AssertNotInStore(lab, secret);
    }

    [TestMethod]
    public async Task Copy_LinkLeadingNowhereInside_IsCoded()
    {
        using var lab = await EngineLab.CreateAsync();
        var (canary, secret) = WriteCanary(lab);
        File.CreateSymbolicLink(Path.Combine(lab.Context, "abs"), canary + "/secret.txt");
        File.CreateSymbolicLink(Path.Combine(lab.Context, "dir"), canary);
        File.CreateSymbolicLink(Path.Combine(lab.Context, "loop"), "loop");
        foreach (var (source, line) in new[] { ("abs", "COPY abs /x/"), ("dir/secret.txt", "COPY dir/secret.txt /x/"), ("dir/*", "COPY dir/* /x/"), ("loop", "ADD loop /x/") })
        {
            lab.Write("Dockerfile", "FROM busybox:test\n" + line + "\n");
            var result = await lab.BuildAsync("-t", "dangling:1");
            Assert.AreNotEqual(0, result.ExitCode, source + ": the link was followed, or copied as a dangling link\n" + result.StdOut);
            StringAssert.Contains(result.StdErr, "Dockerfile:2: CTZ5010", source);
            StringAssert.Contains(result.StdErr, $"'{source}'", source);
        }

        AssertNotInStore(lab, secret);
    }

    [TestMethod]
    public async Task BindMount_SourceLinksResolveInsideTheContextNamedContextAndStage()
    {
        Requirements.Tool("runc");
        Requirements.RequireRoot("runc");
        using var lab = await EngineLab.CreateAsync();
        var (canary, secret) = WriteCanary(lab);
        lab.Write(canary.TrimStart('/') + "/secret.txt", "context shadow\n");
        File.CreateSymbolicLink(Path.Combine(lab.Context, "abs"), canary);
        var named = Path.Combine(lab.Temp, "named");
        Directory.CreateDirectory(Path.Combine(named, "canary"));
        File.WriteAllText(Path.Combine(named, "canary", "secret.txt"), "named shadow\n");
        File.CreateSymbolicLink(Path.Combine(named, "up"), "../canary");
        lab.Write("Dockerfile", $"""
            FROM busybox:test AS stage
            RUN mkdir -p {canary} && echo stage > {canary}/secret.txt && ln -s {canary} /lnk
            FROM busybox:test
            RUN --mount=type=bind,source=abs,target=/c --mount=type=bind,from=n,source=up,target=/n --mount=type=bind,from=stage,source=lnk,target=/s,rw cat /c/secret.txt /n/secret.txt /s/secret.txt > /seen.txt
            """);
        var result = await lab.BuildAsync("-t", "bind:1", "--build-context", "n=" + named);
        Assert.AreEqual(0, result.ExitCode, result.StdErr + result.StdOut);
        Assert.AreEqual("context shadow\nnamed shadow\nstage\n", File.ReadAllText(Path.Combine(await lab.UnpackAsync("bind:1"), "seen.txt")),
            "each link is resolved inside its own context or stage, never to the host folder it names");

        // Without a shadow the link leads nowhere inside: an error at the line, before anything runs.
        Directory.Delete(Path.Combine(lab.Context, "tmp"), recursive: true);
        var failed = await lab.BuildAsync("-t", "bind:2", "--build-context", "n=" + named);
        Assert.AreNotEqual(0, failed.ExitCode, failed.StdOut);
        StringAssert.Contains(failed.StdErr, "Dockerfile:4: CTZ5010 RUN --mount=type=bind: source 'abs' follows a symlink to '" + canary + "'");
        AssertNotInStore(lab, secret);
    }

    [TestMethod]
    public async Task IgnoreFileLink_IsReadInsideTheContext()
    {
        using var lab = await EngineLab.CreateAsync();
        var (canary, _) = WriteCanary(lab);
        lab.Write("excluded.txt", "e");
        lab.Write("kept.txt", "k");
        File.CreateSymbolicLink(Path.Combine(lab.Context, ".dockerignore"), canary + "/ignore");
        lab.Write("Dockerfile", "FROM busybox:test\nCOPY . /out/\n");
        var outside = await lab.BuildAsync("-t", "ign:1");
        Assert.AreEqual(0, outside.ExitCode, outside.StdErr);
        Assert.IsTrue(File.Exists(Path.Combine(await lab.UnpackAsync("ign:1"), "out/excluded.txt")), "the host file the link names is no ignore file");

        lab.Write(canary.TrimStart('/') + "/ignore", "kept.txt\n");
        var inside = await lab.BuildAsync("-t", "ign:2");
        Assert.AreEqual(0, inside.ExitCode, inside.StdErr);
        var rootfs = await lab.UnpackAsync("ign:2");
        Assert.IsFalse(File.Exists(Path.Combine(rootfs, "out/kept.txt")), "the link leads to the file inside the context, which is read");
        Assert.IsTrue(File.Exists(Path.Combine(rootfs, "out/excluded.txt")));
    }
}
