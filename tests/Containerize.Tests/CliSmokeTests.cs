using Containerize.Tests.Infrastructure;

namespace Containerize.Tests;

[TestClass]
public sealed class CliSmokeTests
{
    [TestMethod]
    public async Task UnknownCommandIsACodedError()
    {
        var r = await CliRunner.RunAsync(Environment.CurrentDirectory, "frobnicate");
        Assert.AreEqual(1, r.ExitCode);
        StringAssert.StartsWith(r.StdErr, "CTZ0001 unknown command 'frobnicate'");
        StringAssert.Contains(r.StdErr, "hint:");
    }

    [TestMethod]
    public async Task HelpListsCommands()
    {
        var r = await CliRunner.RunAsync(Environment.CurrentDirectory, "--help");
        Assert.AreEqual(0, r.ExitCode);
        StringAssert.Contains(r.StdOut, "Commands:");
    }
}
