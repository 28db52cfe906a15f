using Containerize.Tests.Infrastructure;
using YamlDotNet.RepresentationModel;

namespace Containerize.Tests.Repository;

/// <summary>
/// The GitHub workflow runs on Windows and macOS runners, which this CI does not have: it is kept valid here. It
/// parses, runs the Host-mode publish on the three OSes, checks the archive with the CLI, compares the digests, and
/// every path and CLI command it names exists.
/// </summary>
[TestClass]
public sealed class WorkflowTests
{
    private static readonly string WorkflowPath = Path.Combine(RepoPaths.Root, ".github", "workflows", "cross-platform.yml");

    [TestMethod]
    public void Workflow_PublishesOnUbuntuWindowsAndMacAndComparesTheDigests()
    {
        var root = Load();
        var jobs = (YamlMappingNode)root["jobs"];
        var publish = (YamlMappingNode)jobs["publish"];
        var oses = ((YamlSequenceNode)((YamlMappingNode)((YamlMappingNode)publish["strategy"])["matrix"])["os"]).Select(n => n.ToString()).ToArray();
        CollectionAssert.AreEquivalent(new[] { "ubuntu-latest", "windows-latest", "macos-latest" }, oses);
        Assert.AreEqual("${{ matrix.os }}", publish["runs-on"].ToString());

        var runs = Steps(publish).Select(s => s.Children.TryGetValue("run", out var r) ? r.ToString() : "").ToList();
        var publishStep = runs.Single(r => r.Contains("dotnet publish", StringComparison.Ordinal));
        StringAssert.Contains(publishStep, "-p:ContainerBuild=true");
        StringAssert.Contains(publishStep, "-p:ContainerArchiveOutputPath=");
        StringAssert.Contains(publishStep, "--os linux --arch x64", "one platform, so the digests can be compared");
        Assert.IsFalse(publishStep.Contains("ContainerBuildEngine", StringComparison.Ordinal), "the builtin engine, no daemon");
        Assert.IsTrue(runs.Any(r => r.Contains("src/Containerize.Cli", StringComparison.Ordinal) && r.Contains(" load ", StringComparison.Ordinal)), "the CLI reads the archive");

        var compare = (YamlMappingNode)jobs["same-image"];
        Assert.AreEqual("publish", compare["needs"].ToString());
        StringAssert.Contains(string.Join("\n", Steps(compare).Select(s => s.Children.TryGetValue("run", out var r) ? r.ToString() : "")), "sort -u");
    }

    [TestMethod]
    public async Task Workflow_EveryPathAndCliCommandItNamesExists()
    {
        var text = await File.ReadAllTextAsync(WorkflowPath);
        foreach (var path in new[] { "sdk/Containerize.Sdk", "samples/HelloConsole", "src/Containerize.Cli" })
        {
            StringAssert.Contains(text, path);
            Assert.IsTrue(Directory.Exists(Path.Combine(RepoPaths.Root, path)), path);
        }

        StringAssert.Contains(text, "obj/container/image.json");
        StringAssert.Contains(text, "['manifestDigest']", "the field image.json has");
        foreach (var command in new[] { "load", "store check", "images" })
        {
            var help = await CliRunner.RunAsync(RepoPaths.Root, [.. command.Split(' '), "--help"]);
            Assert.AreEqual(0, help.ExitCode, $"containerize {command} --help: {help.StdErr}");
        }

        // Actions are pinned to a major version, as GitHub recommends at the least.
        foreach (var step in Load().AllNodes.OfType<YamlMappingNode>().Where(m => m.Children.ContainsKey("uses")))
        {
            StringAssert.Matches(step["uses"].ToString(), new System.Text.RegularExpressions.Regex(@"^actions/[a-z-]+@v\d+$"));
        }
    }

    private static YamlMappingNode Load()
    {
        var yaml = new YamlStream();
        using var reader = new StringReader(File.ReadAllText(WorkflowPath));
        yaml.Load(reader);
        return (YamlMappingNode)yaml.Documents.Single().RootNode;
    }

    private static IEnumerable<YamlMappingNode> Steps(YamlMappingNode job) => ((YamlSequenceNode)job["steps"]).Cast<YamlMappingNode>();
}
