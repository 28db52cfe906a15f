using System.Text;
using Containerize.Tests.Infrastructure;

namespace Containerize.Tests.Context;

/// <summary>
/// Builds <c>FROM scratch</c> + <c>COPY . /</c> with Docker 26's BuildKit on tricky trees and checks that
/// <c>containerize context ls</c> lists exactly the files and symlinks BuildKit put in the image.
/// </summary>
[TestClass]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class DockerDifferentialTests
{
    private const string CopyAll = "FROM scratch\nCOPY . /\n";

    public TestContext TestContext { get; set; } = null!;

    public static IEnumerable<TestDataRow<(string Name, string? Dockerfile, string[] Tree)>> Trees()
    {
        yield return Row("exception-under-excluded-folder", null,
            $"Dockerfile={CopyAll}", ".dockerignore=docs\n!docs/README.md\n", "a", "docs/README.md", "docs/other.md", "docs/deep/x");
        yield return Row("ignore-file-excludes-itself-and-dockerfile", null,
            $"Dockerfile={CopyAll}", ".dockerignore=Dockerfile\n.dockerignore\n*.md\n!README.md\n", "README.md", "CHANGES.md", "src/a.md", "src/b.cs");
        yield return Row("doublestar-and-wildcard-exceptions", null,
            $"Dockerfile={CopyAll}", ".dockerignore=**/*.log\n!keep/**/*.log\nbuild/\n*/tmp*\n", "a.log", "x/b.log", "keep/c.log", "keep/d/e.log",
            "build/out.dll", "src/tmp1", "src/tmpdir/f", "src/deep/tmp2", "src/ok.txt");
        yield return Row("odd-names-and-escapes", null,
            $"Dockerfile={CopyAll}", ".dockerignore=\\[x\\].txt\nsp ace/\n\u00fc*\n", "a b.txt", "[x].txt", "[y].txt", "sp ace/f", "\u00fcber.txt", "\u00e9t\u00e9.txt",
            "q?.txt", "\U0001F600.txt");
        yield return Row("symlinks-and-empty-folders", null,
            $"Dockerfile={CopyAll}", ".dockerignore=hidden\n", "a", "in -> a", "out -> ../../../etc/passwd", "abs -> /etc/hostname", "dir/link -> ../a", "empty/",
            "hidden/x", "hiddenlink -> hidden");
        yield return Row("ignore-file-syntax", null,
            $"Dockerfile={CopyAll}", ".dockerignore=\uFEFF# comment\r\n  /lead/slash  \r\n #notacomment\r\nx/../dotdot\r\n./dot\r\n! dot/keep\r\n", "lead/slash", "lead/other",
            " #notacomment", "dotdot", "dot/keep", "dot/drop", "x/y");
        yield return Row("dockerfile-specific-ignore", "build/App.Dockerfile",
            $"build/App.Dockerfile={CopyAll}", "build/App.Dockerfile.dockerignore=foo\n", ".dockerignore=bar\n", "foo", "bar");
        yield return Row("everything-excluded-but-one-deep-file", null,
            $"Dockerfile={CopyAll}", ".dockerignore=*\n!src/app/**/*.cs\n", "src/app/a/b.cs", "src/app/a/b.txt", "src/lib/c.cs", "top.cs");
    }

    private static TestDataRow<(string, string?, string[])> Row(string name, string? dockerfile, params string[] tree) =>
        new((name, dockerfile, tree)) { DisplayName = $"{nameof(Differential_BuildKitCopiesWhatContextLsLists)} ({name})" };

    [TestMethod]
    [DynamicData(nameof(Trees))]
    public async Task Differential_BuildKitCopiesWhatContextLsLists((string Name, string? Dockerfile, string[] Tree) data)
    {
        var docker = DockerEngines.Docker26();
        using var dir = new TempDir("ctz-diff");
        var context = dir.Combine("ctx");
        Directory.CreateDirectory(context);
        ContextTreeBuilder.Create(context, data.Tree);
        var output = dir.Combine("out");

        var args = new List<string> { "build", "-q", "--no-cache", "-o", $"type=local,dest={output}" };
        if (data.Dockerfile is not null) args.AddRange(["-f", Path.Combine(context, data.Dockerfile)]);
        args.Add(context);
        var build = await ProcessRunner.RunAsync(docker, args, workingDirectory: context, timeout: TimeSpan.FromMinutes(3));
        build.EnsureSuccess("docker build");
        var buildkit = FilesAndLinks(output);

        var lsArgs = new List<string> { "context", "ls" };
        if (data.Dockerfile is not null) lsArgs.AddRange(["-f", Path.Combine(context, data.Dockerfile)]);
        lsArgs.Add(context);
        var ls = await CliRunner.RunAsync(context, lsArgs.ToArray());
        Assert.AreEqual(0, ls.ExitCode, ls.StdErr);
        var ours = ls.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries).ToList();
        TestContext.WriteLine("buildkit: " + string.Join(" | ", buildkit));
        TestContext.WriteLine("ours:     " + string.Join(" | ", ours));
        CollectionAssert.AreEqual(buildkit, ours);
    }

    // Regular files and symlinks under the exported root, '/'-separated, in byte-wise order.
    private static List<string> FilesAndLinks(string root)
    {
        var result = new List<string>();
        void Walk(string dir, string rel)
        {
            foreach (var info in new DirectoryInfo(dir).EnumerateFileSystemInfos())
            {
                var path = rel.Length == 0 ? info.Name : rel + "/" + info.Name;
                if (info.LinkTarget is not null || info is FileInfo) result.Add(path);
                else Walk(info.FullName, path);
            }
        }

        Walk(root, "");
        result.Sort((a, b) => Containerize.Core.Context.GoPath.CompareOrdinalUtf8(a, b));
        return result;
    }
}
