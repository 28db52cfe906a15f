using System.Runtime.Versioning;
using System.Text.RegularExpressions;
using Containerize.Tests.Infrastructure;

namespace Containerize.Tests.Building;

/// <summary>`containerize run` as docker run: exit codes, -d with ps/logs/stop/rm, --name, -w, -u, --entrypoint, --network.</summary>
[TestClass]
[SupportedOSPlatform("linux")]
public sealed partial class EngineContainerTests
{
    private static async Task<EngineLab> LabAsync()
    {
        Requirements.Tool("runc");
        Requirements.Tool("setsid");
        Requirements.RequireRoot("runc with namespaces and overlay mounts");
        var lab = await EngineLab.CreateAsync();
        lab.Write("Dockerfile", "FROM busybox:test\nCMD [\"echo\", \"image-cmd\"]\n");
        var build = await lab.BuildAsync("-t", "box:1");
        Assert.AreEqual(0, build.ExitCode, build.StdErr + build.StdOut);
        return lab;
    }

    private static Task<CliResult> Cli(EngineLab lab, params string[] args) =>
        CliRunner.RunAsync(lab.Context, [args[0], "--runtime-root", lab.RuntimeRoot, .. args[1..]]);

    /// <summary>Polls `logs` until the text shows (the container prints it once it is ready); fails after two minutes.</summary>
    private static async Task<string> WaitForLogAsync(EngineLab lab, string id, string text)
    {
        var deadline = DateTime.UtcNow.AddMinutes(2);
        while (true)
        {
            var logs = await Cli(lab, "logs", id);
            Assert.AreEqual(0, logs.ExitCode, logs.StdErr);
            if (logs.StdOut.Contains(text, StringComparison.Ordinal)) return logs.StdOut;
            if (DateTime.UtcNow > deadline) Assert.Fail($"'{text}' never appeared in the log: {logs.StdOut}");
            await Task.Delay(100);
        }
    }

    private static async Task<string> StatusAsync(EngineLab lab, string name)
    {
        var ps = await Cli(lab, "ps", "-a");
        Assert.AreEqual(0, ps.ExitCode, ps.StdErr);
        var line = ps.StdOut.Split('\n').FirstOrDefault(l => l.EndsWith(" " + name, StringComparison.Ordinal));
        return line is null ? "(absent)" : StatusColumn().Match(line).Value.Trim();
    }

    [TestMethod]
    public async Task Engine_RunPassesTheExitCodeAndDockerRunOptions()
    {
        using var lab = await LabAsync();

        var three = await lab.RunAsync("box:1", "sh", "-c", "echo out; exit 3");
        Assert.AreEqual(3, three.ExitCode, three.StdErr);
        StringAssert.Contains(three.StdOut, "out\n");

        var defaults = await lab.RunAsync("box:1");
        Assert.AreEqual(0, defaults.ExitCode, defaults.StdErr);
        Assert.AreEqual("image-cmd\n", defaults.StdOut);

        var options = await lab.RunAsync("-w", "/tmp/work", "-u", "1000:1001", "--network", "none", "box:1", "sh", "-c", "pwd; id -u; id -g; ls /sys/class/net");
        Assert.AreEqual(0, options.ExitCode, options.StdErr);
        Assert.AreEqual("/tmp/work\n1000\n1001\nlo\n", options.StdOut);

        // --entrypoint replaces ENTRYPOINT and drops the image's CMD.
        var entry = await lab.RunAsync("--entrypoint", "echo", "box:1", "from", "entrypoint");
        Assert.AreEqual(0, entry.ExitCode, entry.StdErr);
        Assert.AreEqual("from entrypoint\n", entry.StdOut);
        var bare = await lab.RunAsync("--entrypoint", "/bin/echo", "box:1");
        Assert.AreEqual("\n", bare.StdOut, "no CMD after --entrypoint");

        var network = await lab.RunAsync("--network", "overlay", "box:1");
        Assert.AreEqual(1, network.ExitCode);
        StringAssert.Contains(network.StdErr, "host, none or bridge");

        // Foreground containers are removed when they exit.
        Assert.AreEqual("", (await Cli(lab, "ps", "-a", "-q")).StdOut);
    }

    /// <summary>docker rmi's conflict: an image a container (running or stopped) was made from is not deleted unless forced.</summary>
    [TestMethod]
    public async Task Engine_RmiRefusesAnImageAContainerUsesUnlessForced()
    {
        using var lab = await LabAsync();
        Task<CliResult> Rmi(params string[] args) => Cli(lab, ["rmi", "--store", lab.Store, .. args]);
        var id = (await CliRunner.RunAsync(lab.Context, "image", "inspect", "--store", lab.Store, "--format", "{{.Id}}", "box:1")).StdOut.Trim();
        StringAssert.StartsWith(id, "sha256:");
        var run = await lab.RunAsync("-d", "--name", "user", "box:1", "sleep", "60");
        Assert.AreEqual(0, run.ExitCode, run.StdErr);
        var shortContainer = run.StdOut.Trim()[..12];
        var shortImage = id.Replace("sha256:", "", StringComparison.Ordinal)[..12];

        var byName = await Rmi("box:1");
        Assert.AreEqual(1, byName.ExitCode);
        StringAssert.Contains(byName.StdErr, $"CTZ3263 conflict: unable to remove repository reference \"box:1\" (must force) - container {shortContainer} is using its referenced image {shortImage}");
        var byId = await Rmi(shortImage);
        StringAssert.Contains(byId.StdErr, $"CTZ3263 conflict: unable to delete {shortImage} (must be forced) - image is being used by running container {shortContainer}");
        var byFilter = await Rmi("--filter", "reference=box");
        StringAssert.Contains(byFilter.StdErr, "CTZ3263");

        // Another name of the same image goes freely: the image stays for the container.
        Assert.AreEqual(0, (await CliRunner.RunAsync(lab.Context, "tag", "box:1", "box:other", "--store", lab.Store)).ExitCode);
        Assert.AreEqual("Untagged: box:other\n", (await Rmi("box:other")).StdOut);

        Assert.AreEqual(0, (await Cli(lab, "stop", "-t", "1", "user")).ExitCode);
        StringAssert.Contains((await Rmi(shortImage)).StdErr, $"image is being used by stopped container {shortContainer}");
        Assert.AreEqual(0, (await Cli(lab, "rm", "user")).ExitCode);
        var removed = await Rmi("box:1");
        Assert.AreEqual(0, removed.ExitCode, removed.StdErr);
        Assert.AreEqual($"Untagged: box:1\nDeleted: {id}\n", removed.StdOut);

        // -f removes it even under a container.
        Assert.AreEqual(0, (await lab.BuildAsync("-t", "box:1")).ExitCode);
        Assert.AreEqual(0, (await lab.RunAsync("-d", "--name", "user2", "box:1", "sleep", "60")).ExitCode);
        var forced = await Rmi("-f", "box:1");
        Assert.AreEqual(0, forced.ExitCode, forced.StdErr);
        StringAssert.Contains(forced.StdOut, "Untagged: box:1\n");
        await Cli(lab, "rm", "-f", "user2");
    }

    [TestMethod]
    public async Task Engine_DetachedContainerLogsStopsAndIsRemoved()
    {
        using var lab = await LabAsync();
        var run = await lab.RunAsync("-d", "--name", "web", "box:1", "sh", "-c", "trap 'echo got-term; exit 0' TERM; echo started; while true; do sleep 0.2; done");
        Assert.AreEqual(0, run.ExitCode, run.StdErr);
        var id = run.StdOut.Trim();
        Assert.IsTrue(FullId().IsMatch(id), run.StdOut);
        try
        {
            await WaitForLogAsync(lab, "web", "started");
            Assert.AreEqual("Up", await StatusAsync(lab, "web"));
            StringAssert.Contains((await Cli(lab, "ps", "-q")).StdOut, id[..12]);

            var again = await lab.RunAsync("-d", "--name", "web", "box:1", "true");
            Assert.AreEqual(1, again.ExitCode);
            StringAssert.Contains(again.StdErr, "CTZ5515");

            var rm = await Cli(lab, "rm", "web");
            Assert.AreEqual(1, rm.ExitCode);
            StringAssert.Contains(rm.StdErr, "CTZ5514");

            var stop = await Cli(lab, "stop", id[..10]);
            Assert.AreEqual(0, stop.ExitCode, stop.StdErr);
            Assert.AreEqual("Exited (0)", await StatusAsync(lab, "web"), "the TERM handler ran");
            StringAssert.Contains((await Cli(lab, "logs", "web")).StdOut, "started\ngot-term\n");
            Assert.IsFalse((await Cli(lab, "ps")).StdOut.Contains(id[..12], StringComparison.Ordinal), "ps without -a lists running containers only");
        }
        finally
        {
            var removed = await Cli(lab, "rm", "-f", id);
            Assert.AreEqual(0, removed.ExitCode, removed.StdErr);
        }

        Assert.AreEqual("(absent)", await StatusAsync(lab, "web"));
        Assert.IsFalse(Directory.Exists(Path.Combine(lab.RuntimeRoot, "containers", id)));
        Assert.IsFalse(File.ReadAllText("/proc/self/mountinfo").Contains(lab.RuntimeRoot, StringComparison.Ordinal), "nothing left mounted");
        var unknown = await Cli(lab, "logs", "web");
        Assert.AreEqual(1, unknown.ExitCode);
        StringAssert.Contains(unknown.StdErr, "CTZ5516");
    }

    [TestMethod]
    public async Task Engine_StopKillsAContainerIgnoringSigtermAfterTheTimeout()
    {
        using var lab = await LabAsync();
        var run = await lab.RunAsync("-d", "--name", "stubborn", "box:1", "sh", "-c", "trap '' TERM; echo ready; sleep 600");
        Assert.AreEqual(0, run.ExitCode, run.StdErr);
        var id = run.StdOut.Trim();
        try
        {
            await WaitForLogAsync(lab, id, "ready");
            var stop = await Cli(lab, "stop", "-t", "1", "stubborn");
            Assert.AreEqual(0, stop.ExitCode, stop.StdErr);
            Assert.AreEqual("Exited (137)", await StatusAsync(lab, "stubborn"), "SIGKILL after the timeout (128 + 9)");
        }
        finally
        {
            await Cli(lab, "rm", "-f", id);
        }
    }

    [TestMethod]
    public async Task Engine_StopSendsTheImagesStopSignal()
    {
        using var lab = await LabAsync();
        lab.Write("Dockerfile", "FROM busybox:test\nSTOPSIGNAL SIGINT\n");
        Assert.AreEqual(0, (await lab.BuildAsync("-t", "int:1")).ExitCode);
        // Only INT ends it with 42: TERM is ignored, and KILL would give 137.
        var run = await lab.RunAsync("-d", "--name", "polite", "int:1", "sh", "-c", "trap '' TERM; trap 'exit 42' INT; echo ready; while true; do sleep 0.2; done");
        Assert.AreEqual(0, run.ExitCode, run.StdErr);
        var id = run.StdOut.Trim();
        try
        {
            await WaitForLogAsync(lab, id, "ready");
            Assert.AreEqual(0, (await Cli(lab, "stop", "polite")).ExitCode);
            Assert.AreEqual("Exited (42)", await StatusAsync(lab, "polite"));
        }
        finally
        {
            await Cli(lab, "rm", "-f", id);
        }
    }

    [TestMethod]
    public async Task Engine_DetachedExitCodeIsKeptAndRmRemovesIt()
    {
        using var lab = await LabAsync();
        var run = await lab.RunAsync("-d", "box:1", "sh", "-c", "echo bye; exit 3");
        Assert.AreEqual(0, run.ExitCode, run.StdErr);
        var id = run.StdOut.Trim();
        await WaitForLogAsync(lab, id, "bye");
        var deadline = DateTime.UtcNow.AddMinutes(1);
        string status;
        while ((status = await StatusAsync(lab, "ctz_" + id[..8])) != "Exited (3)" && DateTime.UtcNow < deadline) await Task.Delay(100);
        Assert.AreEqual("Exited (3)", status);
        Assert.AreEqual(0, (await Cli(lab, "rm", id[..12])).ExitCode);
        Assert.AreEqual("", (await Cli(lab, "ps", "-a", "-q")).StdOut);
    }

    [GeneratedRegex("^[0-9a-f]{64}$")]
    private static partial Regex FullId();

    [GeneratedRegex(@"(Up|Exited \(\d+\)|Exited|Created)\s")]
    private static partial Regex StatusColumn();
}
