using System.Runtime.Versioning;
using Containerize.Core.Building;
using Containerize.Core.Building.Output;
using Containerize.Core.Building.Plan;
using Containerize.Core.Diagnostics;
using Containerize.Core.Images.Oci;
using Containerize.Core.Images.Store;
using Containerize.Tests.Infrastructure;

namespace Containerize.Tests.Building;

/// <summary>Independent stages build concurrently: proven by a rendezvous neither RUN can pass alone, not by timings.</summary>
[TestClass]
[SupportedOSPlatform("linux")]
public sealed class EngineParallelTests
{
    /// <summary>Each RUN marks its arrival in a shared cache mount and waits (up to 30 s) for the other's mark.</summary>
    private static string Rendezvous(string id, string me, string other, string then = "exit 0") =>
        $"RUN --mount=type=cache,id={id},target=/meet,sharing=shared touch /meet/{me} && " +
        $"for i in $(seq 1 300); do if [ -e /meet/{other} ]; then {then}; fi; sleep 0.1; done; echo {other} never came; exit 7";

    private static async Task<EngineLab> LabAsync()
    {
        Requirements.Tool("runc");
        Requirements.RequireRoot("runc with namespaces and overlay mounts");
        return await EngineLab.CreateAsync();
    }

    private static BuildRequest Request(EngineLab lab, int parallel, params string[] tags) => new()
    {
        ContextDirectory = lab.Context,
        Tags = tags,
        StorePath = lab.Store,
        RuntimeRoot = lab.RuntimeRoot,
        MaxParallelStages = parallel,
    };

    [TestMethod]
    public async Task Engine_IndependentStagesRunConcurrently()
    {
        using var lab = await LabAsync();
        var id = "meet-" + Guid.NewGuid().ToString("N")[..8];
        lab.Write("Dockerfile", $"""
            FROM busybox:test AS left
            {Rendezvous(id, "left", "right")}
            RUN echo left > /side.txt
            FROM busybox:test AS right
            {Rendezvous(id, "right", "left")}
            RUN echo right > /side.txt
            FROM scratch
            COPY --from=left /side.txt /left.txt
            COPY --from=right /side.txt /right.txt
            """);
        var sink = new CollectingSink();

        var result = await new ImageBuilder(sink).BuildAsync(Request(lab, 2, "par:1"), CancellationToken.None);

        var left = result.Steps.Single(s => s.Stage == "left" && s.Text.Contains("/meet/left", StringComparison.Ordinal));
        var right = result.Steps.Single(s => s.Stage == "right" && s.Text.Contains("/meet/right", StringComparison.Ordinal));
        Assert.IsTrue(left.Started < right.Started + right.Duration && right.Started < left.Started + left.Duration,
            $"the two RUN steps overlap: left {left.Started:O}+{left.Duration}, right {right.Started:O}+{right.Duration}");
        CollectionAssert.AreEqual(Enumerable.Range(1, 9).ToArray(), result.Steps.Select(s => s.Number).ToArray(), "numbers follow the plan");
        Assert.IsTrue(sink.Messages.Any(m => m.StartsWith("[left] Step 2/9 : RUN", StringComparison.Ordinal)), string.Join('\n', sink.Messages));
        Assert.IsTrue(sink.Messages.Any(m => m.StartsWith("[right] Step 5/9 : RUN", StringComparison.Ordinal)), string.Join('\n', sink.Messages));
        var rootfs = await lab.UnpackAsync("par:1");
        Assert.AreEqual("left\n", File.ReadAllText(Path.Combine(rootfs, "left.txt")));
        Assert.AreEqual("right\n", File.ReadAllText(Path.Combine(rootfs, "right.txt")));
    }

    [TestMethod]
    public async Task Engine_ParallelAndSequentialBuildsGiveTheSameDigest()
    {
        using var lab = await LabAsync();
        lab.Write("Dockerfile", """
            FROM busybox:test AS a
            RUN mkdir -p /out && echo a > /out/a.txt && chmod 640 /out/a.txt
            FROM busybox:test AS b
            RUN mkdir -p /out && echo b > /out/b.txt && ln -s b.txt /out/link
            FROM busybox:test
            COPY --from=a /out/ /out/
            COPY --from=b /out/ /out/
            """);

        var parallel = await new ImageBuilder(new CollectingSink()).BuildAsync(Request(lab, 2, "same:par"), CancellationToken.None);
        var sequential = await new ImageBuilder(new CollectingSink()).BuildAsync(Request(lab, 1, "same:seq") with { NoCache = true }, CancellationToken.None);

        Assert.IsTrue(sequential.Steps.Where(s => s.Text.StartsWith("RUN", StringComparison.Ordinal)).All(s => !s.CacheHit), "--no-cache ran every step again");
        Assert.AreEqual(parallel.Image.Manifest!.Digest, sequential.Image.Manifest!.Digest);
    }

    [TestMethod]
    public async Task Engine_AFailingStageCancelsTheOthersAndMovesNoTag()
    {
        using var lab = await LabAsync();
        lab.Write("Dockerfile", "FROM busybox:test\nRUN echo old > /old.txt\n");
        await new ImageBuilder(new CollectingSink()).BuildAsync(Request(lab, 2, "fail:1"), CancellationToken.None);
        var store = await OciLayoutStore.OpenOrCreateAsync(lab.Store);
        var before = await store.ResolveRequiredAsync(ImageReference.Parse("fail:1"));

        var id = "meet-" + Guid.NewGuid().ToString("N")[..8];
        // "slow" would sleep for minutes: only the cancellation can end it; "fails" fails once "slow" is surely running.
        lab.Write("Dockerfile", $"""
            FROM busybox:test AS slow
            RUN --mount=type=cache,id={id},target=/meet,sharing=shared touch /meet/slow && sleep 600
            FROM busybox:test AS fails
            {Rendezvous(id, "fails", "slow", "echo failing-on-purpose; exit 5")}
            FROM scratch
            COPY --from=slow /etc/passwd /a
            COPY --from=fails /etc/passwd /b
            """);

        var error = await Assert.ThrowsExactlyAsync<ContainerizeException>(() => new ImageBuilder(new CollectingSink()).BuildAsync(Request(lab, 2, "fail:1"), CancellationToken.None));

        Assert.AreEqual("CTZ5003", error.Code, error.Message);
        StringAssert.Contains(error.Diagnostic.Message, "returned a non-zero code: 5");
        Assert.AreEqual(4, error.Diagnostic.Line);
        Assert.AreEqual(before.Digest, (await store.ResolveRequiredAsync(ImageReference.Parse("fail:1"))).Digest, "the tag did not move");
        // The failed step's bundle stays; the cancelled one is gone, and nothing stays mounted.
        var kept = Directory.GetDirectories(Path.Combine(lab.RuntimeRoot, "runs"));
        Assert.AreEqual(1, kept.Length, string.Join(", ", kept));
        StringAssert.Contains(error.Diagnostic.Hint, kept[0]);
        StringAssert.Contains(File.ReadAllText(Path.Combine(kept[0], "config.json")), "failing-on-purpose");
        Assert.IsFalse(File.ReadAllText("/proc/self/mountinfo").Contains(lab.RuntimeRoot, StringComparison.Ordinal), "nothing left mounted");
    }
}
