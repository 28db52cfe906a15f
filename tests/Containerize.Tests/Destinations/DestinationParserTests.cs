using Containerize.Core.Destinations;
using Containerize.Core.Diagnostics;
using Containerize.Core.Handoff;
using Containerize.Core.Images;
using Containerize.Core.Images.Oci;
using Containerize.Core.Images.Store;
using Containerize.Core.Images.Transfer;
using Containerize.Tests.Infrastructure;

namespace Containerize.Tests.Destinations;

/// <summary>
/// Every destination form, read by the one parser: build's --output words, save -o's file forms, push's REMOTE -t TAG,
/// load-into's engine, and a publish's SDK properties; the bad forms keep their codes (CTZ3220, CTZ3002, CTZ0002).
/// </summary>
[TestClass]
public sealed class DestinationParserTests
{
    [TestMethod]
    [DataRow("oci-layout:out", "oci-layout:///w/out")]
    [DataRow("oci-layout:out:v1", "oci-layout:///w/out:v1")]
    [DataRow("oci-layout://out", "oci-layout:///w/out")]
    [DataRow("oci-layout:///abs/out:v2", "oci-layout:///abs/out:v2")]
    [DataRow("oci-layout:///abs/a:b/out", "oci-layout:///abs/a:b/out")]
    [DataRow("oci-archive:a.tar", "oci-archive:///w/a.tar")]
    [DataRow("oci-archive://a.tar", "oci-archive:///w/a.tar")]
    [DataRow("docker-archive:d.tar", "docker-archive:///w/d.tar")]
    [DataRow("docker-archive:///abs/d.tar", "docker-archive:///abs/d.tar")]
    [DataRow("registry", "registry")]
    [DataRow("docker", "docker")]
    [DataRow("podman", "podman")]
    public void EveryBuildOutputFormParsesAndPrintsAsWritten(string text, string shown)
    {
        Assert.AreEqual(shown, DestinationParser.Parse(text, "/w").ToString());
    }

    [TestMethod]
    public void TheFormsGiveTheirDestinationKinds()
    {
        Assert.AreEqual(new OciLayoutDestination("/w/out", "v1"), DestinationParser.Parse("oci-layout:out:v1", "/w"));
        Assert.AreEqual(new OciLayoutDestination("/w/out"), DestinationParser.Parse("oci-layout:out", "/w"));
        Assert.AreEqual(new OciArchiveDestination("/w/a.tar"), DestinationParser.Parse("oci-archive:a.tar", "/w"));
        Assert.AreEqual(new DockerArchiveDestination("/w/d.tar"), DestinationParser.Parse("docker-archive://d.tar", "/w"));
        Assert.IsNull(((RegistryDestination)DestinationParser.Parse("registry", "/w")).Names, "registry pushes the image's own names");
        Assert.AreEqual(new DaemonDestination(EngineKind.Docker), DestinationParser.Parse("docker", "/w"));
        Assert.AreEqual(new DaemonDestination(EngineKind.Podman), DestinationParser.Parse("podman", "/w"));
        Assert.AreEqual(new OciArchiveDestination("/w/x.tar"), DestinationParser.ParseFile("oci-archive:x.tar", "/w"), "save -o reads the same file forms");

        // Which destinations leave the machine (a build compresses for those) and which take the image as stored.
        Assert.IsTrue(new OciLayoutDestination("/l").Distributes);
        Assert.IsTrue(new OciArchiveDestination("/a").Distributes);
        Assert.IsTrue(new RegistryDestination().Distributes);
        Assert.IsFalse(new DockerArchiveDestination("/d").Distributes);
        Assert.IsFalse(new DaemonDestination(EngineKind.Docker).Distributes);
    }

    [TestMethod]
    [DataRow("registry")]
    [DataRow("docker")]
    [DataRow("podman")]
    [DataRow("tarball:x")]
    [DataRow("oci-layout:")]
    [DataRow("oci-archive://")]
    [DataRow("local")]
    [DataRow("")]
    public void SaveTakesOnlyFileFormsAndRejectsTheRestWithCTZ3220(string text)
    {
        var e = Assert.ThrowsExactly<ContainerizeException>(() => DestinationParser.ParseFile(text, "/w"));
        Assert.AreEqual(StoreErrors.UnknownTransport, e.Code);
    }

    [TestMethod]
    [DataRow("tar:x")]
    [DataRow("oci-layout:")]
    [DataRow("local")]
    [DataRow("Docker")]
    [DataRow("")]
    public void AnUnknownOutputIsTheTransportError(string text)
    {
        Assert.AreEqual(StoreErrors.UnknownTransport, Assert.ThrowsExactly<ContainerizeException>(() => DestinationParser.Parse(text, "/w")).Code);
    }

    [TestMethod]
    public void PushNamesTheRemoteAndItsExtraTags()
    {
        var untagged = DestinationParser.ParsePush("reg.example:5000/team/app", []);
        CollectionAssert.AreEqual(new[] { "reg.example:5000/team/app:latest" }, untagged.Names!.Select(n => n.ToString()).ToArray());
        var tagged = DestinationParser.ParsePush("reg.example/team/app:1.0", ["stable", "1"]);
        CollectionAssert.AreEqual(new[] { "reg.example/team/app:1.0", "reg.example/team/app:stable", "reg.example/team/app:1" }, tagged.Names!.Select(n => n.ToString()).ToArray());
        Assert.AreEqual("registry", tagged.ToString());

        Assert.AreEqual(ImageErrors.InvalidReference, Assert.ThrowsExactly<ContainerizeException>(() => DestinationParser.ParsePush("reg.example/Team/App", [])).Code);
        Assert.AreEqual(ImageErrors.InvalidReference, Assert.ThrowsExactly<ContainerizeException>(() => DestinationParser.ParsePush("reg.example/app", ["bad tag"])).Code);
    }

    [TestMethod]
    public void EnginesAreDockerAndPodmanOnly()
    {
        Assert.AreEqual(EngineKind.Docker, DestinationParser.ParseEngine("docker"));
        Assert.AreEqual(EngineKind.Podman, DestinationParser.ParseEngine("podman"));
        Assert.IsNull(DestinationParser.ParseEngine("containerd"));
        Assert.IsNull(DestinationParser.ParseEngine("Docker"), "the CLI's words are lower-case, as before");
    }

    [TestMethod]
    public void TheSdkPropertiesMapOntoDestinationsAsTheSdkDecides()
    {
        var pushOnly = DestinationParser.FromSdkProperties(push: true, null, ImageTransport.DockerArchive, null, offline: true);
        Assert.HasCount(1, pushOnly);
        Assert.IsTrue(((RegistryDestination)pushOnly[0]) is { Names: null, Offline: true, Client: null });

        CollectionAssert.AreEqual(new IImageDestination[] { new DockerArchiveDestination("/o/app.tar.gz") },
            DestinationParser.FromSdkProperties(false, "/o/app.tar.gz", ImageTransport.DockerArchive, null, false).ToArray(), "an archive alone: no daemon");
        CollectionAssert.AreEqual(new IImageDestination[] { new OciArchiveDestination("/o/app.tar.gz") },
            DestinationParser.FromSdkProperties(false, "/o/app.tar.gz", ImageTransport.OciArchive, null, false).ToArray(), "ContainerImageFormat=OCI");

        // Nothing set: Docker, only when a daemon answers.
        CollectionAssert.AreEqual(new IImageDestination[] { new DaemonDestination(EngineKind.Docker) { OnlyIfAnswering = true, QuietProbe = true } },
            DestinationParser.FromSdkProperties(false, null, ImageTransport.DockerArchive, null, false).ToArray());

        // LocalRegistry names a daemon that must answer, beside the registry and the archive, in that order.
        var all = DestinationParser.FromSdkProperties(true, "/o/a.tar", ImageTransport.DockerArchive, EngineKind.Podman, false);
        Assert.HasCount(3, all);
        Assert.IsInstanceOfType<RegistryDestination>(all[0]);
        Assert.AreEqual(new DockerArchiveDestination("/o/a.tar"), all[1]);
        Assert.AreEqual(new DaemonDestination(EngineKind.Podman) { QuietProbe = true }, all[2]);
    }

    [TestMethod]
    public async Task TheCliKeepsItsCodesForBadDestinations()
    {
        using var dir = new TempDir("ctz-dest-cli");
        var store = dir.Combine("store");
        var save = await CliRunner.RunAsync(dir.Path, "save", "app:1", "-o", "registry", "--store", store);
        Assert.AreEqual(1, save.ExitCode);
        StringAssert.Contains(save.StdErr, StoreErrors.UnknownTransport);
        var push = await CliRunner.RunAsync(dir.Path, "push", "app:1", "localhost:1/app", "-t", "bad tag", "--store", store);
        Assert.AreEqual(1, push.ExitCode);
        StringAssert.Contains(push.StdErr, ImageErrors.InvalidReference);
        var load = await CliRunner.RunAsync(dir.Path, "load-into", "containerd", "app:1", "--store", store);
        Assert.AreNotEqual(0, load.ExitCode);
        StringAssert.Contains(load.StdErr, GeneralErrors.BadArguments);
    }
}
