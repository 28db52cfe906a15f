using Containerize.Core.Handoff;

namespace Containerize.Tests.Engines;

/// <summary>Failure reports read from output captured from the real engines (dockerd 20.10, Docker 26, podman 4.3).</summary>
[TestClass]
public sealed class BuildOutputParserTests
{
    private static BuildFailure Parse(string output, int exit = 1, string? dockerfile = null, string? name = null)
    {
        var parser = new BuildOutputParser(10, name);
        foreach (var line in output.Split('\n')) parser.Add(EngineProcess.StripAnsi(line));
        return parser.Failure(exit, dockerfile)!;
    }

    [TestMethod]
    public void BuildKitPlainOfDocker26()
    {
        var f = Parse("""
            #5 [2/3] RUN echo one
            #5 0.161 one
            #5 DONE 0.3s

            #6 [build 3/3] RUN echo out-line; exit 3
            #6 0.210 out-line
            #6 0.216 err-line
            #6 ERROR: process "/bin/sh -c echo out-line; exit 3" did not complete successfully: exit code: 3
            ------
             > [build 3/3] RUN echo out-line; exit 3:
            0.210 out-line
            ------
            Dockerfile.web:7
            --------------------
               7 | >>> RUN echo out-line; exit 3
            --------------------
            ERROR: failed to solve: process "/bin/sh -c echo out-line; exit 3" did not complete successfully: exit code: 3
            """, name: "Dockerfile.web");
        Assert.AreEqual("build 3/3", f.Step);
        Assert.AreEqual("RUN echo out-line; exit 3", f.Instruction);
        Assert.AreEqual(3, f.ExitCode);
        Assert.AreEqual(7, f.DockerfileLine);
        CollectionAssert.AreEqual(new[] { "out-line", "err-line" }, f.LastOutput.ToArray());
        StringAssert.StartsWith(f.Message, "failed to solve: process");
    }

    [TestMethod]
    public void BuildKitOfDocker20HasNoLineSoItIsLookedUp()
    {
        var f = Parse("""
            #6 [3/3] RUN exit 5
            #6 sha256:4f826acc78da217e0f0338c4890b62e489f5f7ff80b2e9f37544fecf1f780309
            #6 ERROR: executor failed running [/bin/sh -c exit 5]: exit code: 5
            ------
             > [3/3] RUN exit 5:
            ------
            executor failed running [/bin/sh -c exit 5]: exit code: 5
            """, dockerfile: "FROM x\n\nRUN true\nrun exit 5\n");
        Assert.AreEqual("3/3", f.Step);
        Assert.AreEqual(5, f.ExitCode);
        Assert.AreEqual(4, f.DockerfileLine);
        Assert.AreEqual(0, f.LastOutput.Count);
    }

    [TestMethod]
    public void ClassicBuilder()
    {
        var f = Parse("""
            Step 2/4 : RUN echo one
             ---> Running in 9d3d4e1e3008
            one
            Removing intermediate container 9d3d4e1e3008
             ---> 37892593330b
            Step 3/4 : RUN echo out-line; echo err-line >&2; exit 3
             ---> Running in 324c8bb5baad
            out-line
            [91merr-line
            [0m
            The command '/bin/sh -c echo out-line; echo err-line >&2; exit 3' returned a non-zero code: 3
            """.Replace("[91m", "\u001b[91m").Replace("[0m", "\u001b[0m"), exit: 3);
        Assert.AreEqual("3/4", f.Step);
        Assert.AreEqual("RUN echo out-line; echo err-line >&2; exit 3", f.Instruction);
        Assert.AreEqual(3, f.ExitCode);
        CollectionAssert.AreEqual(new[] { "out-line", "err-line" }, f.LastOutput.ToArray());
    }

    [TestMethod]
    public void ClassicCopyFailureHasNoExitCode()
    {
        var f = Parse("""
            Step 2/2 : COPY missing.txt /m
            COPY failed: file not found in build context or excluded by .dockerignore: stat missing.txt: file does not exist
            """);
        Assert.AreEqual("2/2", f.Step);
        Assert.IsNull(f.ExitCode);
        StringAssert.StartsWith(f.Message, "COPY failed:");
    }

    [TestMethod]
    public void Buildah()
    {
        var f = Parse("""
            STEP 3/4: RUN echo out-line; exit 3
            out-line
            Error: building at STEP "RUN echo out-line; exit 3": while running runtime: exit status 3
            """, exit: 3);
        Assert.AreEqual("3/4", f.Step);
        Assert.AreEqual(3, f.ExitCode);
        CollectionAssert.AreEqual(new[] { "out-line" }, f.LastOutput.ToArray());
    }

    [TestMethod]
    public void KeepsOnlyTheLastLines()
    {
        var lines = string.Join('\n', Enumerable.Range(1, 30).Select(i => $"#4 0.{i:000} line{i}"));
        var f = Parse("#4 [1/1] RUN x\n" + lines + "\n#4 ERROR: exit code: 1");
        Assert.AreEqual(10, f.LastOutput.Count);
        Assert.AreEqual("line30", f.LastOutput[^1]);
    }

    [TestMethod]
    public void NoFailureOnSuccess() => Assert.IsNull(new BuildOutputParser().Failure(0));

    [TestMethod]
    public void FindLineRefusesAmbiguity() => Assert.IsNull(BuildOutputParser.FindLine("RUN make\nRUN make\n", "RUN make"));
}
