using Containerize.Core.Os;
using Containerize.Tests.Infrastructure;

namespace Containerize.Tests.Sdk;

/// <summary>
/// Where `dotnet publish -p:ContainerBuild=true` runs: as a user without root (with its own HOME, NuGet folder and
/// store), and with Windows' rules forced from Linux (<c>CTZ_HOST_OS=windows</c>), where Host mode works and only
/// the steps that need runc say so with a code and a hint that leads somewhere.
/// </summary>
[TestClass]
[DoNotParallelize]
public sealed class PlatformPublishTests
{
    private const int Nobody = 65534;

    [TestMethod]
    [Timeout(1_200_000, CooperativeCancellation = true)]
    public async Task Platform_HostModePublishAsNobodyGivesRootsDigestToAnArchiveAndTheRegistry()
    {
        if (!await PublishLab.RegistryAnswersAsync()) Requirements.Missing("the registry on localhost:5000 does not answer (bash eng/setup starts it)");
        Requirements.RequireRoot("setpriv to another user");

        using var asRoot = await PublishLab.CopySampleAsync("HelloWeb");
        (await asRoot.PublishAsync("HelloWeb", "-p:ContainerArchiveOutputPath=out/image.tar")).EnsureSuccess("publish HelloWeb as root");
        var rootDigest = PublishLab.ImageJson(Path.Combine(asRoot.Root, "HelloWeb")).GetProperty("manifestDigest").GetString();

        using var lab = await PublishLab.CopySampleAsync("HelloWeb");
        await lab.RunAsUserAsync(Nobody, Nobody);
        var archive = Path.Combine(lab.Root, "HelloWeb", "out", "image.tar");
        var toArchive = (await lab.PublishAsync("HelloWeb", "-p:ContainerArchiveOutputPath=out/image.tar")).EnsureSuccess("publish HelloWeb as nobody to an archive");
        Assert.IsFalse(toArchive.StdOut.Contains("   at ", StringComparison.Ordinal), toArchive.StdOut);
        var digest = PublishLab.ImageJson(Path.Combine(lab.Root, "HelloWeb")).GetProperty("manifestDigest").GetString();
        Assert.AreEqual(rootDigest, digest, "the same project gives the same image whoever publishes it");
        Assert.AreEqual(Nobody, OwnerOf(archive), "the archive belongs to the user who published");
        Assert.IsTrue((await PublishLab.SkopeoAsync("inspect", $"docker-archive:{archive}")).GetProperty("Layers").GetArrayLength() >= 2, "skopeo reads the archive");

        var repo = $"ctz-test/nonroot-{Guid.NewGuid():N}"[..26];
        (await lab.PublishAsync("HelloWeb", $"-p:ContainerRegistry={PublishLab.Registry}", $"-p:ContainerRepository={repo}")).EnsureSuccess("publish HelloWeb as nobody to the registry");
        var remote = await PublishLab.SkopeoAsync("inspect", "--tls-verify=false", $"docker://{PublishLab.Registry}/{repo}:latest");
        Assert.AreEqual(PublishLab.ImageJson(Path.Combine(lab.Root, "HelloWeb")).GetProperty("manifestDigest").GetString(), remote.GetProperty("Digest").GetString(),
            "the registry holds the manifest nobody built");

        // Everything the publishes wrote belongs to nobody: no root-owned file in its folders, its own store used.
        var rootOwned = Directory.EnumerateFileSystemEntries(lab.Root, "*", SearchOption.AllDirectories).Where(p => OwnerOf(p) != Nobody).Take(5).ToList();
        CollectionAssert.AreEqual(Array.Empty<string>(), rootOwned, "files written as another user");
        Assert.IsTrue(Directory.Exists(Path.Combine(lab.Store, "blobs", "sha256")), "the user's own store");
    }

    [TestMethod]
    [Timeout(1_200_000, CooperativeCancellation = true)]
    public async Task Platform_WindowsRulesContainerModeIsCTZ6035AndHostModeWorks()
    {
        if (!await PublishLab.RegistryAnswersAsync()) Requirements.Missing("the registry on localhost:5000 does not answer (bash eng/setup starts it)");
        using var lab = await PublishLab.CopySampleAsync("HelloConsole");
        lab.Environment[HostRules.OsVariable] = "windows";

        var container = await lab.PublishAsync("HelloConsole", "-p:ContainerBuildMode=Container");
        Assert.AreNotEqual(0, container.ExitCode, container.StdOut);
        StringAssert.Contains(container.StdOut, "error CTZ6035:", container.StdOut);
        StringAssert.Contains(container.StdOut, "ContainerBuildEngine=Docker", "the hint names the hand-off");
        StringAssert.Contains(container.StdOut, "ContainerBuildMode=Host", "and Host mode");
        Assert.IsFalse(container.StdOut.Contains("   at ", StringComparison.Ordinal), "no stack trace");
        Assert.IsFalse(File.Exists(Path.Combine(lab.Root, "HelloConsole", "obj", "container", "image.json")), "no image was written");

        // The first hint: the hand-off is not refused by the gate; what it says next is about the engine (Windows' rules
        // read this Linux PATH as one ';'-separated folder, so no client is found: CTZ7001, or a dead daemon: CTZ7002).
        lab.Environment["DOCKER_HOST"] = "unix://" + Path.Combine(lab.Root, "no-daemon.sock");
        // The context is the lab's root, which holds the samples' Directory.Build.props (as a repository root would).
        var handOff = await lab.PublishAsync("HelloConsole", "-p:ContainerBuildMode=Container", "-p:ContainerBuildEngine=Docker", $"-p:ContainerBuildContext={lab.Root}");
        Assert.IsFalse(handOff.StdOut.Contains("CTZ6035", StringComparison.Ordinal), handOff.StdOut);
        StringAssert.Matches(handOff.StdOut, new System.Text.RegularExpressions.Regex("error CTZ700[12]:"), handOff.StdOut);
        lab.Environment.Remove("DOCKER_HOST");

        // The second hint: Host mode (the default) publishes with Windows' rules.
        var host = (await lab.PublishAsync("HelloConsole", "-p:ContainerArchiveOutputPath=out/image.tar")).EnsureSuccess("Host mode with Windows rules");
        StringAssert.Contains(host.StdOut, "Container image:", host.StdOut);
        Assert.IsTrue(File.Exists(Path.Combine(lab.Root, "HelloConsole", "out", "image.tar")));
    }

    private static int OwnerOf(string path) => Containerize.Core.Os.LibC.LStat(path) is { } st ? (int)st.Uid : -1;
}
