using Containerize.Core.Diagnostics;
using Containerize.Core.Generation;
using Containerize.Core.Publishing;
using Containerize.Tests.Infrastructure;

namespace Containerize.Tests.Generation;

/// <summary>The Jib-style layer plan and its staging into a context folder.</summary>
[TestClass]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class LayeringTests
{
    [TestMethod]
    public void Layers_InOrderAndWithoutSymbols()
    {
        var model = SampleProjects.MultiProject();
        var plan = LayerPlanner.Plan(SampleProjects.PublishOutput(model), ContainerLayering.Dependencies, includeSymbols: false, model.ProjectPath);
        CollectionAssert.AreEqual(
            new[] { LayerPlan.Packages, LayerPlan.PrereleasePackages, LayerPlan.ProjectReferences, LayerPlan.StaticWebAssets, LayerPlan.App },
            plan.Layers.Select(l => l.Name).ToArray());
        CollectionAssert.AreEqual(new[] { "Newtonsoft.Json.dll", "Serilog.dll" }, Files(plan, LayerPlan.Packages));
        CollectionAssert.AreEqual(new[] { "Preview.Lib.dll" }, Files(plan, LayerPlan.PrereleasePackages));
        CollectionAssert.AreEqual(new[] { "Shop.Core.dll" }, Files(plan, LayerPlan.ProjectReferences));
        CollectionAssert.AreEqual(new[] { "wwwroot/css/site.css", "wwwroot/favicon.ico" }, Files(plan, LayerPlan.StaticWebAssets));
        CollectionAssert.AreEqual(new[] { "Shop.Web.deps.json", "Shop.Web.dll", "Shop.Web.runtimeconfig.json", "appsettings.json" }, Files(plan, LayerPlan.App));
        Assert.IsFalse(plan.AllFiles.Any(f => f.RelativePath.EndsWith(".pdb", StringComparison.Ordinal)));
    }

    [TestMethod]
    public void Layers_SingleAndSymbols()
    {
        var model = SampleProjects.MultiProject();
        var plan = LayerPlanner.Plan(SampleProjects.PublishOutput(model), ContainerLayering.Single, includeSymbols: true, model.ProjectPath);
        Assert.AreEqual(1, plan.Layers.Count);
        Assert.AreEqual(SampleProjects.PublishOutput(model).Count, plan.Layers[0].Files.Count);
        Assert.IsTrue(plan.AllFiles.Any(f => f.RelativePath == "Shop.Core.pdb"));
    }

    [TestMethod]
    public void Layers_RuntimePackAndNativeSymbols()
    {
        var files = new[]
        {
            new PublishedFile("libcoreclr.so", "/rp/libcoreclr.so", "Microsoft.NETCore.App.Runtime.linux-x64", "10.0.12", AssetType: "native"),
            new PublishedFile("App", "/pub/App"),
            new PublishedFile("App.dbg", "/pub/App.dbg"),
            new PublishedFile("runtimes\\linux-x64\\native\\libe_sqlite3.so", "/n/libe_sqlite3.so", "SQLitePCLRaw.lib.e_sqlite3", "2.1.10+abc", AssetType: "native"),
            new PublishedFile("Own.dll", "/pub/Own.dll", MSBuildSourceProjectFile: "/repo/src/App/App.csproj"),
        };
        var plan = LayerPlanner.Plan(files, ContainerLayering.Dependencies, false, "/repo/src/App/App.csproj");
        CollectionAssert.AreEqual(new[] { "libcoreclr.so", "runtimes/linux-x64/native/libe_sqlite3.so" }, Files(plan, LayerPlan.Packages), "build metadata is not a prerelease");
        CollectionAssert.AreEqual(new[] { "App", "Own.dll" }, Files(plan, LayerPlan.App), "the project's own files are not references; .dbg is left out");
    }

    [TestMethod]
    [DataRow("../escape.dll")]
    [DataRow("/etc/passwd")]
    [DataRow("a/./b.dll")]
    [DataRow("")]
    public void Layers_RejectPathsOutsideThePublishFolder(string relative)
    {
        var e = Assert.ThrowsExactly<ContainerizeException>(() => LayerPlanner.Plan([new PublishedFile(relative, "/x")], ContainerLayering.Dependencies, false, "/p.csproj"));
        Assert.AreEqual(GenerationErrors.InvalidPublishedFile, e.Code);
    }

    [TestMethod]
    public void Layers_RejectDuplicates()
    {
        var e = Assert.ThrowsExactly<ContainerizeException>(() =>
            LayerPlanner.Plan([new PublishedFile("a/b.dll", "/x"), new PublishedFile("a\\b.dll", "/y")], ContainerLayering.Dependencies, false, "/p.csproj"));
        Assert.AreEqual(GenerationErrors.DuplicatePublishedFile, e.Code);
    }

    [TestMethod]
    public async Task Staging_LinksKeepsModesAndIsIncremental()
    {
        using var dir = new TempDir("ctz-stage");
        var pub = dir.Combine("publish");
        var files = new List<PublishedFile>
        {
            new("App", Write(dir, "publish/App", "elf", UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute)),
            new("App.dll", Write(dir, "publish/App.dll", "app")),
            new("Serilog.dll", Write(dir, "nuget/Serilog.dll", "serilog"), "Serilog", "4.0.0"),
            new("wwwroot/site.css", Write(dir, "publish/wwwroot/site.css", "body{}")),
        };
        var context = dir.Combine("obj", "container", "context");
        var plan = LayerPlanner.Plan(files, ContainerLayering.Dependencies, false);

        var first = await ContextStager.StageAsync(plan, context, CancellationToken.None);
        Assert.AreEqual(4, first.Linked, "one file system: every file is hard-linked");
        Assert.AreEqual("elf", File.ReadAllText(Path.Combine(context, "app", "App")));
        Assert.AreEqual("serilog", File.ReadAllText(Path.Combine(context, "packages", "Serilog.dll")));
        Assert.AreEqual("body{}", File.ReadAllText(Path.Combine(context, "static-web-assets", "wwwroot", "site.css")));
        Assert.AreEqual(File.GetUnixFileMode(Path.Combine(pub, "App")), File.GetUnixFileMode(Path.Combine(context, "app", "App")));

        var second = await ContextStager.StageAsync(plan, context, CancellationToken.None);
        Assert.AreEqual(new StagingResult(0, 0, 4, 0), second, "an unchanged publish output leaves the context alone");

        // A rebuilt app.dll (a new file, as the compiler writes it) and a package that went away.
        File.Delete(Path.Combine(pub, "App.dll"));
        File.WriteAllText(Path.Combine(pub, "App.dll"), "app v2");
        File.SetLastWriteTimeUtc(Path.Combine(pub, "App.dll"), DateTime.UtcNow.AddMinutes(1));
        var plan2 = LayerPlanner.Plan(files.Where(f => f.NuGetPackageId is null), ContainerLayering.Dependencies, false);
        var third = await ContextStager.StageAsync(plan2, context, CancellationToken.None);
        Assert.AreEqual(1, third.Linked + third.Copied);
        Assert.AreEqual(2, third.Unchanged);
        Assert.AreEqual(1, third.Removed);
        Assert.AreEqual("app v2", File.ReadAllText(Path.Combine(context, "app", "App.dll")));
        Assert.IsFalse(Directory.Exists(Path.Combine(context, "packages")), "an emptied layer folder is removed");
    }

    [TestMethod]
    public async Task Staging_MissingSourceIsCoded()
    {
        using var dir = new TempDir("ctz-stage");
        var plan = LayerPlanner.Plan([new PublishedFile("App.dll", dir.Combine("missing.dll"))], ContainerLayering.Dependencies, false);
        var e = await Assert.ThrowsExactlyAsync<ContainerizeException>(() => ContextStager.StageAsync(plan, dir.Combine("ctx"), CancellationToken.None));
        Assert.AreEqual(GenerationErrors.StagingFailed, e.Code);
    }

    [TestMethod]
    public async Task HostMode_WritesDockerfileBesideTheContext()
    {
        using var dir = new TempDir("ctz-host");
        var model = SampleProjects.Console();
        var files = new[] { new PublishedFile("App.dll", Write(dir, "publish/App.dll", "app")), new PublishedFile("App.pdb", Write(dir, "publish/App.pdb", "pdb")) };
        var plan = ContainerPlanner.Plan(model, SampleProjects.Now);
        var layers = LayerPlanner.Plan(files, ContainerLayering.Dependencies, false, model.ProjectPath);
        var result = await HostModeContext.PrepareAsync(plan, layers, dir.Combine("obj", "container"), CancellationToken.None);
        Assert.AreEqual(result.DockerfileText, File.ReadAllText(dir.Combine("obj", "container", "Dockerfile")));
        CollectionAssert.AreEqual(new[] { "App.dll" }, Directory.GetFiles(dir.Combine("obj", "container", "context", "app")).Select(Path.GetFileName).ToArray());
        Assert.IsFalse(Directory.Exists(dir.Combine("obj", "container", "context", "packages")));
        var stamp = File.GetLastWriteTimeUtc(result.DockerfilePath);
        await Task.Delay(20);
        await HostModeContext.PrepareAsync(plan, layers, dir.Combine("obj", "container"), CancellationToken.None);
        Assert.AreEqual(stamp, File.GetLastWriteTimeUtc(result.DockerfilePath), "an unchanged Dockerfile is not rewritten");
    }

    [TestMethod]
    public async Task Ejected_WritesDockerfileAndIgnoreFiles()
    {
        using var dir = new TempDir("ctz-eject");
        var model = SampleProjects.Console() with
        {
            ProjectPath = dir.Combine("src", "App", "App.csproj"),
            ContextRoot = dir.Path,
            RestoreFiles = [dir.Combine("global.json")],
        };
        var ejected = EjectedDockerfile.Create(ContainerPlanner.Plan(model, SampleProjects.Now));
        Assert.IsNotNull(ejected.RootIgnore, "no root .dockerignore exists, so one is offered");
        await ejected.WriteAsync(CancellationToken.None);
        var dockerfile = File.ReadAllText(dir.Combine("src", "App", "Dockerfile"));
        StringAssert.Contains(dockerfile, "#   docker build -f src/App/Dockerfile .\n");
        StringAssert.Contains(dockerfile, "COPY [\"global.json\", \"./\"]\n");
        var ignore = File.ReadAllText(dir.Combine("src", "App", "Dockerfile.dockerignore"));
        foreach (var pattern in new[] { "**/bin/", "**/obj/", "**/.git", "**/*.pfx", "**/*.pem", "**/.env", "**/node_modules", "**/.vs" })
        {
            Assert.IsTrue(ignore.Split('\n').Contains(pattern), pattern);
        }

        Assert.IsTrue(File.ReadAllText(dir.Combine(".dockerignore")).Split('\n').Contains("**/obj/"), "the root .dockerignore keeps build output out too");
        File.WriteAllText(dir.Combine(".dockerignore"), "mine\n");
        var again = EjectedDockerfile.Create(ContainerPlanner.Plan(model, SampleProjects.Now));
        Assert.IsNull(again.RootIgnore, "an existing root .dockerignore is the user's");
        await again.WriteAsync(CancellationToken.None);
        Assert.AreEqual("mine\n", File.ReadAllText(dir.Combine(".dockerignore")));
        Assert.AreEqual(0, Directory.GetFiles(dir.Combine("src", "App"), "*.tmp").Length, "no temporary file is left behind");
    }

    [TestMethod]
    public void Container_RestoreFilesOutsideTheContextAreCoded()
    {
        var model = SampleProjects.Console() with { RestoreFiles = ["/elsewhere/nuget.config"] };
        var e = Assert.ThrowsExactly<ContainerizeException>(() => DockerfileWriter.WriteContainerMode(ContainerPlanner.Plan(model, SampleProjects.Now)));
        Assert.AreEqual(GenerationErrors.OutsideContext, e.Code);
    }

    private static string[] Files(LayerPlan plan, string layer) =>
        plan.Layers.Single(l => l.Name == layer).Files.Select(f => f.RelativePath).ToArray();

    private static string Write(TempDir dir, string relative, string content, UnixFileMode? mode = null)
    {
        var path = dir.Write(relative, content);
        if (mode is { } m) File.SetUnixFileMode(path, m);
        return path;
    }
}
