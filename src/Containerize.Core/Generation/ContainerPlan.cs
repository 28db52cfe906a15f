using Containerize.Core.Images.Oci;

namespace Containerize.Core.Generation;

/// <summary>
/// Everything resolved about the image to build: the validated, defaulted and inferred values the Dockerfile is
/// written from, plus what the engine needs beside it (names, build arguments, SOURCE_DATE_EPOCH).
/// </summary>
public sealed record ContainerPlan
{
    public required ProjectModel Project { get; init; }

    public required BaseImageChoice Base { get; init; }

    /// <summary>The final stage's FROM: <see cref="BaseImageChoice.Reference"/> with ContainerBaseImageMirror applied.</summary>
    public required string BaseImage { get; init; }

    /// <summary>The build stage's FROM in Container mode, mirrored.</summary>
    public required string SdkImage { get; init; }

    /// <summary>The RID the image is for (ContainerRuntimeIdentifier as the SDK defaults it).</summary>
    public required string RuntimeIdentifier { get; init; }

    /// <summary>Whether restore and publish get <c>-r</c>: self-contained apps and projects that chose a RID.</summary>
    public required bool PublishForRuntimeIdentifier { get; init; }

    public required Platform Platform { get; init; }

    /// <summary>ContainerRegistry: empty means the local store.</summary>
    public string? Registry { get; init; }

    public required string Repository { get; init; }

    public required IReadOnlyList<string> Tags { get; init; }

    public required string WorkingDirectory { get; init; }

    /// <summary>The USER instruction's value (<c>$APP_UID</c> for Microsoft .NET 8+ images), or null to keep the base image's.</summary>
    public string? User { get; init; }

    public required IReadOnlyList<ExposedPort> Ports { get; init; }

    public required IReadOnlyList<NameValueItem> Environment { get; init; }

    public required IReadOnlyList<NameValueItem> Labels { get; init; }

    /// <summary>Empty: inherit the base image's ENTRYPOINT.</summary>
    public required IReadOnlyList<string> Entrypoint { get; init; }

    public required IReadOnlyList<string> Cmd { get; init; }

    /// <summary>ContainerBuildArg: declared with ARG in the Dockerfile; the values go to the engine, never into the file.</summary>
    public required IReadOnlyList<NameValueItem> BuildArgs { get; init; }

    public long? SourceDateEpoch { get; init; }

    public ContainerBuildMode BuildMode => Project.Container.ContainerBuildMode;

    /// <summary>The image names to tag: <c>[registry/]repository:tag</c> for each tag.</summary>
    public IReadOnlyList<string> ImageNames =>
        Tags.Select(t => (string.IsNullOrEmpty(Registry) ? "" : Registry + "/") + Repository + ":" + t).ToArray();
}

/// <summary>An EXPOSE entry: <c>8080/tcp</c>.</summary>
public sealed record ExposedPort(int Number, string Type)
{
    public override string ToString() => $"{Number}/{Type}";
}
