using Containerize.Core.Generation;

namespace Containerize.Tests.Generation;

/// <summary>The inference rules the installed SDK cannot show (other SDK versions, previews), from ComputeDotnetBaseImageAndTag.</summary>
[TestClass]
public sealed class BaseImageInferenceTests
{
    private static BaseImageChoice Infer(ProjectModel m) => BaseImageInference.Infer(m);

    [TestMethod]
    [DataRow("10.0.100-preview.7.25380.108", "10.0", "mcr.microsoft.com/dotnet/runtime:10.0.0-preview.7")]
    [DataRow("10.0.100-rc.2.25502.107", "10.0", "mcr.microsoft.com/dotnet/runtime:10.0.0-rc.2")]
    [DataRow("10.0.100-alpha.1.25000.1", "10.0", "mcr.microsoft.com/dotnet/runtime:10.0-preview")]
    [DataRow("10.0.100-rtm.25500.1", "10.0", "mcr.microsoft.com/dotnet/runtime:10.0")]
    [DataRow("10.0.200-preview.1.26000.1", "10.0", "mcr.microsoft.com/dotnet/runtime:10.0")]
    [DataRow("11.0.100-preview.1.26100.1", "10.0", "mcr.microsoft.com/dotnet/runtime:10.0")]
    [DataRow("10.0.401", "7.0", "mcr.microsoft.com/dotnet/runtime:7.0")]
    [DataRow("10.0.401", "9.0", "mcr.microsoft.com/dotnet/runtime:9.0")]
    public void Inference_VersionTag(string sdk, string tfm, string expected)
    {
        var m = SampleProjects.Console() with { SdkVersion = sdk, TargetFrameworkVersion = tfm, TargetFramework = "net" + tfm };
        Assert.AreEqual(expected, Infer(m).Reference);
    }

    [TestMethod]
    public void Inference_PreviewChiseledHasNoExtraForFamily()
    {
        // The -extra help for a chiseled ContainerFamily exists only for stable SDKs.
        var m = SampleProjects.Console() with { SdkVersion = "10.0.100-preview.7.25380.108", Container = new() { ContainerFamily = "noble-chiseled" } };
        Assert.AreEqual("mcr.microsoft.com/dotnet/runtime:10.0.0-preview.7-noble-chiseled", Infer(m).Reference);
    }

    [TestMethod]
    public void Inference_OldSdkUsesJammyChiseled()
    {
        var m = SampleProjects.Aot() with { SdkVersion = "8.0.204", TargetFrameworkVersion = "8.0", TargetFramework = "net8.0" };
        Assert.AreEqual("mcr.microsoft.com/dotnet/runtime-deps:8.0-jammy-chiseled-extra", Infer(m).Reference);
    }

    [TestMethod]
    public void Inference_Net7MuslHasNoChiseled()
    {
        var m = SampleProjects.Aot() with { TargetFrameworkVersion = "7.0", TargetFramework = "net7.0", RuntimeIdentifier = "linux-musl-x64" };
        Assert.AreEqual("mcr.microsoft.com/dotnet/runtime-deps:7.0-alpine", Infer(m).Reference);
        var glibc = m with { RuntimeIdentifier = "linux-x64" };
        Assert.AreEqual("mcr.microsoft.com/dotnet/runtime-deps:7.0", Infer(glibc).Reference);
    }

    [TestMethod]
    [DataRow(null, false, "mcr.microsoft.com/dotnet/sdk:10.0")]
    [DataRow(null, true, "mcr.microsoft.com/dotnet/sdk:10.0-alpine")]
    [DataRow("noble-chiseled", false, "mcr.microsoft.com/dotnet/sdk:10.0-noble")]
    [DataRow("azurelinux3.0-distroless", false, "mcr.microsoft.com/dotnet/sdk:10.0-azurelinux3.0")]
    [DataRow("alpine3.22", true, "mcr.microsoft.com/dotnet/sdk:10.0-alpine3.22")]
    public void Inference_SdkImage(string? family, bool musl, string expected)
    {
        var m = SampleProjects.Console() with { RuntimeIdentifier = musl ? "linux-musl-x64" : null, Container = new() { ContainerFamily = family } };
        Assert.AreEqual(expected, Infer(m).SdkImage);
    }

    [TestMethod]
    public void Inference_ExplicitBaseIsKeptAndSpacesBecomeDashes()
    {
        var m = SampleProjects.Console() with { Container = new() { ContainerBaseImage = "ubuntu:24.04 minimal" } };
        var choice = Infer(m);
        Assert.AreEqual("ubuntu:24.04-minimal", choice.Reference);
        Assert.IsFalse(choice.IsInferred);
        Assert.IsNull(choice.MicrosoftDotnetMajor);
    }

    [TestMethod]
    public void Inference_DefaultRidComesFromTheSdk()
    {
        var m = SampleProjects.Console() with { SdkRuntimeIdentifier = "linux-arm64" };
        CollectionAssert.AreEqual(new[] { "linux-arm64" }, BaseImageInference.TargetRuntimeIdentifiers(m).ToArray());
        var agnostic = m with { IsRidAgnostic = true, RuntimeIdentifiers = ["linux-musl-x64"] };
        CollectionAssert.AreEqual(new[] { "linux-arm64" }, BaseImageInference.TargetRuntimeIdentifiers(agnostic).ToArray());
    }
}
