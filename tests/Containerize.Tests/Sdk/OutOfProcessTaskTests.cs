using System.IO.Compression;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using System.Text.Json;
using Containerize.Tests.Infrastructure;

namespace Containerize.Tests.Sdk;

/// <summary>
/// The out-of-process task (netstandard2.0, for Visual Studio's MSBuild and the .NET 8/9 SDKs'), forced with
/// ContainerizeTaskHost=OutOfProcess from the dotnet CLI: the same image, outputs and coded errors as the in-process
/// task, through the native host and through the framework-dependent containerize.dll; the packed assembly really is
/// netstandard2.0 and needs nothing of .NET 10.
/// </summary>
[TestClass]
[DoNotParallelize]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class OutOfProcessTaskTests
{
    private const string OutOfProcess = "-p:ContainerizeTaskHost=OutOfProcess";
    private const string NoNativeHost = "-p:ContainerizeHostPath=/nonexistent/containerize";
    private const string Archive = "-p:ContainerArchiveOutputPath=out/";

    [TestMethod]
    [Timeout(1_800_000, CooperativeCancellation = true)]
    public async Task OutOfProcessPublishGivesTheInProcessImageAndOutputs()
    {
        if (!await PublishLab.RegistryAnswersAsync()) Requirements.Missing("the registry on localhost:5000 does not answer (bash eng/setup starts it)");
        using var inProcess = await PublishLab.CopySampleAsync("HelloWeb");
        using var native = await PublishLab.CopySampleAsync("HelloWeb");
        using var dll = await PublishLab.CopySampleAsync("HelloWeb");

        var expected = await PublishAsync(inProcess);
        StringAssert.Contains(expected.Log, "task in MSBuild's process", "the in-process path ran");
        Assert.DoesNotContain("out of MSBuild's process", expected.Log);

        var viaNative = await PublishAsync(native, OutOfProcess);
        StringAssert.Contains(viaNative.Log, "task out of process:", "the out-of-process task ran");
        var (_, version) = await SdkPackage.GetAsync();
        var packedHost = Path.Combine(SdkPackage.PackagesFolder, "containerize.sdk", version, "tools", "linux-x64", "containerize");
        StringAssert.Contains(viaNative.Log, File.Exists(packedHost)
            ? $"image build out of MSBuild's process, in the native host {packedHost}"
            : "image build out of MSBuild's process, in ", viaNative.Log);

        var viaDll = await PublishAsync(dll, OutOfProcess, NoNativeHost);
        StringAssert.Contains(viaDll.Log, "image build out of MSBuild's process, in ", "the out-of-process task ran");
        StringAssert.Contains(viaDll.Log, "/tools/net10.0/any/containerize.dll\n", "the framework-dependent host ran");

        foreach (var (name, actual) in new[] { ("native host", viaNative), ("containerize.dll", viaDll) })
        {
            AssertSameOutputs(inProcess, expected, name switch { "native host" => native, _ => dll }, actual, name);
        }

        // Nothing changed (the same settings: the archive is one): skipped without loading a task, the outputs still set.
        var again = (await native.PublishAsync("HelloWeb", Archive, OutOfProcess, "-getItem:GeneratedContainer")).EnsureSuccess("second out-of-process publish");
        using var items = JsonDocument.Parse(again.StdOut);
        Assert.AreEqual(expected.Digest, items.RootElement.GetProperty("Items").GetProperty("GeneratedContainer")[0].GetProperty("ManifestDigest").GetString());
        var skippedLog = await native.PublishAsync("HelloWeb", Archive, OutOfProcess, "-v:n");
        StringAssert.Contains(skippedLog.StdOut, "image build skipped (nothing changed)");
        Assert.DoesNotContain("image build out of MSBuild's process, in", skippedLog.StdOut, "no host started");
    }

    [TestMethod]
    [Timeout(1_200_000, CooperativeCancellation = true)]
    public async Task BadSettingsGiveTheSameCodedErrorOutOfProcess()
    {
        if (!await PublishLab.RegistryAnswersAsync()) Requirements.Missing("the registry on localhost:5000 does not answer (bash eng/setup starts it)");
        using var lab = await PublishLab.CopySampleAsync("HelloConsole");
        (string Code, string Arg)[] cases =
        [
            ("CTZ6002", "-p:ContainerImageTag=bad:tag"),
            ("CTZ6007", "-p:ContainerEnv=\"1A=x;B=2\""),
            ("CTZ6019", "-p:ContainerNoCache=maybe"),
        ];
        foreach (var (code, arg) in cases)
        {
            var inProcess = await lab.PublishAsync("HelloConsole", arg);
            foreach (var forced in new[] { new[] { OutOfProcess }, [OutOfProcess, NoNativeHost] })
            {
                var r = await lab.PublishAsync("HelloConsole", [arg, .. forced]);
                var what = $"{arg} {string.Join(' ', forced)}";
                Assert.AreNotEqual(0, r.ExitCode, $"{what}: the publish fails\n{r.StdOut}");
                Assert.AreEqual(ErrorLine(inProcess.StdOut, code), ErrorLine(r.StdOut, code), $"{what}: the in-process task's error, file and hint included");
                StringAssert.Contains(ErrorLine(r.StdOut, code), "(hint: ", what);
                Assert.DoesNotContain("   at ", r.StdOut, "no stack trace");
                Assert.DoesNotContain("MSB4018", r.StdOut, "no unhandled task exception");
                Assert.DoesNotContain("MSB4062", r.StdOut, "the task loaded");
            }
        }
    }

    [TestMethod]
    [Timeout(1_200_000, CooperativeCancellation = true)]
    public async Task WithoutADotnet10RuntimeTheOutOfProcessTaskSaysSo()
    {
        using var lab = await PublishLab.CopySampleAsync("HelloConsole");
        // A dotnet muxer with no runtime beside it, as on a machine with only Visual Studio or an older SDK's runtime.
        var dotnet = Path.Combine(lab.Root, "empty-dotnet", "dotnet");
        Directory.CreateDirectory(Path.GetDirectoryName(dotnet)!);
        File.Copy(Requirements.FindOnPath("dotnet") is { } d ? ResolveLinks(d) : throw new AssertInconclusiveException("no dotnet on PATH"), dotnet);
        File.SetUnixFileMode(dotnet, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

        var r = await lab.PublishAsync("HelloConsole", OutOfProcess, NoNativeHost, $"-p:DOTNET_HOST_PATH={dotnet}");
        Assert.AreNotEqual(0, r.ExitCode, r.StdOut);
        var line = ErrorLine(r.StdOut, "CTZ6037");
        StringAssert.Contains(line, "HelloConsole.csproj", "the project is the error's file");
        StringAssert.Contains(line, "install the .NET 10 runtime", "the hint says what to do");
        Assert.DoesNotContain("   at ", r.StdOut, "no stack trace");
    }

    [TestMethod]
    [Timeout(900_000, CooperativeCancellation = true)]
    public async Task PackedOutOfProcessTaskIsNetStandard20AndNeedsNothingOfNet10()
    {
        var (feed, version) = await SdkPackage.GetAsync();
        using var package = ZipFile.OpenRead(Path.Combine(feed, $"Containerize.Sdk.{version}.nupkg"));
        var entry = package.GetEntry("tasks/netstandard2.0/Containerize.Tasks.OutOfProcess.dll") ?? throw new AssertFailedException("no netstandard2.0 task in the package");
        using var bytes = new MemoryStream();
        await using (var s = entry.Open()) await s.CopyToAsync(bytes);
        bytes.Position = 0;
        using var pe = new PEReader(bytes);
        var md = pe.GetMetadataReader();

        string? framework = null;
        foreach (var handle in md.GetAssemblyDefinition().GetCustomAttributes())
        {
            var attribute = md.GetCustomAttribute(handle);
            var ctor = md.GetMemberReference((MemberReferenceHandle)attribute.Constructor);
            var type = md.GetTypeReference((TypeReferenceHandle)ctor.Parent);
            if (md.GetString(type.Name) != "TargetFrameworkAttribute") continue;
            var blob = md.GetBlobReader(attribute.Value);
            blob.ReadUInt16(); // prolog
            framework = blob.ReadSerializedString();
        }

        Assert.AreEqual(".NETStandard,Version=v2.0", framework);
        var references = md.AssemblyReferences.Select(h => md.GetString(md.GetAssemblyReference(h).Name)).Order(StringComparer.Ordinal).ToArray();
        CollectionAssert.IsSubsetOf(references, new[] { "Microsoft.Build.Framework", "Microsoft.Build.Utilities.Core", "netstandard" },
            "only netstandard and MSBuild's own assemblies: " + string.Join(", ", references));
        var task = md.TypeDefinitions.Select(h => md.GetTypeDefinition(h)).Single(t => md.GetString(t.Name) == "ContainerizeOutOfProcess");
        Assert.AreEqual("Containerize.Tasks.OutOfProcess", md.GetString(task.Namespace), "the name the targets' UsingTask gives");

        // The host it runs where there is no native one: framework-dependent, portable, rolled forward to later runtimes.
        Assert.IsNotNull(package.GetEntry("tools/net10.0/any/containerize.dll"));
        Assert.IsNotNull(package.GetEntry("tools/net10.0/any/Containerize.Core.dll"));
        Assert.IsNull(package.GetEntry("tools/net10.0/any/containerize"), "no apphost: dotnet runs it");
        using var config = JsonDocument.Parse(await new StreamReader(package.GetEntry("tools/net10.0/any/containerize.runtimeconfig.json")!.Open()).ReadToEndAsync());
        Assert.AreEqual("net10.0", config.RootElement.GetProperty("runtimeOptions").GetProperty("tfm").GetString());
    }

    private sealed record Published(string Digest, JsonElement Container, string Archive, string Metadata, string Log);

    private static async Task<Published> PublishAsync(PublishLab lab, params string[] args)
    {
        var log = Path.Combine(lab.Root, $"publish-{Guid.NewGuid():N}.log");
        var r = (await lab.PublishAsync("HelloWeb", [Archive, $"-flp:v=n;logfile={log}",
            "-getItem:GeneratedContainer", "-getProperty:GeneratedArchiveOutputPath", "-getProperty:GeneratedContainerMetadata", .. args]))
            .EnsureSuccess("dotnet publish " + string.Join(' ', args));
        using var doc = JsonDocument.Parse(r.StdOut);
        var container = doc.RootElement.GetProperty("Items").GetProperty("GeneratedContainer")[0].Clone();
        var properties = doc.RootElement.GetProperty("Properties");
        return new Published(PublishLab.ImageJson(Path.Combine(lab.Root, "HelloWeb")).GetProperty("manifestDigest").GetString()!, container,
            properties.GetProperty("GeneratedArchiveOutputPath").GetString()!, properties.GetProperty("GeneratedContainerMetadata").GetString()!,
            await File.ReadAllTextAsync(log));
    }

    private static void AssertSameOutputs(PublishLab expectedLab, Published expected, PublishLab actualLab, Published actual, string name)
    {
        Assert.AreEqual(expected.Digest, actual.Digest, $"{name}: the in-process task's image");
        foreach (var field in new[] { "ManifestDigest", "ManifestMediaType", "ImageId", "Reference", "Manifest", "Configuration" })
        {
            Assert.AreEqual(expected.Container.GetProperty(field).GetString(), actual.Container.GetProperty(field).GetString(), $"{name}: GeneratedContainer's {field}");
        }

        Assert.AreEqual(Path.GetRelativePath(expectedLab.Root, expected.Archive), Path.GetRelativePath(actualLab.Root, actual.Archive), $"{name}: GeneratedArchiveOutputPath");
        Assert.IsTrue(File.Exists(actual.Archive), $"{name}: the archive was written");
        Assert.AreEqual(Path.GetRelativePath(expectedLab.Root, expected.Metadata), Path.GetRelativePath(actualLab.Root, actual.Metadata), $"{name}: GeneratedContainerMetadata");
        Assert.AreEqual(Path.GetRelativePath(expectedLab.Root, expected.Container.GetProperty("Metadata").GetString()!),
            Path.GetRelativePath(actualLab.Root, actual.Container.GetProperty("Metadata").GetString()!), $"{name}: GeneratedContainer's Metadata");
    }

    // MSBuild's "FILE(LINE,COL): error CODE: message (hint: ...) [PROJECT]" line, without the project suffix (which
    // only the summary's copy has; the message itself may hold brackets).
    private static string ErrorLine(string output, string code)
    {
        var line = output.Split('\n').FirstOrDefault(l => l.Contains($"error {code}:", StringComparison.Ordinal))?.Trim()
            ?? throw new AssertFailedException($"no error {code} in:\n{output}");
        var bracket = line.LastIndexOf(" [", StringComparison.Ordinal);
        return bracket > 0 && line.EndsWith("proj]", StringComparison.Ordinal) ? line[..bracket] : line;
    }

    private static string ResolveLinks(string path) => new FileInfo(path).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? path;
}
