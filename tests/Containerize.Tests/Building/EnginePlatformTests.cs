using System.Runtime.Versioning;
using Containerize.Core.Os;
using Containerize.Tests.Infrastructure;

namespace Containerize.Tests.Building;

/// <summary>
/// `containerize build` with Windows' rules forced (<see cref="HostRules.Use"/>): a Dockerfile without RUN needs only
/// files and gives the image Linux gives; a RUN, or a step that must unpack an image into a folder, is a coded error
/// at its line with a hint, and no tag moves.
/// </summary>
[TestClass]
[SupportedOSPlatform("linux")]
public sealed class EnginePlatformTests
{
    [TestMethod]
    public async Task Engine_WindowsRulesRunIsCTZ5047AtItsLineAndTagsNothing()
    {
        using var lab = await EngineLab.CreateAsync();
        lab.Write("hello.txt", "hello\n");
        lab.Write("Dockerfile", "FROM busybox:test\nCOPY hello.txt /\nRUN echo hi > /made\nENV A=1\n");
        using (HostRules.Use(HostRules.Windows))
        {
            var result = await lab.BuildAsync("-t", "demo:1");
            Assert.AreEqual(1, result.ExitCode, result.StdOut + result.StdErr);
            StringAssert.Contains(result.StdErr, "Dockerfile:3: CTZ5047");
            StringAssert.Contains(result.StdErr, "--engine docker", "the hint names the hand-off");
            Assert.IsFalse(result.StdErr.Contains("   at ", StringComparison.Ordinal), "no stack trace");
            StringAssert.Contains(result.StdOut, "Step 2/4 : COPY hello.txt /", "the steps before it ran");
        }

        await Assert.ThrowsExactlyAsync<Core.Diagnostics.ContainerizeException>(() => lab.ImageAsync("demo:1"));
    }

    [TestMethod]
    public async Task Engine_WindowsRulesCopyFromAnImageIsCTZ3115()
    {
        using var lab = await EngineLab.CreateAsync();
        lab.Write("Dockerfile", "FROM busybox:test\nCOPY --from=busybox:test /bin/busybox /copied\n");
        using (HostRules.Use(HostRules.Windows))
        {
            var result = await lab.BuildAsync("-t", "demo:1");
            Assert.AreEqual(1, result.ExitCode, result.StdOut + result.StdErr);
            StringAssert.Contains(result.StdErr, "CTZ3115");
            Assert.IsFalse(result.StdErr.Contains("   at ", StringComparison.Ordinal), "no stack trace");
        }

        await Assert.ThrowsExactlyAsync<Core.Diagnostics.ContainerizeException>(() => lab.ImageAsync("demo:1"));
    }

    [TestMethod]
    public async Task Engine_WindowsRulesBuildWithoutRunEqualsTheLinuxImage()
    {
        using var lab = await EngineLab.CreateAsync();
        lab.Write("Dockerfile", "FROM busybox:test\nWORKDIR /app\nCOPY hello.txt run.sh ./\nCOPY conf/ conf/\nENV A=1\nUSER 1000\n");
        lab.Write("hello.txt", "hello\n");
        lab.Write("conf/app.json", "{}\n");
        var script = lab.Write("run.sh", "#!/bin/sh\necho run\n");
        // As a Linux checkout has them: the script executable, the rest 0644 (what Windows' mode rule gives).
        File.SetUnixFileMode(script, (UnixFileMode)0b111_101_101);
        foreach (var f in new[] { "hello.txt", "conf/app.json" }) File.SetUnixFileMode(Path.Combine(lab.Context, f), (UnixFileMode)0b110_100_100);

        var linux = await lab.BuildAsync("-t", "linux:1");
        Assert.AreEqual(0, linux.ExitCode, linux.StdErr);
        CliResult windows;
        using (HostRules.Use(HostRules.Windows))
        {
            windows = await lab.BuildAsync("--no-cache", "-t", "windows:1");
        }

        Assert.AreEqual(0, windows.ExitCode, windows.StdErr);
        var (a, _) = await lab.ImageAsync("linux:1");
        var (b, _) = await lab.ImageAsync("windows:1");
        Assert.AreEqual(a.Digest, b.Digest, "the same Dockerfile and context give the same image under Windows' rules");
    }
}
