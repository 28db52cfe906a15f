using Containerize.Tests.Infrastructure;

namespace Containerize.Tests.Dockerfiles;

/// <summary><c>containerize dockerfile dump</c>, in-process, over BuildKit's corpus and ours: stdout must equal <c>result</c> byte for byte.</summary>
[TestClass]
public sealed class CliDumpTests
{
    public static string OwnCorpus => Path.Combine(RepoPaths.Root, "tests", "Containerize.Tests", "Dockerfiles", "Corpus");

    public static IEnumerable<object?[]> Cases()
    {
        foreach (var row in ParserCorpus.Folders("testfiles"))
        {
            yield return [$"conformance: {row[0]}", row[1]];
        }

        foreach (var d in Directory.GetDirectories(OwnCorpus).OrderBy(p => p, StringComparer.Ordinal))
        {
            yield return [$"own: {Path.GetFileName(d)}", d];
        }
    }

    [TestMethod]
    [DynamicData(nameof(Cases), DynamicDataDisplayName = nameof(ParserCorpus.DisplayName), DynamicDataDisplayNameDeclaringType = typeof(ParserCorpus))]
    public async Task Cli_Dump(string label, string? dir)
    {
        ParserCorpus.RequirePresent(dir);
        var r = await CliRunner.RunAsync(dir!, "dockerfile", "dump", "Dockerfile");
        Assert.AreEqual(0, r.ExitCode, r.StdErr);
        CollectionAssert.AreEqual(File.ReadAllBytes(Path.Combine(dir!, "result")), r.RawStdOut, label + "\n" + r.StdOut);
    }

    [TestMethod]
    public void Cli_Dump_OwnCorpusIsComplete()
    {
        // Every folder needs both files, or the data-driven test above would silently test less.
        var dirs = Directory.GetDirectories(OwnCorpus);
        Assert.IsGreaterThanOrEqualTo(6, dirs.Length);
        foreach (var d in dirs)
        {
            Assert.IsTrue(File.Exists(Path.Combine(d, "Dockerfile")), d);
            Assert.IsTrue(File.Exists(Path.Combine(d, "result")), d);
        }
    }

    [TestMethod]
    public async Task Cli_Dump_ParseErrorIsCodedWithFileAndLine()
    {
        using var tmp = new TempDir();
        tmp.Write("Dockerfile", "FROM scratch\nCMD [\"a\", 1]\n");
        var r = await CliRunner.RunAsync(tmp.Path, "dockerfile", "dump", "Dockerfile");
        Assert.AreEqual(1, r.ExitCode);
        StringAssert.StartsWith(r.StdErr, "Dockerfile:2: CTZ1006 when using JSON array syntax");
        StringAssert.Contains(r.StdErr, "hint:");
        Assert.AreEqual("", r.StdOut);
    }

    [TestMethod]
    public async Task Cli_Dump_MissingFile()
    {
        using var tmp = new TempDir();
        var r = await CliRunner.RunAsync(tmp.Path, "dockerfile", "dump", "nope/Dockerfile");
        Assert.AreEqual(1, r.ExitCode);
        StringAssert.StartsWith(r.StdErr, "CTZ0003 Dockerfile not found");
    }

    [TestMethod]
    public async Task Cli_Dump_WarningsGoToStderr()
    {
        using var tmp = new TempDir();
        tmp.Write("Dockerfile", "FROM scratch\nRUN a \\\n\n  b\n");
        var r = await CliRunner.RunAsync(tmp.Path, "dockerfile", "dump", "Dockerfile");
        Assert.AreEqual(0, r.ExitCode);
        Assert.AreEqual("(from \"scratch\")\n(run \"a   b\")\n", r.StdOut);
        StringAssert.StartsWith(r.StdErr, "Dockerfile:4: warning CTZ1050: Empty continuation line found in: RUN a   b");
    }
}
