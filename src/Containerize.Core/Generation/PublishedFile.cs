
namespace Containerize.Core.Generation;

/// <summary>
/// One ResolvedFileToPublish item: where it goes in the publish folder, where it is now, and the metadata MSBuild
/// carries that tells where it came from.
/// </summary>
/// <param name="RelativePath">RelativePath metadata, with '/' or '\' separators.</param>
/// <param name="SourcePath">The item's full path on disk.</param>
/// <param name="NuGetPackageId">Set for files from a package (runtime packs included).</param>
/// <param name="NuGetPackageVersion">The package version: a '-' marks a prerelease.</param>
/// <param name="MSBuildSourceProjectFile">Set for files produced by a referenced project.</param>
/// <param name="ReferenceSourceTarget"><c>ProjectReference</c> for files of referenced projects.</param>
/// <param name="AssetType">runtime, native, resources...</param>
/// <param name="Executable">ContainerExecutable="true" on the item: 0755 in the image where the file system has no modes.</param>
public sealed record PublishedFile(
    string RelativePath,
    string SourcePath,
    string? NuGetPackageId = null,
    string? NuGetPackageVersion = null,
    string? MSBuildSourceProjectFile = null,
    string? ReferenceSourceTarget = null,
    string? AssetType = null,
    bool Executable = false);
