using System.Reflection;
using Containerize.Core.Generation;
using Containerize.Tests.Infrastructure;

namespace Containerize.Tests.Generation;

/// <summary>
/// The generated Dockerfiles, compared byte for byte with the reviewed snapshots in Generation/Snapshots.
/// CTZ_UPDATE_SNAPSHOTS=1 rewrites them (then review the diff).
/// </summary>
[TestClass]
public sealed class DockerfileSnapshotTests
{
    public static IEnumerable<object[]> Cases() =>
        SampleProjects.SnapshotCases().SelectMany(c => new[] { new object[] { c.Name, "host" }, new object[] { c.Name, "container" } });

    public static string CaseName(MethodInfo method, object[] data) => $"{method.Name} ({data[0]}, {data[1]} mode)";

    [TestMethod]
    [DynamicData(nameof(Cases), DynamicDataDisplayName = nameof(CaseName))]
    public void Snapshot_Dockerfile(string name, string mode)
    {
        var model = SampleProjects.SnapshotCases().Single(c => c.Name == name).Model;
        var plan = ContainerPlanner.Plan(model, SampleProjects.Now);
        var text = mode == "host"
            ? DockerfileWriter.WriteHostMode(plan, LayerPlanner.Plan(SampleProjects.PublishOutput(model), plan.Project.Container.ContainerLayering, false, model.ProjectPath))
            : DockerfileWriter.WriteContainerMode(plan);
        AssertSnapshot($"{name}.{mode}.Dockerfile", text);
    }

    [TestMethod]
    public void Snapshot_Dockerignore()
    {
        AssertSnapshot("Dockerfile.dockerignore", IgnoreFiles.DockerignoreText("src/App/Dockerfile"));
    }

    internal static void AssertSnapshot(string fileName, string actual)
    {
        var path = Path.Combine(RepoPaths.Root, "tests", "Containerize.Tests", "Generation", "Snapshots", fileName);
        if (Environment.GetEnvironmentVariable("CTZ_UPDATE_SNAPSHOTS") == "1")
        {
            File.WriteAllText(path, actual);
            return;
        }

        Assert.IsTrue(File.Exists(path), $"snapshot {path} is missing (run with CTZ_UPDATE_SNAPSHOTS=1 and review it)");
        var expected = File.ReadAllText(path);
        if (expected != actual)
        {
            Assert.Fail($"{fileName} differs from its snapshot.\n--- expected\n{expected}\n--- actual\n{actual}");
        }
    }
}
