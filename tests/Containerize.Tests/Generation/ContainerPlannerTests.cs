using Containerize.Core.Generation;

namespace Containerize.Tests.Generation;

/// <summary>Ports, user, ENTRYPOINT/CMD, labels, names and the mirror, as the SDK computes them.</summary>
[TestClass]
public sealed class ContainerPlannerTests
{
    private static ContainerPlan Plan(ProjectModel m) => ContainerPlanner.Plan(m, SampleProjects.Now);

    private static ProjectModel With(Func<ContainerProperties, ContainerProperties> change, ProjectModel? m = null)
    {
        m ??= SampleProjects.Console();
        return m with { Container = change(m.Container) };
    }

    [TestMethod]
    public void Plan_Defaults()
    {
        var p = Plan(SampleProjects.Console("My App") with { });
        Assert.AreEqual("my-app", p.Repository, "AssemblyName normalised as the SDK does");
        CollectionAssert.AreEqual(new[] { "latest" }, p.Tags.ToArray());
        Assert.AreEqual("/app/", p.WorkingDirectory);
        Assert.AreEqual("$APP_UID", p.User);
        CollectionAssert.AreEqual(new[] { "dotnet", "/app/My App.dll" }, p.Entrypoint.ToArray());
        Assert.AreEqual(0, p.Cmd.Count);
        Assert.AreEqual("linux/amd64", p.Platform.ToString());
        CollectionAssert.AreEqual(new[] { "my-app:latest" }, p.ImageNames.ToArray());
    }

    /// <summary>The resolved base's config decides the user and ports (as the SDK reads them), whatever the base is called.</summary>
    [TestMethod]
    public void Plan_TheResolvedBasesEnvironmentGivesTheUserAndPortsAndTheDigestIsPinned()
    {
        var digest = Containerize.Core.Images.Oci.Digest.Parse("sha256:" + new string('a', 64));
        BaseImageFacts Facts(string name, params string[] env) => new(Containerize.Core.Images.Oci.ImageReference.Parse(name), digest, env, false);
        var company = With(c => c with { ContainerBaseImage = "registry.example.com/mirror/aspnet:10" }, SampleProjects.Web());

        var named = ContainerPlanner.TryPlan(company, SampleProjects.Now).Plan!;
        Assert.IsNull(named.User, "by name alone a company copy is not known to have APP_UID");
        var resolved = ContainerPlanner.TryPlan(company, SampleProjects.Now, Facts("registry.example.com/mirror/aspnet:10", "APP_UID=1654", "ASPNETCORE_HTTP_PORTS=9000")).Plan!;
        Assert.AreEqual("$APP_UID", resolved.User);
        Assert.AreEqual("9000/tcp", string.Join(' ', resolved.Ports), "the base's own port variable");
        Assert.AreEqual($"registry.example.com/mirror/aspnet:10@{digest}", resolved.BaseImage, "the Dockerfile pins what was resolved");

        // Microsoft's name but a config without APP_UID or ports: the config wins over the name.
        var microsoft = ContainerPlanner.TryPlan(SampleProjects.Web(), SampleProjects.Now, Facts("mcr.microsoft.com/dotnet/aspnet:10.0", "PATH=/bin")).Plan!;
        Assert.IsNull(microsoft.User);
        Assert.AreEqual(0, microsoft.Ports.Count);
        Assert.AreEqual("$APP_UID", Plan(SampleProjects.Web()).User, "unresolved: inferred from the name");
        Assert.AreEqual("$APP_UID", Plan(SampleProjects.Web() with { TargetFramework = "net8.0", TargetFrameworkVersion = "8.0" }).User, ".NET 8 images have APP_UID");
        Assert.IsNull(Plan(SampleProjects.Web() with { TargetFramework = "net7.0", TargetFrameworkVersion = "7.0" }).User, ".NET 7 images have none");

        // An empty APP_UID is no user; ContainerUser still wins; the user's ASPNETCORE_URLS overrides the base's ports.
        Assert.IsNull(ContainerPlanner.TryPlan(company, SampleProjects.Now, Facts("x/y:1", "APP_UID=")).Plan!.User);
        var explicitUser = With(c => c with { ContainerUser = "1000", ContainerEnvironmentVariable = [new NameValueItem("ASPNETCORE_URLS", "http://+:7000")] }, company);
        var p = ContainerPlanner.TryPlan(explicitUser, SampleProjects.Now, Facts("x/y:1", "APP_UID=1654", "ASPNETCORE_HTTP_PORTS=9000")).Plan!;
        Assert.AreEqual("1000", p.User);
        Assert.AreEqual("7000/tcp", string.Join(' ', p.Ports));
        Assert.AreEqual("9000/tcp", string.Join(' ', ContainerPlanner.TryPlan(company, SampleProjects.Now, Facts("x/y:1", "ASPNETCORE_HTTP_PORTS=9000", "X")).Plan!.Ports), "a variable without '=' is read as empty");
    }

    [TestMethod]
    public void Plan_SelfContainedRunsTheApphost()
    {
        CollectionAssert.AreEqual(new[] { "/app/App" }, Plan(SampleProjects.SelfContained()).Entrypoint.ToArray());
        Assert.IsTrue(Plan(SampleProjects.SelfContained()).PublishForRuntimeIdentifier);
        Assert.IsFalse(Plan(SampleProjects.Console()).PublishForRuntimeIdentifier);
    }

    [TestMethod]
    public void Plan_PortsFromTheBaseImageEnvironment()
    {
        Assert.AreEqual("8080/tcp", string.Join(' ', Plan(SampleProjects.Web()).Ports));
        var urls = With(c => c with { ContainerEnvironmentVariable = [new NameValueItem("ASPNETCORE_URLS", "http://+:5000;https://*:5001")] }, SampleProjects.Web());
        Assert.AreEqual("5000/tcp 5001/tcp", string.Join(' ', Plan(urls).Ports), "ASPNETCORE_URLS wins over ASPNETCORE_HTTP_PORTS");
        var both = With(c => c with { ContainerEnvironmentVariable = [new NameValueItem("ASPNETCORE_HTTPS_PORTS", "8443")] }, SampleProjects.Web());
        Assert.AreEqual("8080/tcp 8443/tcp", string.Join(' ', Plan(both).Ports));
        var net6 = SampleProjects.Web() with { TargetFramework = "net6.0", TargetFrameworkVersion = "6.0" };
        Assert.AreEqual("80/tcp", string.Join(' ', Plan(net6).Ports));
        Assert.IsNull(Plan(net6).User, ".NET 6 images have no APP_UID");
        var custom = With(c => c with { ContainerBaseImage = "ubuntu:24.04" });
        Assert.AreEqual(0, Plan(custom).Ports.Count);
        Assert.IsNull(Plan(custom).User, "a foreign base keeps its own user");
        var explicitMcr = With(c => c with { ContainerBaseImage = "mcr.microsoft.com/dotnet/aspnet:9.0-alpine" });
        Assert.AreEqual("$APP_UID", Plan(explicitMcr).User);
    }

    [TestMethod]
    public void Plan_ExplicitUserAndPorts()
    {
        var m = With(c => c with { ContainerUser = "root", ContainerPort = [new ContainerPortItem("8080"), new ContainerPortItem("53/udp"), new ContainerPortItem("81", "TCP")] });
        var p = Plan(m);
        Assert.AreEqual("root", p.User);
        Assert.AreEqual("8080/tcp 53/udp 81/tcp", string.Join(' ', p.Ports), "the base image's 8080 is not repeated");
    }

    [TestMethod]
    public void Plan_AppCommandInstructions()
    {
        var defaultArgs = Plan(With(c => c with { ContainerAppCommandInstruction = "DefaultArgs", ContainerDefaultArgs = ["--verbose"] }));
        Assert.AreEqual(0, defaultArgs.Entrypoint.Count);
        CollectionAssert.AreEqual(new[] { "dotnet", "/app/App.dll", "--verbose" }, defaultArgs.Cmd.ToArray());

        var withArgs = Plan(With(c => c with { ContainerAppCommandArgs = ["--urls", "x"], ContainerDefaultArgs = ["-v"] }));
        CollectionAssert.AreEqual(new[] { "dotnet", "/app/App.dll", "--urls", "x" }, withArgs.Entrypoint.ToArray());
        CollectionAssert.AreEqual(new[] { "-v" }, withArgs.Cmd.ToArray());

        // Legacy: ContainerEntrypointArgs alone means the app command with default arguments.
        var legacy = Plan(With(c => c with { ContainerEntrypointArgs = ["run"] }));
        CollectionAssert.AreEqual(new[] { "dotnet", "/app/App.dll" }, legacy.Entrypoint.ToArray());
        CollectionAssert.AreEqual(new[] { "run" }, legacy.Cmd.ToArray());

        // Legacy: an explicit ContainerEntrypoint turns the app command into default arguments.
        var entry = Plan(With(c => c with { ContainerEntrypoint = ["/usr/bin/tini", "--"] }));
        CollectionAssert.AreEqual(new[] { "/usr/bin/tini", "--" }, entry.Entrypoint.ToArray());
        CollectionAssert.AreEqual(new[] { "dotnet", "/app/App.dll" }, entry.Cmd.ToArray());

        var none = Plan(With(c => c with { ContainerAppCommandInstruction = "None" }));
        Assert.AreEqual(0, none.Entrypoint.Count);
        Assert.AreEqual(0, none.Cmd.Count);
    }

    [TestMethod]
    public void Plan_Labels()
    {
        var m = SampleProjects.Console() with
        {
            Metadata = new ProjectMetadata
            {
                PackageVersion = "2.0.0", PublishRepositoryUrl = true, RepositoryType = "git",
                RepositoryUrl = "https://github.com/example/app.git", SourceRevisionId = "abc123", PackageLicenseExpression = "MIT",
            },
            Container = SampleProjects.Console().Container with { ContainerVendor = "Example", ContainerLabel = [new NameValueItem("org.opencontainers.image.version", "custom")] },
        };
        var labels = Plan(m).Labels.ToDictionary(l => l.Name, l => l.Value);
        Assert.AreEqual("2026-01-01T00:00:00.0000000Z", labels["org.opencontainers.image.created"], "SOURCE_DATE_EPOCH dates the image");
        Assert.AreEqual("https://github.com/example/app", labels["org.opencontainers.image.source"]);
        Assert.AreEqual("abc123", labels["org.opencontainers.image.revision"]);
        Assert.AreEqual("MIT", labels["org.opencontainers.image.licenses"]);
        Assert.AreEqual("Example", labels["org.opencontainers.image.vendor"]);
        Assert.AreEqual("custom", labels["org.opencontainers.image.version"], "the project's ContainerLabel wins");
        Assert.IsFalse(labels.ContainsKey("org.opencontainers.image.base.digest"), "only the engine knows the digest");

        var noEpoch = Plan(With(c => c with { ContainerSourceDateEpoch = null })).Labels.Single(l => l.Name == "org.opencontainers.image.created");
        Assert.AreEqual("2026-01-02T03:04:05.0000000Z", noEpoch.Value, "without SOURCE_DATE_EPOCH the clock dates it, as in the SDK");
        Assert.AreEqual(0, Plan(With(c => c with { ContainerGenerateLabels = false })).Labels.Count);
    }

    [TestMethod]
    public void Plan_MirrorSwapsOnlyInferredImages()
    {
        var mirrored = Plan(With(c => c with { ContainerBaseImageMirror = "localhost:5000" }));
        Assert.AreEqual("localhost:5000/dotnet/runtime:10.0", mirrored.BaseImage);
        Assert.AreEqual("localhost:5000/dotnet/sdk:10.0", mirrored.SdkImage);
        Assert.AreEqual("mcr.microsoft.com/dotnet/runtime:10.0", mirrored.Labels.Single(l => l.Name == "org.opencontainers.image.base.name").Value);
        var explicitBase = Plan(With(c => c with { ContainerBaseImageMirror = "localhost:5000", ContainerBaseImage = "mcr.microsoft.com/dotnet/runtime:9.0" }));
        Assert.AreEqual("mcr.microsoft.com/dotnet/runtime:9.0", explicitBase.BaseImage);
        Assert.AreEqual("localhost:5000/dotnet/sdk:10.0", explicitBase.SdkImage);
        var text = DockerfileWriter.WriteContainerMode(mirrored);
        StringAssert.Contains(text, "FROM localhost:5000/dotnet/sdk:10.0 AS build\n");
        StringAssert.Contains(text, "FROM localhost:5000/dotnet/runtime:10.0 AS final\n");
    }

    [TestMethod]
    public void Plan_NamesWithRegistryAndTags()
    {
        var p = Plan(With(c => c with { ContainerRegistry = "localhost:5000", ContainerRepository = "Team/App", ContainerImageTags = ["1.0", "latest", "1.0"] }));
        CollectionAssert.AreEqual(new[] { "localhost:5000/team/app:1.0", "localhost:5000/team/app:latest" }, p.ImageNames.ToArray());
    }

    [TestMethod]
    public void Writer_QuotesValuesLiterally()
    {
        var p = Plan(With(c => c with { ContainerEnvironmentVariable = [new NameValueItem("A", "x\\y \"q\" $HOME\nnext")] }));
        var text = DockerfileWriter.WriteHostMode(p, new LayerPlan([]));
        StringAssert.Contains(text, "ENV A=\"x\\\\y \\\"q\\\" \\$HOME next\"\n");
        Assert.IsFalse(text.Contains('\r'));
    }
}
