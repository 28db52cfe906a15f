using System.Runtime.Versioning;
using Containerize.Core.Building.Output;
using Containerize.Core.Building.Plan;
using Containerize.Core.Destinations;
using Containerize.Core.Diagnostics;
using Containerize.Core.Generation;
using Containerize.Core.Handoff;
using Containerize.Core.Images.Oci;
using Containerize.Core.Publishing;
using Containerize.Tests.Infrastructure;

namespace Containerize.Tests.Building;

/// <summary>The build options of Container mode read as docker buildx reads them: --secret, --ssh, --build-context, --output, --platform.</summary>
[TestClass]
[SupportedOSPlatform("linux")]
public sealed class BuildOptionParsingTests
{
    [TestMethod]
    public void Options_SecretSourcesFollowBuildx()
    {
        Assert.AreEqual(new SecretSource("a", "f.txt", null), SecretSource.Parse("id=a,src=f.txt"));
        Assert.AreEqual(new SecretSource("a", "f.txt", null), SecretSource.Parse("id=a,source=f.txt"));
        Assert.AreEqual(new SecretSource("a", null, "VAR"), SecretSource.Parse("id=a,env=VAR"));
        Assert.AreEqual(new SecretSource("a", null, "VAR"), SecretSource.Parse("type=env,id=a,src=VAR"), "type=env reads src as the variable");
        foreach (var bad in new[] { "src=f", "id=a,bogus=1", "id=a,type=url", "id" })
        {
            var e = Assert.ThrowsExactly<ContainerizeException>(() => SecretSource.Parse(bad), bad);
            Assert.AreEqual("CTZ5043", e.Code);
        }

        using var dir = new TempDir("ctz-secrets");
        var file = dir.Write("token", "t");
        var env = new Dictionary<string, string?> { ["FROM_ENV"] = "value", ["plain"] = "by-id" };
        using (var files = SecretFiles.Create([new("f", "token", null), new("e", null, "FROM_ENV"), new("plain", null, null)], n => env.GetValueOrDefault(n), dir.Path))
        {
            Assert.AreEqual(file, files.Files["f"], "relative to the working folder");
            Assert.AreEqual("value", File.ReadAllText(files.Files["e"]));
            Assert.AreEqual("by-id", File.ReadAllText(files.Files["plain"]), "no src or env: the variable named by the id (BuildKit)");
            Assert.AreEqual(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(files.Files["e"]), "an env secret's file is private");
            Assert.AreEqual(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(Path.GetDirectoryName(files.Files["e"])!));
            env["kept"] = files.Files["e"];
        }

        Assert.IsFalse(File.Exists(env["kept"]), "disposing deletes the env secrets' files");
        Assert.AreEqual("CTZ5043", Assert.ThrowsExactly<ContainerizeException>(() => SecretFiles.Create([new("x", null, "UNSET")], _ => null, dir.Path)).Code);
        Assert.AreEqual("CTZ5043", Assert.ThrowsExactly<ContainerizeException>(() => SecretFiles.Create([new("x", "missing", null)], _ => null, dir.Path)).Code);

        Assert.AreEqual("/run/agent.sock", SshAgentSource.Parse("default", n => n == "SSH_AUTH_SOCK" ? "/run/agent.sock" : null, "/").Value);
        Assert.AreEqual(new KeyValuePair<string, string>("gh", "/w/s.sock"), SshAgentSource.Parse("gh=s.sock", _ => null, "/w"));
        Assert.AreEqual("CTZ5043", Assert.ThrowsExactly<ContainerizeException>(() => SshAgentSource.Parse("default", _ => null, "/")).Code);
    }

    [TestMethod]
    public void Options_OutputsAndPlatforms()
    {
        Assert.AreEqual(new OciLayoutDestination("/w/out", "v1"), BuildOutputWriter.Parse("oci-layout:out:v1", "/w"));
        Assert.AreEqual(new OciLayoutDestination("/abs/out"), BuildOutputWriter.Parse("oci-layout:///abs/out", "/w"));
        Assert.AreEqual(new OciArchiveDestination("/w/a.tar"), BuildOutputWriter.Parse("oci-archive:a.tar", "/w"));
        Assert.AreEqual(new DockerArchiveDestination("/w/d.tar"), BuildOutputWriter.Parse("docker-archive://d.tar", "/w"));
        Assert.IsInstanceOfType<RegistryDestination>(BuildOutputWriter.Parse("registry", "/w"));
        Assert.AreEqual(new DaemonDestination(EngineKind.Docker), BuildOutputWriter.Parse("docker", "/w"));
        Assert.AreEqual(new DaemonDestination(EngineKind.Podman), BuildOutputWriter.Parse("podman", "/w"));
        foreach (var bad in new[] { "tar:x", "oci-layout:", "local", "" })
        {
            Assert.AreEqual("CTZ5045", Assert.ThrowsExactly<ContainerizeException>(() => BuildOutputWriter.Parse(bad, "/w"), bad).Code);
        }

        Assert.AreEqual("CTZ5045", Assert.ThrowsExactly<ContainerizeException>(() => BuildOutputWriter.Validate([new RegistryDestination()], [])).Code);

        Assert.AreEqual("linux/arm64", BuildPlatforms.ArgValue(BuildPlatforms.Parse("linux/aarch64")), "containerd drops arm64's v8");
        Assert.AreEqual("linux/arm/v7", BuildPlatforms.ArgValue(BuildPlatforms.Parse("linux/arm")));
        Assert.AreEqual("linux/amd64", BuildPlatforms.ArgValue(BuildPlatforms.Parse("linux/x86_64")));
        Assert.AreEqual("CTZ5046", Assert.ThrowsExactly<ContainerizeException>(() => BuildPlatforms.Parse("arm64")).Code);
        Assert.IsTrue(BuildPlatforms.CanRun(new ImageConfiguration { Os = BuildPlatforms.Host.Os, Architecture = BuildPlatforms.Host.Architecture, RootFs = new RootFs { DiffIds = [] } }));
        Assert.IsFalse(BuildPlatforms.CanRun(new ImageConfiguration { Os = "linux", Architecture = "s390x-not-here", RootFs = new RootFs { DiffIds = [] } }));
    }

    [TestMethod]
    public void Options_NamedContextsMatchAsBuildKit()
    {
        using var dir = new TempDir("ctz-named");
        Directory.CreateDirectory(dir.Combine("pkgs"));
        var set = new NamedContextSet(new Dictionary<string, string>
        {
            ["pkgs"] = dir.Combine("pkgs"),
            ["alpine"] = "docker-image://busybox:test",
            ["base"] = "oci-layout:///images/base:1",
        }, dir.Combine("scratch"));
        Assert.AreEqual(dir.Combine("pkgs"), set.FolderOf("PKGS"), "names match case-insensitively, as stage names");
        Assert.AreEqual("busybox:test", set.ImageOf("alpine:latest"), "FROM alpine:latest and FROM alpine are one name");
        Assert.AreEqual("busybox:test", set.ImageOf("docker.io/library/alpine"));
        Assert.IsNull(set.ImageOf("alpine:3.20"));
        Assert.AreEqual("oci-layout:///images/base:1", set.ImageOf("base"));
        Assert.IsNull(set.FolderOf("alpine"));
        foreach (var bad in new[] { "https://github.com/x/y.git", "git@github.com:x/y.git#main", "target:stage" })
        {
            Assert.AreEqual("CTZ5042", Assert.ThrowsExactly<ContainerizeException>(() => new NamedContextSet(new Dictionary<string, string> { ["x"] = bad }, dir.Path)).Code, bad);
        }
    }

    [TestMethod]
    public void Options_ContainerModeBuildInputs()
    {
        var model = SampleProjectsForBuild();
        Assert.AreEqual("/repo/artifacts/packages", ContainerModeBuild.NamedContexts(model)[ContainerModeBuild.LocalPackagesContext]);
        using var dir = new TempDir("ctz-ca");
        var ca = dir.Write("ca.crt", "x");
        Assert.AreEqual(ca, ContainerModeBuild.Secrets(model, ca)[ContainerModeBuild.CaBundleSecretId]);
        Assert.AreEqual(0, ContainerModeBuild.Secrets(model, dir.Combine("none")).Count, "no host bundle: no secret (the mount is optional)");
        Assert.AreEqual(0, ContainerModeBuild.NamedContexts(model with { Container = model.Container with { ContainerRestoreLocalSource = null } }).Count);
    }

    private static ProjectModel SampleProjectsForBuild() => Generation.SampleProjects.MultiProject();
}
