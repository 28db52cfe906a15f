using Containerize.Core.Generation;

namespace Containerize.Tests.Generation;

/// <summary>Project models for the snapshot cases, as the MSBuild tasks would map them (paths need not exist).</summary>
internal static class SampleProjects
{
    public const string Root = "/repo";

    public static readonly DateTimeOffset Now = new(2026, 1, 2, 3, 4, 5, TimeSpan.Zero);

    public static ProjectModel Console(string name = "App") => new()
    {
        ProjectPath = $"{Root}/src/{name}/{name}.csproj",
        ContextRoot = Root,
        AssemblyName = name,
        TargetFramework = "net10.0",
        TargetFrameworkVersion = "10.0",
        SdkVersion = "10.0.401",
        SdkRuntimeIdentifier = "linux-x64",
        RestoreFiles = [$"{Root}/Directory.Build.props", $"{Root}/global.json"],
        Metadata = new ProjectMetadata { PackageVersion = "1.0.0" },
        Container = new ContainerProperties { ContainerSourceDateEpoch = "1767225600" },
    };

    public static ProjectModel Web() => Console("Shop.Web") with
    {
        UsingMicrosoftNETSdkWeb = true,
        FrameworkReferences = ["Microsoft.AspNetCore.App"],
    };

    // A worker service (Microsoft.NET.Sdk.Worker) gets the runtime image like a console app: nothing tells them apart.
    public static ProjectModel Worker() => Console("Queue.Worker");

    public static ProjectModel SelfContained() => Console() with { RuntimeIdentifier = "linux-x64", SelfContained = true };

    public static ProjectModel Aot() => Console() with { RuntimeIdentifier = "linux-x64", PublishAot = true, SelfContained = true };

    public static ProjectModel Musl() => Web() with { RuntimeIdentifier = "linux-musl-x64" };

    public static ProjectModel MultiProject()
    {
        var web = Web();
        return web with
        {
            ProjectReferences = [$"{Root}/src/Shop.Core/Shop.Core.csproj", $"{Root}/src/Shop.Data/Shop.Data.csproj", $"{Root}/lib/Common/Common.csproj"],
            RestoreFiles = [$"{Root}/Directory.Build.props", $"{Root}/Directory.Packages.props", $"{Root}/nuget.config", $"{Root}/global.json", $"{Root}/src/Directory.Build.targets"],
            Metadata = web.Metadata with { Description = "The shop's web front end", Authors = "Shop team", PackageProjectUrl = "https://example.com/shop" },
            Container = web.Container with
            {
                ContainerRepository = "shop/web",
                ContainerImageTags = ["1.2.3", "latest"],
                ContainerPort = [new ContainerPortItem("8081"), new ContainerPortItem("9000", "udp")],
                ContainerEnvironmentVariable = [new NameValueItem("DOTNET_gcServer", "0"), new NameValueItem("GREETING", "say \"hi\" to $USER")],
                ContainerLabel = [new NameValueItem("com.example.team", "shop")],
                ContainerBuildArg = [new NameValueItem("NUGET_FEED_TOKEN", "secret-value")],
                ContainerRestoreCaBundleSecret = true,
                ContainerRestoreLocalSource = $"{Root}/artifacts/packages",
            },
        };
    }

    public static IEnumerable<(string Name, ProjectModel Model)> SnapshotCases() =>
    [
        ("console", Console()),
        ("web", Web()),
        ("worker", Worker()),
        ("self-contained", SelfContained()),
        ("aot", Aot()),
        ("musl", Musl()),
        ("multi-project", MultiProject()),
    ];

    /// <summary>A publish output like the SDK's for the model: packages, a prerelease package, a reference, wwwroot, the app.</summary>
    public static IReadOnlyList<PublishedFile> PublishOutput(ProjectModel model)
    {
        var name = model.AssemblyName;
        var files = new List<PublishedFile>
        {
            new($"{name}.dll", $"/pub/{name}.dll"),
            new($"{name}.pdb", $"/pub/{name}.pdb"),
            new($"{name}.deps.json", $"/pub/{name}.deps.json"),
            new($"{name}.runtimeconfig.json", $"/pub/{name}.runtimeconfig.json"),
            new("appsettings.json", "/pub/appsettings.json"),
            new("Serilog.dll", "/nuget/serilog/4.0.0/lib/net8.0/Serilog.dll", "Serilog", "4.0.0", AssetType: "runtime"),
            new("Newtonsoft.Json.dll", "/nuget/newtonsoft.json/13.0.3/lib/net6.0/Newtonsoft.Json.dll", "Newtonsoft.Json", "13.0.3", AssetType: "runtime"),
            new("Preview.Lib.dll", "/nuget/preview.lib/2.0.0-beta.1/lib/net8.0/Preview.Lib.dll", "Preview.Lib", "2.0.0-beta.1", AssetType: "runtime"),
        };
        if (model.IsSelfContained) files.Add(new(name, $"/pub/{name}"));
        if (model.ProjectReferences.Count > 0)
        {
            files.Add(new("Shop.Core.dll", "/repo/src/Shop.Core/bin/Release/net10.0/Shop.Core.dll", MSBuildSourceProjectFile: model.ProjectReferences[0], ReferenceSourceTarget: "ProjectReference"));
            files.Add(new("Shop.Core.pdb", "/repo/src/Shop.Core/bin/Release/net10.0/Shop.Core.pdb", MSBuildSourceProjectFile: model.ProjectReferences[0], ReferenceSourceTarget: "ProjectReference"));
        }

        if (model.IsAspNetCore)
        {
            files.Add(new("wwwroot/css/site.css", "/repo/src/Shop.Web/wwwroot/css/site.css"));
            files.Add(new("wwwroot/favicon.ico", "/repo/src/Shop.Web/wwwroot/favicon.ico"));
        }

        return files;
    }
}
