using System.Text.Json;
using Containerize.Core.Images.Layers;
using Containerize.Core.Os;
using Containerize.Tests.Infrastructure;

namespace Containerize.Tests.Sdk;

/// <summary>
/// Host-mode publishes with the portable file-system path (<c>CTZ_FILESYSTEM=portable</c>) and with Windows' rules
/// (<c>CTZ_HOST_OS=windows</c>) forced on the child <c>dotnet publish</c>: the same images as the native Linux path.
/// Each variant publishes its own copy of the sample (a second publish of one copy would be skipped as up to date).
/// </summary>
[TestClass]
[DoNotParallelize]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class PortablePublishTests
{
    // The native publish of each sample is the reference of several tests: made once per class.
    private static readonly List<PublishLab> Labs = [];
    private static readonly Dictionary<string, (string Digest, string Store, string Project)> NativeImages = new(StringComparer.Ordinal);

    [ClassCleanup]
    public static void RemoveLabs() => Labs.ForEach(l => l.Dispose());

    private static async Task<(string Digest, string Store, string Project)> NativeAsync(string sample, string project)
    {
        if (!NativeImages.TryGetValue(sample, out var image)) NativeImages[sample] = image = await PublishAsync(sample, project, "native", Native);
        return image;
    }

    /// <summary>Equal digests, or a failure that lists the entries whose modes differ between the two images.</summary>
    private static async Task AssertSameImageAsync((string Digest, string Store, string Project) expected, (string Digest, string Store, string Project) actual, string what)
    {
        if (expected.Digest == actual.Digest) return;
        var a = await ModesAsync(expected.Store, expected.Digest);
        var b = await ModesAsync(actual.Store, actual.Digest);
        var differences = a.Keys.Union(b.Keys).Where(k => !a.TryGetValue(k, out var x) || !b.TryGetValue(k, out var y) || x != y)
            .Select(k => $"{k}: {(a.TryGetValue(k, out var x) ? Convert.ToString((int)x, 8) : "-")} vs {(b.TryGetValue(k, out var y) ? Convert.ToString((int)y, 8) : "-")}");
        Assert.Fail($"{what}: {expected.Digest} vs {actual.Digest}; entries that differ: {string.Join(", ", differences)}");
    }

    private static async Task<(string Digest, string Store, string Project)> PublishAsync(string sample, string project, string variant,
        Dictionary<string, string?> env, params string[] args)
    {
        var lab = await PublishLab.CopySampleAsync(sample, sample + "-" + variant);
        Labs.Add(lab);
        foreach (var (k, v) in env) lab.Environment[k] = v;
        var target = sample == "Solution" ? $"{sample}-{variant}/Solution.sln" : $"{sample}-{variant}";
        (await lab.PublishAsync(target, ["-p:ContainerRepository=ctz-test/portable", .. args])).EnsureSuccess($"dotnet publish {sample} ({variant})");
        var folder = Path.Combine(lab.Root, $"{sample}-{variant}", project);
        return (PublishLab.ImageJson(folder).GetProperty("manifestDigest").GetString()!, lab.Store, folder);
    }

    private static readonly Dictionary<string, string?> Native = new() { [HostRules.FileSystemVariable] = "native", [HostRules.OsVariable] = null };
    private static readonly Dictionary<string, string?> Portable = new() { [HostRules.FileSystemVariable] = "portable", [HostRules.OsVariable] = null };
    private static readonly Dictionary<string, string?> Windows = new() { [HostRules.OsVariable] = "windows", [HostRules.FileSystemVariable] = null };

    private static async Task RequireLabAsync()
    {
        if (!await PublishLab.RegistryAnswersAsync()) Requirements.Missing("the registry on localhost:5000 does not answer (bash eng/setup starts it)");
        if (!HostRules.NativeFileSystemAvailable) Assert.Inconclusive("no native file-system path here to compare with");
    }

    [TestMethod]
    [Timeout(1_800_000, CooperativeCancellation = true)]
    public async Task HelloConsolePortableAndWindowsRulesGiveTheNativeDigest()
    {
        await RequireLabAsync();
        var native = await NativeAsync("HelloConsole", "");
        var windows = await PublishAsync("HelloConsole", "", "windows", Windows);
        await AssertSameImageAsync(native, windows, "Windows' mode rule gives the apphost 0755 and the rest 0644, as on Linux");
        var portable = await PublishAsync("HelloConsole", "", "portable", Portable);
        await AssertSameImageAsync(native, portable, "the portable file-system path builds the same image");
    }

    [TestMethod]
    [Timeout(1_800_000, CooperativeCancellation = true)]
    public async Task HelloWebAndSolutionPortableGiveTheNativeDigest()
    {
        await RequireLabAsync();
        await AssertSameImageAsync(await NativeAsync("HelloWeb", ""), await PublishAsync("HelloWeb", "", "portable", Portable), "HelloWeb");
        await AssertSameImageAsync(await NativeAsync("Solution", "src/Web"), await PublishAsync("Solution", "src/Web", "portable", Portable),
            "the Solution sample's web app");
    }

    [TestMethod]
    [Timeout(1_800_000, CooperativeCancellation = true)]
    public async Task SelfContainedWithWindowsRulesHasItsAppHostExecutableInTheImage()
    {
        await RequireLabAsync();
        var windows = await PublishAsync("HelloConsole", "", "windows-sc", Windows, "-r", "linux-x64", "--self-contained");
        var modes = await ModesAsync(windows.Store, windows.Digest);
        Assert.AreEqual((UnixFileMode)0b111_101_101, modes["app/HelloConsole"], "the apphost");
        Assert.AreEqual((UnixFileMode)0b110_100_100, modes["app/HelloConsole.dll"]);
        Assert.AreEqual((UnixFileMode)0b111_100_100, modes["app/libclrjit.so"], "the runtime pack's files, as NuGet extracts them on Linux");
        var native = await PublishAsync("HelloConsole", "", "native-sc", Native, "-r", "linux-x64", "--self-contained");
        await AssertSameImageAsync(native, windows, "self-contained");
        Assert.AreEqual((UnixFileMode)0b111_101_101, modes["app"], "folders");
    }

    /// <summary>Path → mode of every entry of the image's stored layers, read from the store (later layers win).</summary>
    private static async Task<Dictionary<string, UnixFileMode>> ModesAsync(string store, string manifestDigest)
    {
        string Blob(string digest) => Path.Combine(store, "blobs", "sha256", digest["sha256:".Length..]);
        using var manifest = JsonDocument.Parse(await File.ReadAllBytesAsync(Blob(manifestDigest)));
        var modes = new Dictionary<string, UnixFileMode>(StringComparer.Ordinal);
        foreach (var layer in manifest.RootElement.GetProperty("layers").EnumerateArray())
        {
            // The base's layers stay in the registry (a publish stores only its manifest and config): the app's are here.
            if (!File.Exists(Blob(layer.GetProperty("digest").GetString()!))) continue;
            await using var stream = File.OpenRead(Blob(layer.GetProperty("digest").GetString()!));
            foreach (var e in (await LayerReader.ListAsync(stream)).Entries) modes[e.Path.Trim('/')] = e.Mode;
        }

        return modes;
    }
}
