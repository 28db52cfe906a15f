using System.Runtime.Versioning;
using Containerize.Core.Runtime;
using Containerize.Tests.Infrastructure;

namespace Containerize.Tests.Runtime;

/// <summary>A runtime folder and a busybox base, shared by the runtime tests of one class.</summary>
[SupportedOSPlatform("linux")]
internal sealed class RuntimeFixture : IDisposable
{
    private readonly TempDir _temp = new("ctz-runtime");

    private RuntimeFixture()
    {
    }

    public string Root => _temp.Combine("state");

    public string Base => _temp.Combine("base");

    public string Temp => _temp.Path;

    public static async Task<RuntimeFixture> CreateAsync()
    {
        Requirements.Tool("runc");
        Requirements.RequireRoot("runc with namespaces and overlay mounts");
        var fixture = new RuntimeFixture();
        await BusyboxRootfs.CreateAsync(fixture.Base);
        return fixture;
    }

    public ContainerRuntime Runtime(RootfsStrategy strategy = RootfsStrategy.Auto) => new(new RuntimeOptions { Root = Root, Strategy = strategy });

    public RunRequest Shell(string script, params RootfsLayer[] extraLayers) => new()
    {
        Layers = [new DirectoryLayer(Base), .. extraLayers],
        Args = ["/bin/sh", "-c", script],
    };

    public void Dispose() => _temp.Dispose();
}
