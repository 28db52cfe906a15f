using System.Reflection;
using Containerize.Core.Diagnostics;
using Containerize.Core.Generation;
using Containerize.Core.Host;

namespace Containerize.Tests.Generation;

/// <summary>Bad project input gets a coded error pointing at the project file, with a hint.</summary>
[TestClass]
public sealed class ValidationTests
{
    private static ProjectModel With(Func<ContainerProperties, ContainerProperties> change)
    {
        var m = SampleProjects.Console();
        return m with { Container = change(m.Container) };
    }

    private static readonly (string Name, string Code, Func<ProjectModel> Model)[] Matrix =
    [
        ("repository starting with a dash", GenerationErrors.InvalidRepository, () => With(c => c with { ContainerRepository = "-app" })),
        ("repository ending in a separator", GenerationErrors.InvalidRepository, () => With(c => c with { ContainerRepository = "app." })),
        ("tag with a slash", GenerationErrors.InvalidTag, () => With(c => c with { ContainerImageTag = "v1/beta" })),
        ("tag starting with a dot", GenerationErrors.InvalidTag, () => With(c => c with { ContainerImageTags = ["1.0", ".hidden"] })),
        ("tag longer than 128", GenerationErrors.InvalidTag, () => With(c => c with { ContainerImageTag = new string('a', 129) })),
        ("tag and tags", GenerationErrors.AmbiguousTags, () => With(c => c with { ContainerImageTag = "1", ContainerImageTags = ["2"] })),
        ("registry with a path", GenerationErrors.InvalidRegistry, () => With(c => c with { ContainerRegistry = "example.com/team" })),
        ("mirror with a scheme", GenerationErrors.InvalidMirror, () => With(c => c with { ContainerBaseImageMirror = "http://localhost:5000" })),
        ("port zero", GenerationErrors.InvalidPort, () => With(c => c with { ContainerPort = [new ContainerPortItem("0")] })),
        ("port too large", GenerationErrors.InvalidPort, () => With(c => c with { ContainerPort = [new ContainerPortItem("65536")] })),
        ("port not a number", GenerationErrors.InvalidPort, () => With(c => c with { ContainerPort = [new ContainerPortItem("http")] })),
        ("port type sctp", GenerationErrors.InvalidPortType, () => With(c => c with { ContainerPort = [new ContainerPortItem("80", "sctp")] })),
        ("port type in include", GenerationErrors.InvalidPortType, () => With(c => c with { ContainerPort = [new ContainerPortItem("80/icmp")] })),
        ("env name with a dash", GenerationErrors.InvalidEnvironmentVariable, () => With(c => c with { ContainerEnvironmentVariable = [new NameValueItem("MY-VAR", "1")] })),
        ("env name starting with a digit", GenerationErrors.InvalidEnvironmentVariable, () => With(c => c with { ContainerEnvironmentVariable = [new NameValueItem("1VAR", "1")] })),
        ("build arg name with a space", GenerationErrors.InvalidBuildArg, () => With(c => c with { ContainerBuildArg = [new NameValueItem("MY ARG", "1")] })),
        ("empty label name", GenerationErrors.InvalidLabel, () => With(c => c with { ContainerLabel = [new NameValueItem("", "x")] })),
        ("base image with upper case", GenerationErrors.InvalidBaseImage, () => With(c => c with { ContainerBaseImage = "MCR.microsoft.com/Dotnet/Runtime:10.0" })),
        ("base image with a bad tag", GenerationErrors.InvalidBaseImage, () => With(c => c with { ContainerBaseImage = "ubuntu:-24.04" })),
        ("net framework project", GenerationErrors.CannotInferBaseImage, () => SampleProjects.Console() with { TargetFramework = "net48", TargetFrameworkVersion = null, TargetFrameworkIdentifier = ".NETFramework" }),
        ("unknown preview channel", GenerationErrors.CannotInferBaseImage, () => SampleProjects.Console() with { SdkVersion = "10.0.100-nightly.1" }),
        ("bad sdk version", GenerationErrors.CannotInferBaseImage, () => SampleProjects.Console() with { SdkVersion = "ten" }),
        ("multi-targeted", GenerationErrors.MultiTargeted, () => SampleProjects.Console() with { TargetFramework = null, TargetFrameworkVersion = null, TargetFrameworks = ["net8.0", "net10.0"] }),
        ("foreign architecture in container mode", GenerationErrors.ForeignArchitecture, () => SampleProjects.Console() with { RuntimeIdentifier = "linux-arm64", Container = SampleProjects.Console().Container with { ContainerBuildMode = ContainerBuildMode.Container } }),
        ("windows rid", GenerationErrors.UnsupportedRuntimeIdentifier, () => SampleProjects.Console() with { RuntimeIdentifier = "win-x64" }),
        ("several rids", GenerationErrors.MultipleRuntimeIdentifiers, () => SampleProjects.Console() with { RuntimeIdentifiers = ["linux-x64", "linux-arm64"] }),
        ("mixed musl rids", GenerationErrors.MixedMuslRuntimeIdentifiers, () => With(c => c with { ContainerRuntimeIdentifiers = ["linux-musl-x64", "linux-arm64"] })),
        ("relative working directory", GenerationErrors.InvalidWorkingDirectory, () => With(c => c with { ContainerWorkingDirectory = "app/" })),
        ("source date epoch not a number", GenerationErrors.InvalidSourceDateEpoch, () => With(c => c with { ContainerSourceDateEpoch = "yesterday" })),
        ("unknown app command instruction", GenerationErrors.InvalidAppCommand, () => With(c => c with { ContainerAppCommandInstruction = "Cmd" })),
        ("app command args without app command", GenerationErrors.InvalidAppCommand, () => With(c => c with { ContainerAppCommandInstruction = "None", ContainerAppCommandArgs = ["--x"] })),
        ("entrypoint conflicts with instruction", GenerationErrors.InvalidAppCommand, () => With(c => c with { ContainerAppCommandInstruction = "Entrypoint", ContainerEntrypoint = ["/bin/sh"] })),
        ("library", GenerationErrors.NotPublishable, () => SampleProjects.Console() with { OutputType = "Library" }),
    ];

    public static IEnumerable<object[]> Cases() => Matrix.Select(m => new object[] { m.Name });

    public static string CaseName(MethodInfo method, object[] data) => $"{method.Name} ({data[0]})";

    [TestMethod]
    [DynamicData(nameof(Cases), DynamicDataDisplayName = nameof(CaseName))]
    public void Validation_CodedError(string name)
    {
        var (_, code, make) = Matrix.Single(m => m.Name == name);
        var model = make();
        var e = Assert.ThrowsExactly<ContainerizeException>(() => ContainerPlanner.Plan(model, SampleProjects.Now));
        Assert.AreEqual(code, e.Code, e.Diagnostic.ToDisplayString());
        Assert.AreEqual(model.ProjectPath, e.Diagnostic.File);
        Assert.IsFalse(string.IsNullOrWhiteSpace(e.Diagnostic.Hint), "every error has a hint");
        Assert.IsTrue(ContainerPlanner.Validate(model).Any(d => d.Code == code));
    }

    [TestMethod]
    public void Validation_ReportsEveryError()
    {
        var model = With(c => c with { ContainerImageTag = "-bad", ContainerPort = [new ContainerPortItem("0")], ContainerEnvironmentVariable = [new NameValueItem("A-B", "")] });
        var codes = ContainerPlanner.Validate(model).Select(d => d.Code).ToArray();
        CollectionAssert.AreEquivalent(new[] { GenerationErrors.InvalidTag, GenerationErrors.InvalidPort, GenerationErrors.InvalidEnvironmentVariable }, codes);
    }

    [TestMethod]
    public void Validation_ValidSampleHasNoErrors()
    {
        foreach (var (name, model) in SampleProjects.SnapshotCases())
        {
            Assert.AreEqual(0, ContainerPlanner.Validate(model).Count, name);
        }
    }

    [TestMethod]
    public void Validation_BadBuildModeValue()
    {
        var e = Assert.ThrowsExactly<ContainerizeException>(() => PropertyValues.ParseBuildMode("Docker", "/p.csproj"));
        Assert.AreEqual(GenerationErrors.InvalidPropertyValue, e.Code);
        Assert.AreEqual(ContainerBuildMode.Container, PropertyValues.ParseBuildMode("container"));
        Assert.AreEqual(ContainerBuildMode.Host, PropertyValues.ParseBuildMode(""));
        Assert.AreEqual(ContainerLayering.Single, PropertyValues.ParseLayering("Single"));
        Assert.ThrowsExactly<ContainerizeException>(() => PropertyValues.ParseLayering("1"));
    }
}
