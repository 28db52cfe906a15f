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
}
