using System.Reflection;
using System.Text.Json;
using Containerize.Core.Generation;
using Containerize.Tests.Infrastructure;

namespace Containerize.Tests.Generation;

/// <summary>
/// Each case is a real project evaluated by the installed .NET SDK: its own ComputeContainerBaseImage target answers
/// which base image it infers, and the evaluated properties are mapped onto a <see cref="ProjectModel"/> exactly as the
/// MSBuild task maps them. Our inference must give the same image.
/// </summary>
[TestClass]
public sealed class SdkInferenceConformanceTests
{
    private const string Console = "Microsoft.NET.Sdk";
    private const string Web = "Microsoft.NET.Sdk.Web";
    private const string Worker = "Microsoft.NET.Sdk.Worker";

    private static readonly (string Name, string Sdk, string Tfm, string[] Properties)[] Matrix =
    [
        ("console", Console, "net10.0", []),
        ("web", Web, "net10.0", []),
        ("worker", Worker, "net10.0", []),
        ("self-contained linux-x64", Console, "net10.0", ["RuntimeIdentifier=linux-x64", "SelfContained=true"]),
        ("aot globalized", Console, "net10.0", ["RuntimeIdentifier=linux-x64", "PublishAot=true"]),
        ("aot invariant", Console, "net10.0", ["RuntimeIdentifier=linux-x64", "PublishAot=true", "InvariantGlobalization=true"]),
        ("musl", Console, "net10.0", ["RuntimeIdentifier=linux-musl-x64"]),
        ("web musl aot", Web, "net10.0", ["RuntimeIdentifier=linux-musl-arm64", "PublishAot=true"]),
        ("family noble", Console, "net10.0", ["ContainerFamily=noble"]),
        ("family noble-chiseled", Web, "net10.0", ["ContainerFamily=noble-chiseled"]),
        ("family alpine invariant", Web, "net10.0", ["ContainerFamily=alpine", "InvariantGlobalization=true"]),
        ("trimmed", Console, "net10.0", ["RuntimeIdentifier=linux-x64", "PublishTrimmed=true"]),
        ("trimmed invariant", Console, "net10.0", ["RuntimeIdentifier=linux-arm64", "PublishTrimmed=true", "InvariantGlobalization=true"]),
        ("older tfm net8.0", Web, "net8.0", []),
        ("self-contained without rid", Console, "net10.0", ["SelfContained=true"]),
        ("container rids musl", Console, "net10.0", ["ContainerRuntimeIdentifiers=\"linux-musl-x64;linux-musl-arm64\""]),
        ("container rids mixed libc", Console, "net10.0", ["ContainerRuntimeIdentifiers=\"linux-musl-x64;linux-x64\""]),
        ("explicit base", Console, "net10.0", ["ContainerBaseImage=docker.io/library/ubuntu:24.04"]),
    ];

    public static IEnumerable<object[]> Cases() => Matrix.Select(m => new object[] { m.Name });

    public static string CaseName(MethodInfo method, object[] data) => $"{method.Name} ({data[0]})";

    [TestMethod]
    [DynamicData(nameof(Cases), DynamicDataDisplayName = nameof(CaseName))]
    public async Task SdkInference_BaseImage(string name)
    {
        var (_, sdk, tfm, properties) = Matrix.Single(m => m.Name == name);
        var dotnet = Requirements.Tool("dotnet");
        using var dir = new TempDir("ctz-sdk-infer");
        var project = dir.Write("App/App.csproj",
            $"<Project Sdk=\"{sdk}\">\n  <PropertyGroup>\n    <OutputType>Exe</OutputType>\n    <TargetFramework>{tfm}</TargetFramework>\n  </PropertyGroup>\n</Project>\n");
        string[] wanted =
        [
            "ContainerBaseImage", "SelfContained", "PublishSelfContained", "PublishAot", "PublishTrimmed", "InvariantGlobalization",
            "RuntimeIdentifier", "RuntimeIdentifiers", "ContainerRuntimeIdentifier", "ContainerRuntimeIdentifiers", "ContainerFamily",
            "NETCoreSdkVersion", "NETCoreSdkPortableRuntimeIdentifier", "_TargetFrameworkVersionWithoutV", "TargetFrameworkIdentifier",
            "UsingMicrosoftNETSdkWeb", "IsRidAgnostic",
        ];
        var args = new List<string> { "msbuild", project, "-t:ComputeContainerBaseImage", "-nologo", "-nodeReuse:false", "-getItem:FrameworkReference" };
        args.AddRange(wanted.Select(w => "-getProperty:" + w));
        args.AddRange(properties.Select(p => "-p:" + p));
        // The explicit base is what the project set: remember it before the target echoes it back.
        var userBase = properties.FirstOrDefault(p => p.StartsWith("ContainerBaseImage=", StringComparison.Ordinal))?.Split('=', 2)[1];

        var result = await ProcessRunner.RunAsync(dotnet, args, dir.Path,
            new Dictionary<string, string?> { ["MSBUILDDISABLENODEREUSE"] = "1", ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1", ["DOTNET_NOLOGO"] = "1" },
            timeout: TimeSpan.FromMinutes(3));
        var rejected = result.ExitCode != 0;
        if (rejected)
        {
            // The target failed, so read the evaluated properties without it.
            var evaluated = await ProcessRunner.RunAsync(dotnet, args.Where(a => a != "-t:ComputeContainerBaseImage"), dir.Path,
                new Dictionary<string, string?> { ["MSBUILDDISABLENODEREUSE"] = "1", ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1", ["DOTNET_NOLOGO"] = "1" },
                timeout: TimeSpan.FromMinutes(3));
            result = evaluated.EnsureSuccess("dotnet msbuild (evaluation)") with { ExitCode = result.ExitCode, StdErr = result.StdOut + result.StdErr };
        }

        using var json = JsonDocument.Parse(result.StdOut);
        var props = json.RootElement.GetProperty("Properties");
        string P(string key) => props.TryGetProperty(key, out var v) ? v.GetString() ?? "" : "";
        bool B(string key) => string.Equals(P(key), "true", StringComparison.OrdinalIgnoreCase);
        static string[] List(string s) => s.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var frameworkReferences = json.RootElement.TryGetProperty("Items", out var items) && items.TryGetProperty("FrameworkReference", out var refs)
            ? refs.EnumerateArray().Select(r => r.GetProperty("Identity").GetString()!).ToArray()
            : [];

        var model = new ProjectModel
        {
            ProjectPath = project,
            ContextRoot = dir.Path,
            AssemblyName = "App",
            TargetFramework = tfm,
            TargetFrameworkIdentifier = P("TargetFrameworkIdentifier"),
            TargetFrameworkVersion = P("_TargetFrameworkVersionWithoutV"),
            SdkVersion = P("NETCoreSdkVersion"),
            SdkRuntimeIdentifier = P("NETCoreSdkPortableRuntimeIdentifier"),
            RuntimeIdentifier = P("RuntimeIdentifier"),
            RuntimeIdentifiers = List(P("RuntimeIdentifiers")),
            IsRidAgnostic = B("IsRidAgnostic"),
            SelfContained = B("SelfContained") || B("PublishSelfContained"),
            PublishAot = B("PublishAot"),
            PublishTrimmed = B("PublishTrimmed"),
            InvariantGlobalization = B("InvariantGlobalization"),
            UsingMicrosoftNETSdkWeb = B("UsingMicrosoftNETSdkWeb"),
            FrameworkReferences = frameworkReferences,
            Container = new ContainerProperties
            {
                ContainerBaseImage = userBase,
                ContainerFamily = P("ContainerFamily"),
                ContainerRuntimeIdentifiers = List(P("ContainerRuntimeIdentifiers")),
            },
        };

        if (rejected)
        {
            // The SDK rejects the project (mixed musl and glibc RIDs): we must reject it too, with a coded error.
            StringAssert.Contains(result.StdErr, "linux-musl", "the SDK failed for another reason:\n" + result.StdErr);
            var error = Assert.ThrowsExactly<Core.Diagnostics.ContainerizeException>(() => BaseImageInference.Infer(model));
            Assert.AreEqual(GenerationErrors.MixedMuslRuntimeIdentifiers, error.Code);
            return;
        }

        var expected = P("ContainerBaseImage");
        var ours = BaseImageInference.Infer(model);
        Assert.AreEqual(expected, ours.Reference, $"the SDK ({model.SdkVersion}) and Containerize disagree for '{name}'");
    }
}
