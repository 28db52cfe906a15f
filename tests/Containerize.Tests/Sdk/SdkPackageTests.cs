using System.Text.Json;
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
        var lines = r.StdOut.Split('\n').Where(l => l.Contains($"Containerize.Sdk {version} (task in MSBuild's process:", StringComparison.Ordinal)).ToList();
        Assert.HasCount(1, lines, "one image project (app), none for the library:\n" + string.Join('\n', lines));
        StringAssert.Contains(lines[0], $"(task in MSBuild's process: {expectedTasks}; host: ");

        var off = (await SdkPackage.DotnetAsync(dir.Path, "publish", "app/app.csproj", "-v:n", "-nologo")).EnsureSuccess("dotnet publish without ContainerBuild");
        Assert.DoesNotContain($"Containerize.Sdk {version} (task in MSBuild's process:", off.StdOut, "ContainerBuild defaults to false");
    }

    [TestMethod]
    [Timeout(900_000, CooperativeCancellation = true)]
    public async Task PackedTaskAssembliesCarryReadyToRunCodeOverPortableIL()
    {
        if (System.Runtime.InteropServices.RuntimeInformation.OSArchitecture != System.Runtime.InteropServices.Architecture.X64)
            Assert.Inconclusive("the package's ReadyToRun pass runs on linux-x64 machines only");
        var (feed, version) = await SdkPackage.GetAsync();
        using var package = System.IO.Compression.ZipFile.OpenRead(Path.Combine(feed, $"Containerize.Sdk.{version}.nupkg"));
        foreach (var name in new[] { "Containerize.Core.dll", "Containerize.Tasks.dll" })
        {
            var entry = package.GetEntry("tasks/net10.0/" + name) ?? throw new AssertFailedException($"tasks/net10.0/{name} is not in the package");
            using var copy = new MemoryStream();
            await using (var data = entry.Open()) await data.CopyToAsync(copy);
            copy.Position = 0;
            using var pe = new System.Reflection.PortableExecutable.PEReader(copy);
            var cor = pe.PEHeaders.CorHeader ?? throw new AssertFailedException($"{name} is not a managed assembly");
            // A ReadyToRun image has a managed native header; its IL stays, so other architectures still run it.
            Assert.IsGreaterThan(0, cor.ManagedNativeHeaderDirectory.Size, $"{name} has no ReadyToRun code");
            Assert.IsTrue(pe.HasMetadata, name);
            Assert.AreEqual(System.Reflection.PortableExecutable.Machine.Amd64 ^ (System.Reflection.PortableExecutable.Machine)0x7B79, pe.PEHeaders.CoffHeader.Machine,
                $"{name}: ReadyToRun code for linux-x64 (its machine field is AMD64 xor the Linux marker)");
        }

        // No task dependency is RID-specific (the engine binds libc itself), so MSBuild, which loads task
        // dependencies from the task folder only, finds every one of them on every platform.
        Assert.IsFalse(package.Entries.Any(e => e.FullName.StartsWith("tasks/net10.0/runtimes/", StringComparison.Ordinal) && e.Name.EndsWith(".dll", StringComparison.Ordinal)),
            "a RID-specific managed assembly under tasks/net10.0/runtimes/");
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

        StringAssert.Contains(r.StdOut, $"Containerize.Sdk {version} (task in MSBuild's process: {Path.Combine(SdkPackage.PackagesFolder, "containerize.sdk", version)}");
    }

    [TestMethod]
    [Timeout(900_000, CooperativeCancellation = true)]
    public async Task OnLinuxX64ThePackagesNativeHostBuildsTheImageThatMSBuildsProcessWouldBuild()
    {
        if (!OperatingSystem.IsLinux() || System.Runtime.InteropServices.RuntimeInformation.RuntimeIdentifier != "linux-x64")
            Assert.Inconclusive("the package's native host is for linux-x64 (glibc) machines");
        if (!await PublishLab.RegistryAnswersAsync()) Requirements.Missing("the registry on localhost:5000 does not answer (bash eng/setup starts it)");
        var (feed, version) = await SdkPackage.GetAsync();
        using (var package = System.IO.Compression.ZipFile.OpenRead(Path.Combine(feed, $"Containerize.Sdk.{version}.nupkg")))
        {
            var entry = package.GetEntry("tools/linux-x64/containerize") ?? throw new AssertFailedException("tools/linux-x64/containerize is not in the package");
            var magic = new byte[4];
            await using (var data = entry.Open()) await data.ReadExactlyAsync(magic);
            CollectionAssert.AreEqual(new byte[] { 0x7F, (byte)'E', (byte)'L', (byte)'F' }, magic, "a native executable, not IL");
        }

        using var dir = new TempDir("ctz-sdk");
        dir.Write("app/app.csproj", $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup><OutputType>Exe</OutputType><TargetFramework>net10.0</TargetFramework></PropertyGroup>
              <ItemGroup><PackageReference Include="Containerize.Sdk" Version="{version}" PrivateAssets="all" /></ItemGroup>
            </Project>
            """);
        dir.Write("app/Program.cs", "System.Console.WriteLine(1);\n");
        await SdkPackage.WriteNuGetConfigAsync(dir.Path);
        var app = Path.Combine(dir.Path, "app");
        string[] publish = ["publish", "-p:ContainerBuild=true", "-p:ContainerBaseImageMirror=localhost:5000", "-p:ContainerSourceDateEpoch=0", "-v:n", "-nologo"];
        var container = Path.Combine(app, "obj", "container");

        var host = Path.Combine(SdkPackage.PackagesFolder, "containerize.sdk", version, "tools", "linux-x64", "containerize");
        var r = (await SdkPackage.DotnetAsync(app, [.. publish, "-p:ContainerArchiveOutputPath=out/"])).EnsureSuccess("dotnet publish");
        StringAssert.Contains(r.StdOut, $"; host: {host})");
        Assert.IsTrue(File.Exists(Path.Combine(container, "request.json")), "the host kept the request it was given");
        StringAssert.Contains(r.StdOut, "app:latest", "the host's summary line is in the build log");
        var viaHost = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(container, "image.json"))).RootElement.GetProperty("manifestDigest").GetString();
        Assert.IsTrue(File.Exists(Path.Combine(app, "out", "app.tar.gz")), "GeneratedArchiveOutputPath: the archive is written");

        Directory.Delete(Path.Combine(app, "obj"), true);
        Directory.Delete(Path.Combine(app, "bin"), true);
        r = (await SdkPackage.DotnetAsync(app, [.. publish, "-p:ContainerArchiveOutputPath=out/", "-p:ContainerizeInProcess=true"])).EnsureSuccess("dotnet publish in MSBuild's process");
        StringAssert.Contains(r.StdOut, "; host: MSBuild process)");
        Assert.IsFalse(File.Exists(Path.Combine(container, "request.json")));
        var inProcess = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(container, "image.json"))).RootElement.GetProperty("manifestDigest").GetString();
        Assert.AreEqual(viaHost, inProcess, "the same image either way");

        // A coded error from the host is an MSBuild error at the project, with its hint, and no stack trace.
        var bad = await SdkPackage.DotnetAsync(app, [.. publish, "-p:ContainerPorts=99999"]);
        Assert.AreNotEqual(0, bad.ExitCode, bad.StdOut);
        StringAssert.Contains(bad.StdOut, "app.csproj : error CTZ6005:", bad.StdOut);
        StringAssert.Contains(bad.StdOut, "(hint: ", bad.StdOut);
        Assert.DoesNotContain("   at ", bad.StdOut);
    }
}
