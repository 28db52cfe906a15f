using System.Runtime.Versioning;
using Containerize.Tests.Infrastructure;

namespace Containerize.Tests.Building.Differential;

/// <summary>
/// Issue #17.3: a context symlink is never followed out of the context. Each case builds from <see cref="SymlinkLab"/>'s
/// hostile contexts with Docker 26's BuildKit and with our engine: where BuildKit builds, the two images must be the
/// same tree (types, link targets, modes, contents, and what RUN steps saw through their bind mounts); where BuildKit
/// fails, we fail too, with the code given. Either way no canary secret, nor its digest, is in our image or store.
/// </summary>
[TestClass]
[DoNotParallelize]
[SupportedOSPlatform("linux")]
public sealed class ContextSymlinkDifferentialTests
{
    private const string Base = DifferentialCorpus.Base;
    private const string Scratch = "FROM scratch\n";
    private const string Busybox = "FROM " + Base + "\n";

    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static SymlinkLab? _lab;

    public TestContext TestContext { get; set; } = null!;

    /// <summary>A case: its Dockerfile ({ROOT} is the lab folder), its context, whether the hostile context is also the named context n, and the code we must fail with (null: both build).</summary>
    public sealed record Case(string Name, string Dockerfile, string Context = "hostile", bool Named = false, string? Fails = null)
    {
        public override string ToString() => Name;
    }

    public static IEnumerable<TestDataRow<Case>> Cases()
    {
        // COPY and ADD: a source that is a link, or goes through one, is read where it leads inside the context.
        yield return Row(new("source-links-resolve-inside", Scratch + """
            COPY abs-a-file climb-a /f/
            COPY chain1 /chain/
            COPY up-a /up/
            COPY in-dir /in/
            ADD abs-a-tar /x/
            """));
        yield return Row(new("path-through-linked-folder", Scratch + """
            COPY abs-a-dir/secret.txt /t/
            COPY up-a/secret.txt /u/
            COPY chain1/sub /sub/
            COPY in-dir/file.txt /i/
            """));
        yield return Row(new("folder-holding-links-keeps-them", Scratch + """
            COPY links /links/
            COPY . /all/
            """));
        // A wildcard: the folder before it is resolved, its matches are followed, but it never walks through a linked
        // folder (*/only.txt must not reach abs-a-dir/only.txt, which sorts after aaa/only.txt and would win).
        yield return Row(new("wildcards", Scratch + """
            COPY abs-a-* /w1/
            COPY abs-a-dir/s* /w2/
            COPY */only.txt /w3/
            COPY chain1/*/deep.txt /w4/
            """));

        // Links that lead nowhere inside the context (only on this machine) fail, as in BuildKit.
        foreach (var (name, source) in new[]
        {
            ("absolute", "abs-b-file"), ("climbing", "climb-b"), ("up-one", "up-b"), ("chain", "chain-b1"), ("loop", "loop1"),
            ("through-folder", "abs-b-dir/secret.txt"), ("wildcard-under-folder", "abs-b-dir/*"), ("wildcard-matching-link", "abs-b-*"),
        })
        {
            yield return Row(new("copy-fails-" + name, Scratch + $"COPY {source} /x/\n", Fails: "CTZ5010"));
        }

        yield return Row(new("add-fails-archive-link", Scratch + "ADD abs-b-tar /x/\n", Fails: "CTZ5010"));

        // RUN --mount=type=bind from the context: the whole context shows its links as links (the container resolves
        // them in its own rootfs); source= is resolved inside the context, read-only and read-write.
        yield return Row(new("bind-whole-context", Busybox + """
            RUN --mount=type=bind,target=/m cd /m && find . | sort | while read f; do if [ -L "$f" ]; then echo "$f -> $(readlink "$f") [$(md5sum < "$f" 2>/dev/null || echo unresolved)]"; elif [ -f "$f" ]; then echo "$f = $(md5sum < "$f")"; else echo "$f/"; fi; done > /r.txt
            """));
        yield return Row(new("bind-source-links", Busybox + """
            RUN --mount=type=bind,source=abs-a-dir,target=/d --mount=type=bind,source=climb-a,target=/f --mount=type=bind,source=up-a/secret.txt,target=/u --mount=type=bind,source=chain1/sub,target=/s (cat /d/secret.txt /d/only.txt /f /u /s/deep.txt; ls /d) > /r.txt
            """));
        yield return Row(new("bind-source-link-rw", Busybox + """
            RUN --mount=type=bind,source=chain1,target=/d,rw (cat /d/secret.txt; echo written > /d/new; cat /d/new; ls /d) > /r.txt
            """));
        foreach (var (name, source, rw) in new[] { ("absolute", "abs-b-dir", ""), ("through-folder", "abs-b-dir/secret.txt", ""), ("up-one-rw", "up-b", ",rw"), ("loop", "loop1", "") })
        {
            // The step reads the secret wherever the mount leads, so a mount of the host folder also leaves it in the layer.
            yield return Row(new("bind-fails-" + name, Busybox + $"RUN --mount=type=bind,source={source},target=/d{rw} (cat /d/secret.txt || cat /d) > /r.txt 2>/dev/null; true\n", Fails: "CTZ5010"));
        }

        // A named context (--build-context n=hostile) behaves as the main one: bind from=, COPY --from, FROM. (RUN comes
        // first so that a mount of the host folder leaves the secret in a layer even if a COPY then fails.)
        yield return Row(new("named-context", """
            FROM n AS files
            FROM ctz-diff/busybox:1
            RUN --mount=type=bind,from=n,source=abs-a-dir,target=/d --mount=type=bind,from=n,source=up-a,target=/u (cat /d/secret.txt /u/secret.txt) > /r.txt
            COPY --from=n abs-a-file /n/
            COPY --from=n abs-a-dir/sub /nsub/
            COPY --from=files / /files/
            """, Context: "empty", Named: true));
        yield return Row(new("named-copy-fails", Scratch + "COPY --from=n abs-b-file /x/\n", Context: "empty", Named: true, Fails: "CTZ5010"));
        yield return Row(new("named-bind-fails", Busybox + "RUN --mount=type=bind,from=n,source=climb-b,target=/f cat /f > /r.txt\n", Context: "empty", Named: true, Fails: "CTZ5010"));

        // A stage's links are resolved inside the stage: the stage's folder at the canary's path, never the host's.
        yield return Row(new("stage-links", """
            FROM ctz-diff/busybox:1 AS s
            RUN mkdir -p {ROOT}/canary-a && echo stage > {ROOT}/canary-a/secret.txt && ln -s {ROOT}/canary-a /lnk && ln -s ../../../../../../../../../../../..{ROOT}/canary-a/secret.txt /climb
            FROM ctz-diff/busybox:1
            RUN --mount=type=bind,from=s,source=lnk,target=/d --mount=type=bind,from=s,source=climb,target=/f (cat /d/secret.txt /f) > /r.txt
            COPY --from=s /lnk/secret.txt /s/
            """, Context: "empty"));

        // .dockerignore as a link: read where it leads inside the context, not from the host file it names.
        yield return Row(new("ignore-file-link-outside", Scratch + "COPY . /out/\n", Context: "ign-out"));
        yield return Row(new("ignore-file-link-inside", Scratch + "COPY . /out/\n", Context: "ign-in"));
    }

    private static TestDataRow<Case> Row(Case c) => new(c) { DisplayName = $"{nameof(Differential_ContextSymlinks)} ({c.Name})" };

    [ClassCleanup]
    public static void Cleanup() => _lab?.Dispose();

    [TestMethod]
    [DynamicData(nameof(Cases))]
    public async Task Differential_ContextSymlinks(Case c)
    {
        var lab = await LabAsync();
        var dockerfile = lab.WriteDockerfile(c.Name, c.Dockerfile);
        var context = lab.ContextPath(c.Context);
        var named = c.Named ? lab.ContextPath("hostile") : null;
        var theirs = await lab.BuildKitAsync(c.Name, dockerfile, context, named);
        var ours = await lab.OursAsync(c.Name, dockerfile, context, named);
        TestContext.WriteLine($"buildkit: exit {theirs.ExitCode}\n{theirs.Output}\nbuiltin: exit {ours.ExitCode}\n{ours.Output}");

        if (theirs.Image is { } b) Assert.IsEmpty(lab.LayersWithCanary(b).ToList(), "the case itself is wrong: BuildKit read a canary");
        if (ours.Image is { } o) Assert.IsEmpty(lab.LayersWithCanary(o).ToList(), $"{c.Name}: our image holds a canary secret: a link was followed on this machine");
        var leaked = lab.StoreFilesWithCanary(c.Name).ToList();
        Assert.IsEmpty(leaked, $"{c.Name}: our store holds a canary secret or its digest:\n{string.Join("\n", leaked)}");

        if (c.Fails is { } code)
        {
            Assert.AreNotEqual(0, theirs.ExitCode, $"{c.Name}: BuildKit built it, so it is no failure case");
            Assert.AreNotEqual(0, ours.ExitCode, $"{c.Name}: BuildKit fails, we built it:\n{ours.Output}");
            StringAssert.Contains(ours.Output, code, $"{c.Name}: the failure's code");
            return;
        }

        Assert.AreEqual(0, theirs.ExitCode, $"{c.Name}: docker build failed:\n{theirs.Output}");
        Assert.AreEqual(0, ours.ExitCode, $"{c.Name}: containerize build failed:\n{ours.Output}");
        // The trees only: this is about files. (The config differs on FROM scratch, where Docker 26 writes WorkingDir "/":
        // another matter.)
        var differences = ImageComparer.Compare(theirs.Image!, ours.Image!, "buildkit", "builtin").Where(d => d.StartsWith('/')).ToList();
        Assert.IsNotEmpty(ours.Image!.Tree, "an image with no files compares equal to anything");
        foreach (var (path, node) in ours.Image.Tree.Where(kv => c.Dockerfile.StartsWith(Scratch, StringComparison.Ordinal) || kv.Key is "r.txt" or "s" or "s/secret.txt" or "n" or "nsub"))
        {
            TestContext.WriteLine($"/{path}: {node}");
        }
        Assert.IsEmpty(differences, $"{c.Name}: our image differs from BuildKit's:\n{string.Join("\n", differences)}");
    }

    private static async Task<SymlinkLab> LabAsync()
    {
        await Gate.WaitAsync();
        try
        {
            return _lab ??= await SymlinkLab.CreateAsync();
        }
        finally
        {
            Gate.Release();
        }
    }
}
