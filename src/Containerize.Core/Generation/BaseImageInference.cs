using System.Text.RegularExpressions;
using Containerize.Core.Diagnostics;
using Containerize.Core.Images.Oci;

namespace Containerize.Core.Generation;

/// <summary>The base image of the final stage, and the SDK image for Container mode's build stage.</summary>
/// <param name="Reference">As the SDK computes it (ContainerBaseImage), before any mirror.</param>
/// <param name="IsInferred">False when the project set ContainerBaseImage.</param>
/// <param name="VersionTag">The version part of the inferred tags: <c>10.0</c>, <c>10.0.0-preview.7</c>.</param>
/// <param name="SdkImage">The SDK image for the build stage, before any mirror.</param>
public sealed partial record BaseImageChoice(string Reference, bool IsInferred, string VersionTag, string SdkImage)
{
    public const string MicrosoftRegistry = "mcr.microsoft.com";

    /// <summary>
    /// The major version of a Microsoft .NET image (inferred, or named explicitly as mcr.microsoft.com/dotnet/...), whose
    /// environment is known: APP_UID and ASPNETCORE_HTTP_PORTS=8080 from .NET 8, ASPNETCORE_URLS=http://+:80 before.
    /// </summary>
    public int? MicrosoftDotnetMajor
    {
        get
        {
            if (!ImageReference.TryParse(Reference, out var r) || r is null) return null;
            if (r.Registry != MicrosoftRegistry || !r.Repository.StartsWith("dotnet/", StringComparison.Ordinal)) return null;
            var m = LeadingMajor().Match(r.Tag ?? "");
            return m.Success && int.TryParse(m.Groups[1].Value, out var major) ? major : null;
        }
    }

    [GeneratedRegex(@"^(\d+)\.\d+")]
    private static partial Regex LeadingMajor();
}

/// <summary>
/// ComputeContainerBaseImage and ComputeDotnetBaseImageAndTag of the .NET SDK, rule for rule: runtime, aspnet or
/// runtime-deps; the tag from the target framework (or the SDK's preview channel); <c>-alpine</c> for musl RIDs;
/// <c>-noble-chiseled</c> for AOT or trimmed apps, with <c>-extra</c> unless globalization is invariant; ContainerFamily
/// appended. The tests compare it with the installed SDK's own answer.
/// </summary>
public static partial class BaseImageInference
{
    // From .NET 8 tags carry the preview channel, and -extra and chiseled variants exist.
    private const int FirstVersionWithNewTaggingScheme = 8;

    /// <summary>The RIDs the base image is computed for, as ComputeContainerBaseImage gathers them.</summary>
    public static IReadOnlyList<string> TargetRuntimeIdentifiers(ProjectModel model)
    {
        var c = model.Container;
        var crid = NonEmpty(c.ContainerRuntimeIdentifier) ?? NonEmpty(model.RuntimeIdentifier);
        IReadOnlyList<string> crids = c.ContainerRuntimeIdentifiers.Count > 0
            ? c.ContainerRuntimeIdentifiers
            : model.IsRidAgnostic ? [] : model.RuntimeIdentifiers;
        if (crid is null && crids.Count == 0)
        {
            // The SDK takes the second dash-separated part of its own RID: linux-x64 gives linux-x64.
            var sdkRid = NonEmpty(model.SdkRuntimeIdentifier) ?? "linux-" + RuntimeIdentifierInfo.HostArchitecture;
            var parts = sdkRid.Split('-');
            crid = "linux-" + (parts.Length > 1 ? parts[1] : RuntimeIdentifierInfo.HostArchitecture);
        }

        return crid is not null ? [crid] : crids;
    }

    public static BaseImageChoice Infer(ProjectModel model)
    {
        var file = model.ProjectPath;
        var c = model.Container;
        var rids = TargetRuntimeIdentifiers(model);
        var muslCount = rids.Count(r => r.StartsWith("linux-musl", StringComparison.Ordinal));
        if (muslCount > 0 && muslCount != rids.Count)
        {
            throw new ContainerizeException(GenerationErrors.MixedMuslRuntimeIdentifiers,
                $"the container runtime identifiers mix musl and glibc ({string.Join(", ", rids)}), but one base image serves them all", file,
                hint: "use only linux-musl-* RIDs (Alpine) or only glibc ones, or set ContainerBaseImage");
        }

        var isMusl = muslCount > 0;
        var tfmVersion = TargetFrameworkVersion(model);
        var version = ComputeVersionPart(model, tfmVersion);

        string? userBase = NonEmpty(c.ContainerBaseImage);
        string reference;
        if (userBase is not null)
        {
            // ParseContainerProperties replaces spaces with dashes before parsing.
            reference = userBase.Replace(' ', '-');
            if (!ImageReference.TryParse(reference, out _))
            {
                throw new ContainerizeException(GenerationErrors.InvalidBaseImage, $"ContainerBaseImage '{userBase}' is not a valid image reference", file,
                    hint: "write [registry[:port]/]repository[:tag][@sha256:digest], e.g. mcr.microsoft.com/dotnet/runtime:10.0, or leave it empty to infer it");
            }
        }
        else
        {
            if (!string.Equals(model.TargetFrameworkIdentifier, ".NETCoreApp", StringComparison.OrdinalIgnoreCase) || tfmVersion is null)
            {
                throw new ContainerizeException(GenerationErrors.CannotInferBaseImage,
                    $"no .NET base image can be inferred for the target framework '{model.TargetFramework}'", file,
                    hint: "target .NET (net8.0 or later), or set ContainerBaseImage to the image to build on");
            }

            reference = $"{BaseImageChoice.MicrosoftRegistry}/{Repository(model)}:{Tag(model, version, isMusl)}";
        }

        return new BaseImageChoice(reference, userBase is null, version.Tag, $"{BaseImageChoice.MicrosoftRegistry}/dotnet/sdk:{SdkTag(version.Tag, c.ContainerFamily, isMusl)}");
    }

    private static string Repository(ProjectModel model) => (model.IsSelfContained, model.IsAspNetCore) switch
    {
        (true, _) => "dotnet/runtime-deps",
        (_, true) => "dotnet/aspnet",
        _ => "dotnet/runtime",
    };

    private static string Tag(ProjectModel model, VersionPart version, bool isMusl)
    {
        var family = model.Container.ContainerFamily;
        var tag = version.Tag;
        if (!string.IsNullOrWhiteSpace(family))
        {
            // The family follows the version (and any preview part). A chiseled family on glibc needs -extra for a
            // globalized app, but only stable tags from .NET 8 have it.
            tag += "-" + family;
            if (!isMusl && family.EndsWith("-chiseled", StringComparison.Ordinal) && !model.InvariantGlobalization
                && version.AllowsAotAndExtraImages && !version.Parsed.IsPrerelease && version.Parsed.Major >= FirstVersionWithNewTaggingScheme)
            {
                tag += "-extra";
            }

            return tag;
        }

        if (!version.AllowsAotAndExtraImages) return tag + (isMusl ? "-alpine" : "");

        var trimmedOrAot = model.PublishAot || model.PublishTrimmed;
        tag += isMusl ? "-alpine" : trimmedOrAot ? $"-{UbuntuCodename(version.Parsed)}-chiseled" : "";
        if (trimmedOrAot && !model.InvariantGlobalization) tag += "-extra";
        return tag;
    }

    /// <summary>
    /// The SDK image: the same version, and the family's operating system when the SDK ships on it (alpine, noble,
    /// azurelinux3.0): chiseled and distroless images have no SDK, so their suffix is dropped down to the distribution.
    /// </summary>
    private static string SdkTag(string versionTag, string? family, bool isMusl)
    {
        if (!string.IsNullOrWhiteSpace(family))
        {
            var os = family.Split('-')[0];
            return os.Length > 0 ? $"{versionTag}-{os}" : versionTag;
        }

        return isMusl ? versionTag + "-alpine" : versionTag;
    }

    private static string UbuntuCodename(SemVer sdkVersion) => sdkVersion.CompareTo(8, 0, 300) >= 0 ? "noble" : "jammy";

    private sealed record VersionPart(string Tag, SemVer Parsed, bool AllowsAotAndExtraImages);

    /// <summary>The target framework's major.minor: the model's, else read from the TFM (net10.0, netcoreapp3.1).</summary>
    internal static string? TargetFrameworkVersion(ProjectModel model)
    {
        if (NonEmpty(model.TargetFrameworkVersion) is { } v) return v.TrimStart('v', 'V');
        var m = TfmRegex().Match(model.TargetFramework ?? "");
        return m.Success ? $"{m.Groups[1].Value}.{m.Groups[2].Value}" : null;
    }

    private static VersionPart ComputeVersionPart(ProjectModel model, string? tfmVersion)
    {
        var tfm = SemVer.TryParse(tfmVersion is null ? null : tfmVersion + ".0");
        if (tfm is not null && tfm.Major < FirstVersionWithNewTaggingScheme) return new VersionPart($"{tfm.Major}.{tfm.Minor}", tfm, false);

        var sdk = SemVer.TryParse(model.SdkVersion)
            ?? throw new ContainerizeException(GenerationErrors.CannotInferBaseImage, $"the SDK version '{model.SdkVersion}' is not a semantic version", model.ProjectPath,
                hint: "pass NETCoreSdkVersion as the SDK reports it (e.g. 10.0.401), or set ContainerBaseImage");

        // An older target framework than the SDK's is a stable scenario (the SDK compares major and minor separately).
        if (tfm is not null && (tfm.Major < sdk.Major || tfm.Minor < sdk.Minor)) return new VersionPart($"{tfm.Major}.{tfm.Minor}", sdk, true);
        if (!sdk.IsPrerelease || sdk.Patch != 100) return new VersionPart($"{sdk.Major}.{sdk.Minor}", sdk, true);

        // The first feature band of a prerelease SDK uses channel tags.
        var channel = sdk.ReleaseLabels[0];
        switch (channel)
        {
            case "rtm" or "servicing":
                return new VersionPart($"{sdk.Major}.{sdk.Minor}", sdk, true);
            case "rc" or "preview" when sdk.ReleaseLabels.Count > 1:
                return new VersionPart($"{sdk.Major}.{sdk.Minor}.0-{channel}.{sdk.ReleaseLabels[1]}", sdk, true);
            case "alpha" or "dev" or "ci":
                return new VersionPart($"{sdk.Major}.{sdk.Minor}-preview", sdk, true);
            default:
                throw new ContainerizeException(GenerationErrors.CannotInferBaseImage,
                    $"the prerelease channel '{channel}' of SDK {model.SdkVersion} has no .NET image tags", model.ProjectPath,
                    hint: "set ContainerBaseImage to the image to build on");
        }
    }

    private static string? NonEmpty(string? s) => string.IsNullOrWhiteSpace(s) ? null : s.Trim();

    [GeneratedRegex(@"^net(?:coreapp)?(\d+)\.(\d+)", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex TfmRegex();
}
