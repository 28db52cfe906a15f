using System.Text.Json;
using Containerize.Tests.Infrastructure;

namespace Containerize.Tests.Sdk;

/// <summary>
/// The package's public MSBuild targets (issue #20), run with the SDK's own command lines as tools run them:
/// <c>dotnet publish -t:PublishContainer</c> (.NET Aspire, azd, Visual Studio) builds Containerize's image, and the SDK's
/// with ContainerizePublishContainer=false; <c>ComputeContainerizeConfig</c> alone answers the base the publish uses, and a
/// target after it changes what is built; <c>ContainerizeImage</c> builds from an existing publish folder.
/// </summary>
[TestClass]
[DoNotParallelize]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class PublishContainerTargetTests
{
    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    [Timeout(900_000, CooperativeCancellation = true)]
    public async Task PublishContainer_builds_our_image_the_same_as_ContainerBuild_and_the_opt_out_gives_the_sdks()
    {
        await PublishLab.RequireRegistryAsync();
        using var lab = await PublishLab.CopySampleAsync("HelloWeb", "first");
        PublishLab.CopyTree(Path.Combine(RepoPaths.Root, "samples", "HelloWeb"), Path.Combine(lab.Root, "second-clone", "HelloWeb"));

        // As Aspire and azd run it: dotnet publish -t:PublishContainer, no ContainerBuild.
        var ours = (await DotnetAsync(lab, "publish", "first", "-t:PublishContainer", "-p:ContainerArchiveOutputPath=out/"))
            .EnsureSuccess("dotnet publish -t:PublishContainer");
        var image = PublishLab.ImageJson(Path.Combine(lab.Root, "first"));
        Assert.IsTrue(image.GetProperty("layers").GetArrayLength() >= 2, "our layering: the app apart from its dependencies: " + image);
        StringAssert.Contains(image.GetProperty("baseImage").GetString(), "@sha256:", "our pipeline pins the base digest");
        Assert.IsTrue(File.Exists(image.GetProperty("archive").GetString()), "the archive is written");

        // The ContainerBuild=true publish of another clone gives the same image: reproducible, and one pipeline.
        (await lab.PublishAsync(Path.Combine("second-clone", "HelloWeb"), "-p:ContainerArchiveOutputPath=out/")).EnsureSuccess("dotnet publish -p:ContainerBuild=true");
        Assert.AreEqual(image.GetProperty("manifestDigest").GetString(),
            PublishLab.ImageJson(Path.Combine(lab.Root, "second-clone", "HelloWeb")).GetProperty("manifestDigest").GetString(),
            "-t:PublishContainer and -p:ContainerBuild=true, from two folders, make one image");

        // The opt-out: the SDK's own container publishing, which writes none of our files.
        using var sdkLab = await PublishLab.CopySampleAsync("HelloWeb", "sdk");
        var sdk = (await DotnetAsync(sdkLab, "publish", "sdk", "-t:PublishContainer", "-p:ContainerizePublishContainer=false",
                $"-p:ContainerBaseImage={PublishLab.Registry}/dotnet/aspnet:10.0", "-p:ContainerArchiveOutputPath=out/sdk.tar"))
            .EnsureSuccess("dotnet publish -t:PublishContainer -p:ContainerizePublishContainer=false");
        StringAssert.Contains(sdk.StdOut, "Building image 'hello-web'", "the SDK's CreateNewImage ran");
        Assert.IsFalse(File.Exists(Path.Combine(sdkLab.Root, "sdk", "obj", "container", "image.json")), "Containerize did not build");
        Assert.IsTrue(File.Exists(Path.Combine(sdkLab.Root, "sdk", "out", "sdk.tar")), "the SDK wrote its archive");
        Assert.IsFalse(ours.StdOut.Contains("Building image 'hello-web'", StringComparison.Ordinal), "with the package, the SDK's task did not run");
    }

    [TestMethod]
    [Timeout(900_000, CooperativeCancellation = true)]
    public async Task ComputeContainerizeConfig_answers_the_base_the_publish_uses_and_a_target_after_it_changes_the_image()
    {
        await PublishLab.RequireRegistryAsync();
        using var lab = await PublishLab.CopySampleAsync("HelloWeb");
        var project = Path.Combine(lab.Root, "HelloWeb");

        // Alone, as a tool asks it: nothing published, nothing built, no registry asked.
        var computed = (await DotnetAsync(lab, "msbuild", "HelloWeb", "-restore", "-t:ComputeContainerizeConfig", "-p:Configuration=Release",
                "-getProperty:ContainerBaseImage", "-getProperty:ContainerUser", "-getProperty:ContainerWorkingDirectory", "-getProperty:ContainerRepository",
                "-getItem:ContainerPort", "-getItem:ContainerizeEntrypoint"))
            .EnsureSuccess("dotnet msbuild -t:ComputeContainerizeConfig");
        using var json = JsonDocument.Parse(computed.StdOut);
        var properties = json.RootElement.GetProperty("Properties");
        var baseImage = properties.GetProperty("ContainerBaseImage").GetString();
        Assert.AreEqual($"{PublishLab.Registry}/dotnet/aspnet:10.0", baseImage, "the inferred ASP.NET base, mirrored");
        Assert.AreEqual("$APP_UID", properties.GetProperty("ContainerUser").GetString());
        Assert.AreEqual("/app/", properties.GetProperty("ContainerWorkingDirectory").GetString());
        Assert.AreEqual("hello-web", properties.GetProperty("ContainerRepository").GetString());
        var items = json.RootElement.GetProperty("Items");
        Assert.AreEqual("8080", items.GetProperty("ContainerPort")[0].GetProperty("Identity").GetString(), "the port from the base's ASPNETCORE_HTTP_PORTS");
        Assert.IsTrue(items.GetProperty("ContainerizeEntrypoint").GetArrayLength() >= 1, "the entrypoint is exposed");
        Assert.IsFalse(Directory.Exists(Path.Combine(project, "obj", "container", "context")), "nothing was staged or built");

        // The publish uses that base (pinned to the digest the tag names now).
        (await lab.PublishAsync("HelloWeb", "-p:ContainerArchiveOutputPath=out/")).EnsureSuccess("dotnet publish");
        StringAssert.StartsWith(PublishLab.ImageJson(project).GetProperty("baseImage").GetString(), baseImage + "@sha256:");
        var defaultUser = ConfigUser(project);
        Assert.IsFalse(string.IsNullOrEmpty(defaultUser) || defaultUser == "root", $"the computed non-root user ($APP_UID of the base): '{defaultUser}'");

        // A target after ComputeContainerizeConfig changes the user and the ports: the image has the changed values.
        await File.WriteAllTextAsync(Path.Combine(project, "Directory.Build.targets"), """
            <Project>
              <Target Name="ChangeTheComputedConfig" AfterTargets="ComputeContainerizeConfig">
                <PropertyGroup><ContainerUser>root</ContainerUser></PropertyGroup>
                <ItemGroup><ContainerPort Include="9090" Type="tcp" /></ItemGroup>
              </Target>
            </Project>
            """);
        (await lab.PublishAsync("HelloWeb", "-p:ContainerArchiveOutputPath=out/")).EnsureSuccess("dotnet publish with the override");
        Assert.AreEqual("root", ConfigUser(project), "the user a target set after ComputeContainerizeConfig");
        using var config = JsonDocument.Parse(File.ReadAllText(Path.Combine(project, "obj", "container", "config.json")));
        var ports = config.RootElement.GetProperty("config").GetProperty("ExposedPorts").EnumerateObject().Select(p => p.Name).Order().ToList();
        CollectionAssert.AreEqual(new[] { "8080/tcp", "9090/tcp" }, ports, "the port a target added after ComputeContainerizeConfig");
    }

    [TestMethod]
    [Timeout(900_000, CooperativeCancellation = true)]
    public async Task ContainerizeImage_builds_from_the_existing_publish_folder_without_publishing_again()
    {
        await PublishLab.RequireRegistryAsync();
        using var lab = await PublishLab.CopySampleAsync("HelloConsole");
        var project = Path.Combine(lab.Root, "HelloConsole");

        // No publish folder yet: a coded error, not an image of the build output.
        var early = await DotnetAsync(lab, "msbuild", "HelloConsole", "-restore", "-t:ContainerizeImage", "-p:Configuration=Release", "-p:ContainerArchiveOutputPath=out/");
        Assert.AreNotEqual(0, early.ExitCode);
        StringAssert.Contains(early.StdOut, "CTZ6038");

        (await DotnetAsync(lab, "publish", "HelloConsole")).EnsureSuccess("a plain dotnet publish");
        var dll = Path.Combine(project, "bin", "Release", "net10.0", "publish", "HelloConsole.dll");
        var published = File.GetLastWriteTimeUtc(dll);
        var built = (await DotnetAsync(lab, "msbuild", "HelloConsole", "-t:ContainerizeImage", "-p:Configuration=Release", "-p:ContainerArchiveOutputPath=out/", "-v:n"))
            .EnsureSuccess("dotnet msbuild -t:ContainerizeImage");
        Assert.AreEqual(published, File.GetLastWriteTimeUtc(dll), "the publish folder is used as it is");
        var fromFolder = PublishLab.ImageJson(project).GetProperty("manifestDigest").GetString();

        // The same image as a publish with the container: the NuGet metadata gives the same layers.
        using var other = await PublishLab.CopySampleAsync("HelloConsole", "again");
        (await other.PublishAsync("again", "-p:ContainerArchiveOutputPath=out/")).EnsureSuccess("dotnet publish -p:ContainerBuild=true");
        Assert.AreEqual(PublishLab.ImageJson(Path.Combine(other.Root, "again")).GetProperty("manifestDigest").GetString(), fromFolder,
            "ContainerizeImage over a publish folder makes the image a container publish makes");
    }

    private static string? ConfigUser(string project)
    {
        using var config = JsonDocument.Parse(File.ReadAllText(Path.Combine(project, "obj", "container", "config.json")));
        return config.RootElement.GetProperty("config").TryGetProperty("User", out var u) ? u.GetString() : null;
    }

    // The SDK's command line as a tool runs it, with the run's package and the lab's bases (no ContainerBuild=true).
    private static async Task<ProcessResult> DotnetAsync(PublishLab lab, string verb, string project, params string[] args)
    {
        var (_, version) = await SdkPackage.GetAsync();
        var env = SdkPackage.DotnetEnvironment();
        env["CONTAINERIZE_STORE"] = lab.Store;
        env["SOURCE_DATE_EPOCH"] = null;
        string[] all = [verb, Path.Combine(lab.Root, project), "-nologo", $"-p:ContainerizeSdkVersion={version}", $"-p:ContainerBaseImageMirror={PublishLab.Registry}",
            .. verb == "publish" ? new[] { "-c", "Release" } : [], .. args];
        return await ProcessRunner.RunAsync("dotnet", all, lab.Root, env, timeout: TimeSpan.FromMinutes(8));
    }
}
