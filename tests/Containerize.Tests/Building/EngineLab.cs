using System.Runtime.Versioning;
using System.Text.RegularExpressions;
using Containerize.Core.Images.Oci;
using Containerize.Core.Images.Store;
using Containerize.Core.Images.Transfer;
using Containerize.Tests.Infrastructure;
using Containerize.Tests.Runtime;

namespace Containerize.Tests.Building;

/// <summary>
/// A store holding a busybox base (Debian's static busybox, imported with the layer writer) tagged busybox:test,
/// a context folder and a runtime folder; builds through the CLI as a user would.
/// </summary>
[SupportedOSPlatform("linux")]
internal sealed partial class EngineLab : IDisposable
{
    private readonly TempDir _temp = new("ctz-engine");

    public string Store => _temp.Combine("store");

    public string Context => _temp.Combine("ctx");

    public string RuntimeRoot => _temp.Combine("runtime");

    public string Temp => _temp.Path;

    public static async Task<EngineLab> CreateAsync()
    {
        var lab = new EngineLab();
        var rootfs = await BusyboxRootfs.CreateAsync(lab._temp.Combine("busybox"));
        var store = await OciLayoutStore.OpenOrCreateAsync(lab.Store);
        var manifest = await new RootfsImporter(store).ImportAsync(rootfs, ["ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"]);
        await store.TagAsync(ImageReference.Parse("busybox:test"), manifest);
        Directory.CreateDirectory(lab.Context);
        return lab;
    }

    public string Write(string relative, string content) => _temp.Write(Path.Combine("ctx", relative), content);

    public Task<CliResult> BuildAsync(params string[] args) =>
        CliRunner.RunAsync(Context, ["build", "--store", Store, "--runtime-root", RuntimeRoot, .. args, "."]);

    public Task<CliResult> RunAsync(params string[] args) =>
        CliRunner.RunAsync(Context, ["run", "--store", Store, "--runtime-root", RuntimeRoot, .. args]);

    /// <summary>umoci, an independent OCI implementation, unpacks the tagged image; returns its rootfs.</summary>
    public async Task<string> UnpackAsync(string tag)
    {
        var umoci = Requirements.Tool("umoci");
        var bundle = _temp.Combine("bundle-" + Guid.NewGuid().ToString("N")[..8]);
        var result = await ProcessRunner.RunAsync(umoci, ["unpack", "--image", $"{Store}:docker.io/library/{tag}", bundle]);
        result.EnsureSuccess("umoci unpack");
        return Path.Combine(bundle, "rootfs");
    }

    public async Task<(Descriptor Manifest, ImageConfiguration Config)> ImageAsync(string tag)
    {
        var store = await OciLayoutStore.OpenOrCreateAsync(Store);
        var manifest = await store.ResolveRequiredAsync(ImageReference.Parse(tag));
        var m = await store.ReadManifestAsync(manifest);
        return (manifest, await store.ReadConfigAsync(m.Config));
    }

    /// <summary>Step number → hit, from the summary table.</summary>
    public static IReadOnlyDictionary<int, bool> CacheHits(string output) =>
        SummaryLine().Matches(output).ToDictionary(m => int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture), m => m.Groups[2].Value == "hit");

    [GeneratedRegex(@"^\s+(\d+)\s+[\d.]+s\s+(hit|miss)\s", RegexOptions.Multiline)]
    private static partial Regex SummaryLine();

    public void Dispose() => _temp.Dispose();
}
