using System.Runtime.Versioning;
using System.Text.Json;
using System.Text.RegularExpressions;
using Containerize.Core.Building.Plan;
using Containerize.Core.Images.Oci;
using Containerize.Core.Images.Store;
using Containerize.Tests.Infrastructure;

namespace Containerize.Tests.Building;

/// <summary>ONBUILD: a base image's triggers run first in a stage FROM it, through the cache, and are not passed on.</summary>
[TestClass]
[SupportedOSPlatform("linux")]
public sealed class EngineOnbuildTests
{
    private const string BaseDockerfile = """
        FROM busybox:test
        ONBUILD COPY app.txt /app/app.txt
        ONBUILD RUN echo "built from $(cat /app/app.txt)" > /app/built.txt
        ONBUILD ENV FROM_TRIGGER=yes
        LABEL role=base
        """;

    private const string ChildDockerfile = """
        FROM base:onb
        ONBUILD RUN echo child-trigger
        RUN cat /app/built.txt > /app/seen.txt
        """;

    private static async Task<EngineLab> LabAsync()
    {
        Requirements.Tool("runc");
        Requirements.RequireRoot("runc with namespaces and overlay mounts");
        return await EngineLab.CreateAsync();
    }

    [TestMethod]
    public async Task Engine_OnbuildTriggersOfTheBaseRunFirstAndAreNotInherited()
    {
        using var lab = await LabAsync();
        lab.Write("Dockerfile", BaseDockerfile);
        var baseBuild = await lab.BuildAsync("-t", "base:onb");
        Assert.AreEqual(0, baseBuild.ExitCode, baseBuild.StdErr + baseBuild.StdOut);
        var (_, baseConfig) = await lab.ImageAsync("base:onb");
        CollectionAssert.AreEqual(
            new[] { "COPY app.txt /app/app.txt", "RUN echo \"built from $(cat /app/app.txt)\" > /app/built.txt", "ENV FROM_TRIGGER=yes" },
            baseConfig.Config!.OnBuild!.ToArray());
        Assert.IsFalse(File.Exists(Path.Combine(await lab.UnpackAsync("base:onb"), "app", "built.txt")), "triggers do not run in the image that declares them");

        lab.Write("Dockerfile", ChildDockerfile);
        lab.Write("app.txt", "one");
        var child = await lab.BuildAsync("-t", "app:onb");

        Assert.AreEqual(0, child.ExitCode, child.StdErr + child.StdOut);
        StringAssert.Contains(child.StdOut, "# Executing 3 build triggers\n");
        StringAssert.Contains(child.StdOut, "Step 2/6 : COPY app.txt /app/app.txt (ONBUILD trigger)\n");
        var rootfs = await lab.UnpackAsync("app:onb");
        Assert.AreEqual("one", File.ReadAllText(Path.Combine(rootfs, "app", "app.txt")));
        Assert.AreEqual("built from one\n", File.ReadAllText(Path.Combine(rootfs, "app", "seen.txt")), "the stage's own RUN sees what the triggers made");
        var (_, config) = await lab.ImageAsync("app:onb");
        CollectionAssert.Contains(config.Config!.Env!.ToArray(), "FROM_TRIGGER=yes");
        CollectionAssert.AreEqual(new[] { "RUN echo child-trigger" }, config.Config.OnBuild!.ToArray(), "the base's triggers are cleared, the stage's own ONBUILD appended");
        Assert.AreEqual("base", config.Config.Labels!["role"]);

        // The cache works through the triggers: nothing changed, everything hits; a changed trigger source reruns from it.
        var again = await lab.BuildAsync("-t", "app:onb");
        Assert.AreEqual(0, again.ExitCode, again.StdErr);
        Assert.IsTrue(EngineLab.CacheHits(again.StdOut).Where(kv => kv.Key >= 2).All(kv => kv.Value), again.StdOut);
        lab.Write("app.txt", "two");
        var changed = await lab.BuildAsync("-t", "app:onb");
        Assert.AreEqual(0, changed.ExitCode, changed.StdErr);
        var misses = EngineLab.CacheHits(changed.StdOut).Where(kv => !kv.Value).Select(kv => kv.Key).Order().ToArray();
        CollectionAssert.AreEqual(new[] { 2, 3, 4, 5, 6 }, misses, changed.StdOut);
        StringAssert.Contains(changed.StdOut, "(source files changed: app.txt)");
        Assert.AreEqual("built from two\n", File.ReadAllText(Path.Combine(await lab.UnpackAsync("app:onb"), "app", "seen.txt")));

        // A grandchild runs only the child's trigger, not the base's again.
        lab.Write("Dockerfile", "FROM app:onb\nRUN test ! -e /app/again\n");
        var grandchild = await lab.BuildAsync("-t", "grand:onb");
        Assert.AreEqual(0, grandchild.ExitCode, grandchild.StdErr + grandchild.StdOut);
        StringAssert.Contains(grandchild.StdOut, "# Executing 1 build trigger\n");
        StringAssert.Contains(grandchild.StdOut, "child-trigger\n");
        Assert.IsNull((await lab.ImageAsync("grand:onb")).Config.Config!.OnBuild);
    }

    [TestMethod]
    public async Task Engine_OnbuildOfAnEarlierStageRunsInTheStageBuiltOnIt()
    {
        using var lab = await LabAsync();
        lab.Write("Dockerfile", "FROM busybox:test AS tools\nONBUILD RUN touch /triggered\nRUN test ! -e /triggered\nFROM tools\nRUN test -e /triggered\n");
        var r = await lab.BuildAsync("-t", "stages:onb");
        Assert.AreEqual(0, r.ExitCode, r.StdErr + r.StdOut);
        Assert.IsNull((await lab.ImageAsync("stages:onb")).Config.Config!.OnBuild);
        Assert.IsTrue(File.Exists(Path.Combine(await lab.UnpackAsync("stages:onb"), "triggered")));
    }

    [TestMethod]
    [DataRow("FROM other", "FROM isn't allowed as an ONBUILD trigger")]
    [DataRow("ONBUILD RUN true", "Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed")]
    [DataRow("MAINTAINER me", "MAINTAINER isn't allowed as an ONBUILD trigger")]
    [DataRow("COPY", "COPY requires at least two arguments")]
    public async Task Engine_BadTriggerInTheBaseImageIsCodedAtTheFromLine(string trigger, string message)
    {
        using var lab = await EngineLab.CreateAsync();
        // Docker refuses to write such triggers, but an image made by another tool may carry them.
        var store = await OciLayoutStore.OpenOrCreateAsync(lab.Store);
        var busybox = await store.ResolveRequiredAsync(ImageReference.Parse("busybox:test"));
        var m = await store.ReadManifestAsync(busybox);
        var config = await store.ReadConfigAsync(m.Config);
        var bad = await ImageCommitter.StoreAsync(store, config with { Config = config.Config! with { OnBuild = [trigger] } }, m.Layers, CancellationToken.None);
        await store.TagAsync(ImageReference.Parse("bad:onb"), bad.Manifest!);
        lab.Write("Dockerfile", "# a base with a broken trigger\nFROM bad:onb\nLABEL x=y\n");

        var r = await lab.BuildAsync("-t", "never:onb");

        Assert.AreEqual(1, r.ExitCode, r.StdOut);
        StringAssert.Contains(r.StdErr, $"Dockerfile:2: CTZ");
        StringAssert.Contains(r.StdErr, $"ONBUILD trigger '{trigger}' of base image 'bad:onb'");
        StringAssert.Contains(r.StdErr, message);
        Assert.IsNull(await store.ResolveAsync(ImageReference.Parse("never:onb")));
    }

    /// <summary>The OnBuild field as Docker 26's BuildKit writes it, for a base stage and a stage built on it.</summary>
    [TestMethod]
    public async Task Engine_OnbuildConfigEqualsDocker26()
    {
        var docker = DockerEngines.Docker26();
        using var lab = await EngineLab.CreateAsync();
        const string dockerfile = """
            FROM scratch AS base
            ONBUILD COPY a.txt /a.txt
            ONBUILD ENV X=1 Y="two words"
            ONBUILD LABEL from=trigger
            FROM base
            ONBUILD COPY --chmod=600 a.txt /b.txt
            """;
        lab.Write("Dockerfile", dockerfile);
        lab.Write("a.txt", "a\n");
        foreach (var target in new[] { "base", "" })
        {
            var extra = target.Length > 0 ? new[] { "--target", target } : [];
            var ours = await lab.BuildAsync(["-t", "ours:onb", .. extra]);
            Assert.AreEqual(0, ours.ExitCode, ours.StdErr + ours.StdOut);
            var (_, config) = await lab.ImageAsync("ours:onb");

            var tag = "ctz-onbuild-diff:" + Guid.NewGuid().ToString("N")[..12];
            var build = await ProcessRunner.RunAsync(docker, ["build", "-q", "-t", tag, .. extra, lab.Context], timeout: TimeSpan.FromMinutes(2));
            Assert.AreEqual(0, build.ExitCode, build.StdErr);
            try
            {
                var inspect = await ProcessRunner.RunAsync(docker, ["image", "inspect", tag, "--format", "{{json .Config}}"], timeout: TimeSpan.FromMinutes(1));
                Assert.AreEqual(0, inspect.ExitCode, inspect.StdErr);
                using var theirs = JsonDocument.Parse(inspect.StdOut);
                var onBuild = theirs.RootElement.TryGetProperty("OnBuild", out var ob) && ob.ValueKind == JsonValueKind.Array
                    ? ob.EnumerateArray().Select(e => e.GetString()!).ToArray()
                    : [];
                CollectionAssert.AreEqual(onBuild, (config.Config?.OnBuild ?? []).ToArray(), $"target '{target}'");
                var env = theirs.RootElement.GetProperty("Env").EnumerateArray().Select(e => e.GetString()!).ToArray();
                CollectionAssert.AreEqual(env, config.Config!.Env!.ToArray(), $"target '{target}'");
            }
            finally
            {
                await ProcessRunner.RunAsync(docker, ["rmi", "-f", tag], timeout: TimeSpan.FromMinutes(1));
            }
        }
    }
}
