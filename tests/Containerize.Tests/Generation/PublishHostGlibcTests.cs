using Containerize.Core.Host;
using Containerize.Core.Os;
using Containerize.Tests.Infrastructure;

namespace Containerize.Tests.Generation;

/// <summary>
/// The native publish host is a glibc program: before starting it, the task compares the glibc version it needs
/// (read from its ELF file) with the machine's, so a machine with an older glibc, or musl, never pays for a start
/// that fails. The machine's C library is forced through <c>WhyUnusable(path, glibc)</c>; the host is the test
/// build's own containerize apphost, a real ELF executable.
/// </summary>
[TestClass]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class PublishHostGlibcTests
{
    private static (TempDir Dir, string Host, Version Needed) CopyOfHost()
    {
        var dir = new TempDir("ctz-host-glibc");
        var host = dir.Combine("containerize");
        File.Copy(Path.Combine(AppContext.BaseDirectory, "containerize"), host);
        var needed = ElfVersionNeeds.Read(host)?.HighestGlibc ?? throw new AssertFailedException("the apphost needs no glibc version");
        return (dir, host, needed);
    }

    [TestMethod]
    public void PublishHost_OnThisMachinesGlibcTheHostIsUsable()
    {
        var (dir, host, needed) = CopyOfHost();
        using (dir)
        {
            Assert.IsNull(PublishHostClient.WhyUnusable(host));
            Assert.IsNull(PublishHostClient.WhyUnusable(host, needed), "exactly the version it needs");
            Assert.IsNull(PublishHostClient.WhyUnusable(host, new Version(needed.Major + 1, 0)));
        }
    }

    [TestMethod]
    public void PublishHost_AnOlderGlibcIsToldWhyAndNothingStarts()
    {
        var (dir, host, needed) = CopyOfHost();
        using (dir)
        {
            var older = new Version(needed.Major, needed.Minor - 1);
            Assert.AreEqual($"the native publish host {host} needs glibc {needed} and this machine has glibc {older}", PublishHostClient.WhyUnusable(host, older));
        }
    }

    [TestMethod]
    public void PublishHost_OnMuslTheGlibcHostIsNotUsed()
    {
        var (dir, host, needed) = CopyOfHost();
        using (dir)
        {
            Assert.AreEqual($"the native publish host {host} needs glibc {needed} and this machine's C library is not glibc (musl?)", PublishHostClient.WhyUnusable(host, null));
        }
    }

    [TestMethod]
    public void PublishHost_AHostThatIsNoElfFileIsLeftToItsStart()
    {
        using var dir = new TempDir("ctz-host-glibc");
        var script = dir.Write("containerize", "#!/bin/sh\nexit 3\n");
        Assert.IsNull(PublishHostClient.WhyUnusable(script, null), "not an ELF file: whether it starts is for the start to say");
    }
}
