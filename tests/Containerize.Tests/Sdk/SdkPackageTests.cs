using Containerize.Tests.Infrastructure;

namespace Containerize.Tests.Sdk;

/// <summary>The packed Containerize.Sdk in real dotnet publish runs: how users opt in, and which projects it touches.</summary>
[TestClass]
public sealed class SdkPackageTests
{
    [TestMethod]
    [Timeout(600_000, CooperativeCancellation = true)]
    public async Task PackageReferenceLoadsTheTasksFromThePackageOnlyForExecutables()
    {
        var (_, version) = await SdkPackage.GetAsync();
        using var dir = new TempDir("ctz-sdk");
        dir.Write("app/app.csproj", $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup><OutputType>Exe</OutputType><TargetFramework>net10.0</TargetFramework></PropertyGroup>
              <ItemGroup>
                <PackageReference Include="Containerize.Sdk" Version="{version}" PrivateAssets="all" />
                <ProjectReference Include="../lib/lib.csproj" />
              </ItemGroup>
            </Project>
            """);
        dir.Write("app/Program.cs", "System.Console.WriteLine(Lib.Greeting.Text);\n");
        dir.Write("lib/lib.csproj", $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup><TargetFramework>net10.0</TargetFramework></PropertyGroup>
              <ItemGroup><PackageReference Include="Containerize.Sdk" Version="{version}" PrivateAssets="all" /></ItemGroup>
            </Project>
            """);
        dir.Write("lib/Greeting.cs", "namespace Lib; public static class Greeting { public const string Text = \"hi\"; }\n");
        await SdkPackage.WriteNuGetConfigAsync(dir.Path);
        await SdkPackage.DotnetAsync(dir.Path, "new", "sln", "--format", "sln", "-n", "all").ContinueWith(t => t.Result.EnsureSuccess("dotnet new sln"));
        (await SdkPackage.DotnetAsync(dir.Path, "sln", "all.sln", "add", "app/app.csproj", "lib/lib.csproj")).EnsureSuccess("dotnet sln add");

        var r = (await SdkPackage.DotnetAsync(dir.Path, "publish", "all.sln", "-p:ContainerBuild=true", "-p:ContainerBaseImageMirror=localhost:5000",
            $"-p:ContainerArchiveOutputPath={dir.Path}/images/", "-v:n", "-nologo")).EnsureSuccess("dotnet publish");

        var expectedTasks = Path.Combine(SdkPackage.PackagesFolder, "containerize.sdk", version, "tasks", "net10.0", "Containerize.Tasks.dll");
        var lines = r.StdOut.Split('\n').Where(l => l.Contains($"Containerize.Sdk {version} (tasks:", StringComparison.Ordinal)).ToList();
        Assert.HasCount(1, lines, "one image project (app), none for the library:\n" + string.Join('\n', lines));
        StringAssert.Contains(lines[0], $"(tasks: {expectedTasks})");

        var off = (await SdkPackage.DotnetAsync(dir.Path, "publish", "app/app.csproj", "-v:n", "-nologo")).EnsureSuccess("dotnet publish without ContainerBuild");
        Assert.DoesNotContain($"Containerize.Sdk {version} (tasks:", off.StdOut, "ContainerBuild defaults to false");
    }

    [TestMethod]
    [Timeout(600_000, CooperativeCancellation = true)]
    public async Task WorksAsAnMSBuildProjectSdk()
    {
        var (_, version) = await SdkPackage.GetAsync();
        using var dir = new TempDir("ctz-sdk");
        dir.Write("app/app.csproj", $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <Sdk Name="Containerize.Sdk" Version="{version}" />
              <PropertyGroup><OutputType>Exe</OutputType><TargetFramework>net10.0</TargetFramework><ContainerBuild>true</ContainerBuild></PropertyGroup>
            </Project>
            """);
        dir.Write("app/Program.cs", "System.Console.WriteLine(1);\n");
        await SdkPackage.WriteNuGetConfigAsync(dir.Path);

        var r = (await SdkPackage.DotnetAsync(Path.Combine(dir.Path, "app"), "publish", "-p:ContainerBaseImageMirror=localhost:5000", "-p:ContainerArchiveOutputPath=out/", "-v:n", "-nologo")).EnsureSuccess("dotnet publish");

        StringAssert.Contains(r.StdOut, $"Containerize.Sdk {version} (tasks: {Path.Combine(SdkPackage.PackagesFolder, "containerize.sdk", version)}");
    }
}
