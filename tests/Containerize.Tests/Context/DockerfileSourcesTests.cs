using Containerize.Tests.Infrastructure;

namespace Containerize.Tests.Context;

/// <summary>`context ls -f` warns when the Dockerfile copies something the ignore file excludes (CTZ2106).</summary>
[TestClass]
public sealed class DockerfileSourcesTests
{
    [TestMethod]
    public async Task ContextLsWarnsAboutExcludedCopySources()
    {
        using var dir = new TempDir("ctz-src");
        dir.Write("Dockerfile", "FROM scratch\nCOPY app/ /app/\nCOPY secrets/key.txt /k\nCOPY --from=build /out /out\nADD docs/*.md /docs/\nCOPY $X /x\n");
        dir.Write(".dockerignore", "# keep the context small\nsecrets\ndocs\n");
        dir.Write("app/a.txt", "a");
        dir.Write("secrets/key.txt", "k");
        dir.Write("docs/readme.md", "r");

        var r = await CliRunner.RunAsync(dir.Path, "context", "ls", dir.Path);

        Assert.AreEqual(0, r.ExitCode, r.StdErr);
        Assert.AreEqual(".dockerignore\nDockerfile\napp/a.txt\n", r.StdOut);
        var warnings = r.StdErr.Split('\n').Where(l => l.Contains("CTZ2106", StringComparison.Ordinal)).ToList();
        Assert.HasCount(2, warnings, r.StdErr);
        StringAssert.Contains(warnings[0], "Dockerfile:3: warning CTZ2106: COPY/ADD source 'secrets/key.txt' is excluded by .dockerignore line 2: secrets");
        StringAssert.Contains(warnings[1], "Dockerfile:5: warning CTZ2106: COPY/ADD source 'docs/*.md' is excluded by .dockerignore line 3: docs");
    }

    [TestMethod]
    public async Task StrictMakesAnExcludedSourceAnError()
    {
        using var dir = new TempDir("ctz-src");
        dir.Write("Dockerfile", "FROM scratch\nCOPY secrets/ /s/\n");
        dir.Write(".dockerignore", "secrets\n");
        dir.Write("secrets/key.txt", "k");

        var r = await CliRunner.RunAsync(dir.Path, "context", "ls", "--strict", dir.Path);

        Assert.AreEqual(1, r.ExitCode, r.StdErr);
        StringAssert.Contains(r.StdErr, "Dockerfile:2: CTZ2106 COPY/ADD source 'secrets/' is excluded by .dockerignore line 1: secrets");
    }
}
