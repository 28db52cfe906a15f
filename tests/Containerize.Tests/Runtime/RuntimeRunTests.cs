using System.Runtime.Versioning;
using Containerize.Core.Diagnostics;
using Containerize.Core.Runtime;
using Containerize.Core.Runtime.Diff;

namespace Containerize.Tests.Runtime;

[TestClass]
[SupportedOSPlatform("linux")]
public sealed class RuntimeRunTests
{
    private static async Task<(List<string> Output, RunResult Result)> RunAsync(RuntimeFixture f, RunRequest request,
        RootfsStrategy strategy = RootfsStrategy.Auto)
    {
        var output = new List<string>();
        var result = await f.Runtime(strategy).RunAsync(request, output.Add, CancellationToken.None);
        return (output, result);
    }

    [TestMethod]
    public async Task Run_EchoStreamsOutput_AndOverlayIsUsedAsRoot()
    {
        using var f = await RuntimeFixture.CreateAsync();
        var (output, result) = await RunAsync(f, f.Shell("echo hello; echo to-stderr >&2"));
        await using var _ = result;
        CollectionAssert.Contains(output, "hello");
        CollectionAssert.Contains(output, "to-stderr");
        Assert.AreEqual(RootfsStrategy.Overlay, result.Strategy);
        Assert.IsEmpty(result.Changes, string.Join("\n", result.Changes));
    }

    [TestMethod]
    public async Task Run_EnvAndCreatedWorkingDirectory()
    {
        using var f = await RuntimeFixture.CreateAsync();
        var request = f.Shell("echo \"GREETING=$GREETING\"; echo \"PATH=$PATH\"; pwd") with
        {
            Env = ["GREETING=hi there"],
            WorkingDirectory = "/work/app",
        };
        var (output, result) = await RunAsync(f, request);
        await using var _ = result;
        CollectionAssert.AreEqual(new[] { "GREETING=hi there", "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "/work/app" }, output);
        // The created working directory is part of the step's difference, as with BuildKit.
        CollectionAssert.AreEqual(new[] { "A work Directory 0755 0:0", "A work/app Directory 0755 0:0" }, result.Changes.Select(c => c.ToString()).ToArray());
    }

    [TestMethod]
    [DataRow("", "0 0 0")]
    [DataRow("app", "1654 1654 1654 50")]
    [DataRow("app:staff", "1654 50 50")]
    [DataRow("1654:1654", "1654 1654 1654")]
    [DataRow("4321", "4321 0 0")]
    public async Task Run_User(string user, string expected)
    {
        using var f = await RuntimeFixture.CreateAsync();
        var (output, result) = await RunAsync(f, f.Shell("echo $(id -u) $(id -g) $(id -G)") with { User = user });
        await using var _ = result;
        Assert.AreEqual(expected, output.Single());
    }

    [TestMethod]
    public async Task Run_UnknownUserIsCoded()
    {
        using var f = await RuntimeFixture.CreateAsync();
        var e = await Assert.ThrowsExactlyAsync<ContainerizeException>(() => RunAsync(f, f.Shell("true") with { User = "ghost" }));
        Assert.AreEqual(RuntimeErrors.UnknownUser, e.Code);
        Assert.IsEmpty(Directory.GetDirectories(f.Runtime().RunsFolder), "the step's folder is removed");
    }

    [TestMethod]
    public async Task Run_NonZeroExitIsCodedWithTheOutputTail_AndKeepsTheBundleUnmounted()
    {
        using var f = await RuntimeFixture.CreateAsync();
        // stdout and stderr reach us through separate pipes: the pause keeps the stderr line last.
        var script = "for i in $(seq 1 30); do echo line-$i; done; sleep 0.5; echo boom >&2; exit 3";
        var e = await Assert.ThrowsExactlyAsync<ContainerizeException>(() => RunAsync(f, f.Shell(script)));
        Assert.AreEqual(RuntimeErrors.CommandFailed, e.Code);
        StringAssert.Contains(e.Message, "returned a non-zero code: 3");
        StringAssert.Contains(e.Message, script);
        StringAssert.Contains(e.Message, "| boom");
        StringAssert.Contains(e.Message, "| line-30");
        Assert.DoesNotContain("| line-10\n", e.Message.Replace("\r", ""), "only the last 20 lines are kept");
        Assert.DoesNotContain("| line-1" + Environment.NewLine, e.Message);
        var kept = Directory.GetDirectories(f.Runtime().RunsFolder).Single();
        StringAssert.Contains(e.Diagnostic.Hint!, kept);
        Assert.IsTrue(File.Exists(Path.Combine(kept, "config.json")));
        Assert.DoesNotContain(kept, await File.ReadAllTextAsync("/proc/self/mountinfo"), "the failed step's overlay is unmounted");
    }

    [TestMethod]
    public async Task Run_StdinIsClosed()
    {
        using var f = await RuntimeFixture.CreateAsync();
        var (output, result) = await RunAsync(f, f.Shell("cat; echo \"read=$?\""));
        await using var _ = result;
        CollectionAssert.AreEqual(new[] { "read=0" }, output);
    }

    [TestMethod]
    public async Task Run_ExecFormAndNamespaces()
    {
        using var f = await RuntimeFixture.CreateAsync();
        var request = f.Shell("") with { Args = ["/bin/sh", "-c", "echo pid=$$; hostname; cat /proc/self/status | grep CapBnd; ls /dev"] };
        var (output, result) = await RunAsync(f, request);
        await using var _ = result;
        CollectionAssert.Contains(output, "pid=1", "a new pid namespace");
        CollectionAssert.Contains(output, "buildkitsandbox", "a new uts namespace with the step's hostname");
        CollectionAssert.Contains(output, "CapBnd:\t00000000a80425fb", "Docker's default capabilities");
        foreach (var device in new[] { "null", "zero", "full", "random", "urandom", "tty", "pts", "shm" }) CollectionAssert.Contains(output, device);
    }

    [TestMethod]
    public async Task Run_NetworkNone_OnlyLoopback()
    {
        using var f = await RuntimeFixture.CreateAsync();
        var (output, result) = await RunAsync(f, f.Shell("ls /sys/class/net") with { Network = NetworkMode.None });
        await using var _ = result;
        CollectionAssert.AreEqual(new[] { "lo" }, output);
    }

    [TestMethod]
    public async Task Run_HostNetworkByDefault_ShowsTheHostsInterfaces()
    {
        using var f = await RuntimeFixture.CreateAsync();
        var host = Directory.GetFileSystemEntries("/sys/class/net").Select(Path.GetFileName).Order(StringComparer.Ordinal).ToArray();
        Assert.IsGreaterThan(1, host.Length, "the host has more than loopback");
        var (output, result) = await RunAsync(f, f.Shell("ls -1 /sys/class/net"));
        await using var _ = result;
        CollectionAssert.AreEquivalent(host, output);
    }

    [TestMethod]
    [DataRow(RootfsStrategy.Overlay)]
    [DataRow(RootfsStrategy.Copy)]
    public async Task Run_GeneratedEtcFilesAreInside_AndNotInTheDiff(RootfsStrategy strategy)
    {
        using var f = await RuntimeFixture.CreateAsync();
        var (output, result) = await RunAsync(f, f.Shell("cat /etc/hosts; grep -c nameserver /etc/resolv.conf; cat /etc/hostname"), strategy);
        await using var _ = result;
        CollectionAssert.Contains(output, "127.0.0.1\tlocalhost buildkitsandbox");
        var hostNameservers = File.ReadAllLines("/etc/resolv.conf").Count(l => l.Contains("nameserver", StringComparison.Ordinal));
        CollectionAssert.Contains(output, Math.Max(1, hostNameservers).ToString(System.Globalization.CultureInfo.InvariantCulture));
        CollectionAssert.Contains(output, "buildkitsandbox");
        Assert.IsEmpty(result.Changes, "no mount point (etc/hosts, proc, dev, sys) leaks: " + string.Join("; ", result.Changes));
    }
}
