using System.Text.Json;
using Containerize.Core.Generation;
using Containerize.Core.Publishing;
using Containerize.Tests.Infrastructure;

namespace Containerize.Tests.Generation;

/// <summary>
/// The layer plan of a real project: the SDK's own ResolvedFileToPublish items (a self-contained app with a NuGet
/// package and a project reference), mapped onto <see cref="PublishedFile"/> as the MSBuild task maps them, then staged.
/// </summary>
[TestClass]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class RealPublishLayeringTests
{
    [TestMethod]
    public async Task RealPublish_LayersFromResolvedFileToPublish()
    {
        var dotnet = Requirements.Tool("dotnet");
        using var dir = new TempDir("ctz-real-publish");
        dir.Write("Lib/Lib.csproj", "<Project Sdk=\"Microsoft.NET.Sdk\"><PropertyGroup><TargetFramework>net10.0</TargetFramework></PropertyGroup></Project>\n");
        dir.Write("Lib/Greeter.cs", "namespace Lib; public static class Greeter { public static string Hello => \"hello\"; }\n");
        var project = dir.Write("App/App.csproj", """
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup><OutputType>Exe</OutputType><TargetFramework>net10.0</TargetFramework></PropertyGroup>
              <ItemGroup>
                <PackageReference Include="Humanizer.Core" Version="2.14.1" />
                <ProjectReference Include="../Lib/Lib.csproj" />
              </ItemGroup>
            </Project>
            """);
        dir.Write("App/Program.cs", "System.Console.WriteLine(Lib.Greeter.Hello);\n");

        var result = await ProcessRunner.RunAsync(dotnet,
            ["msbuild", project, "-restore", "-nologo", "-nodeReuse:false", "-t:Build;ComputeResolvedFilesToPublishList", "-getItem:ResolvedFileToPublish",
             "-p:Configuration=Release", "-p:RuntimeIdentifier=linux-x64", "-p:SelfContained=true"],
            dir.Path, new Dictionary<string, string?> { ["MSBUILDDISABLENODEREUSE"] = "1", ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1", ["DOTNET_NOLOGO"] = "1" },
            timeout: TimeSpan.FromMinutes(5));
        result.EnsureSuccess("dotnet msbuild -t:Build;ComputeResolvedFilesToPublishList");
        using var json = JsonDocument.Parse(result.StdOut);
        var projectDir = Path.GetDirectoryName(project)!;
        string? M(JsonElement item, string name) => item.TryGetProperty(name, out var v) && v.GetString() is { Length: > 0 } s ? s : null;
        var files = json.RootElement.GetProperty("Items").GetProperty("ResolvedFileToPublish").EnumerateArray()
            .Select(i => new PublishedFile(
                M(i, "RelativePath")!,
                Path.GetFullPath(M(i, "Identity")!, projectDir),
                M(i, "NuGetPackageId"), M(i, "NuGetPackageVersion"), M(i, "MSBuildSourceProjectFile"), M(i, "ReferenceSourceTarget"), M(i, "AssetType")))
            .ToList();

        var plan = LayerPlanner.Plan(files, ContainerLayering.Dependencies, includeSymbols: false, project);
        string[] Layer(string name) => plan.Layers.SingleOrDefault(l => l.Name == name)?.Files.Select(f => f.RelativePath).ToArray() ?? [];
        CollectionAssert.AreEqual(new[] { LayerPlan.Packages, LayerPlan.ProjectReferences, LayerPlan.App }, plan.Layers.Select(l => l.Name).ToArray());
        foreach (var f in new[] { "Humanizer.dll", "System.Private.CoreLib.dll", "libcoreclr.so" }) CollectionAssert.Contains(Layer(LayerPlan.Packages), f);
        CollectionAssert.AreEqual(new[] { "Lib.dll" }, Layer(LayerPlan.ProjectReferences), "Lib.pdb is left out");
        CollectionAssert.AreEquivalent(new[] { "App", "App.deps.json", "App.dll", "App.runtimeconfig.json" }, Layer(LayerPlan.App));

        var context = dir.Combine("App", "obj", "container", "context");
        var staged = await ContextStager.StageAsync(plan, context, CancellationToken.None);
        Assert.AreEqual(plan.AllFiles.Count(), staged.Linked + staged.Copied);
        Assert.IsTrue(File.GetUnixFileMode(Path.Combine(context, "app", "App")).HasFlag(UnixFileMode.UserExecute), "the apphost stays executable");
        Assert.AreEqual(new StagingResult(0, 0, plan.AllFiles.Count(), 0), await ContextStager.StageAsync(plan, context, CancellationToken.None));
    }
}
