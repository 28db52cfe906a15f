using Containerize.Core.Publishing;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

namespace Containerize.Tasks;

/// <summary>The SDK's output items from a <see cref="ContainerImageResult"/>: the one result file, image.json, built or skipped.</summary>
internal static class ContainerOutputs
{
    public static (ITaskItem[] Container, ITaskItem[] Names, string? Archive, string Metadata) From(ContainerImageResult r, string metadataPath)
    {
        var folder = Path.GetDirectoryName(metadataPath)!;
        var names = r.Names.Select(n => (ITaskItem)new TaskItem(n)).ToArray();
        if (r.Platforms.Count > 0)
        {
            // As the SDK's multi-arch publish: one GeneratedContainer per platform; the index is GeneratedImageIndex.
            var items = r.Platforms.Select(p =>
            {
                var platformFolder = MultiPlatformPublishRequest.PlatformDirectory(folder, p.RuntimeIdentifier);
                var i = new TaskItem("GeneratedContainer");
                ((ITaskItem2)i).SetMetadataValueLiteral("Manifest", ReadOrEmpty(Path.Combine(platformFolder, "manifest.json")));
                ((ITaskItem2)i).SetMetadataValueLiteral("Configuration", ReadOrEmpty(Path.Combine(platformFolder, "config.json")));
                i.SetMetadata("ManifestDigest", p.ManifestDigest);
                i.SetMetadata("ManifestMediaType", p.ManifestMediaType);
                i.SetMetadata("ImageId", p.ImageId);
                i.SetMetadata("RuntimeIdentifier", p.RuntimeIdentifier);
                i.SetMetadata("Platform", p.Platform);
                i.SetMetadata("Reference", r.Reference);
                i.SetMetadata("IndexDigest", r.ManifestDigest ?? "");
                i.SetMetadata("Metadata", metadataPath);
                return (ITaskItem)i;
            }).ToArray();
            return (items, names, r.ArchivePath, metadataPath);
        }

        var item = new TaskItem("GeneratedContainer");
        // Literal: JSON holds ';', '%' and '$', which MSBuild would otherwise read as list separators and escapes.
        ((ITaskItem2)item).SetMetadataValueLiteral("Manifest", ReadOrEmpty(Path.Combine(folder, "manifest.json")));
        ((ITaskItem2)item).SetMetadataValueLiteral("Configuration", ReadOrEmpty(Path.Combine(folder, "config.json")));
        item.SetMetadata("ManifestDigest", r.ManifestDigest ?? "");
        item.SetMetadata("ManifestMediaType", r.ManifestMediaType ?? "");
        item.SetMetadata("ImageId", r.ImageId);
        item.SetMetadata("Reference", r.Reference);
        item.SetMetadata("Metadata", metadataPath);
        return ([item], names, r.ArchivePath, metadataPath);
    }

    /// <summary>The index JSON of a multi-platform publish (the SDK's GeneratedImageIndex), or null.</summary>
    public static string? ImageIndex(ContainerImageResult r, string metadataPath) =>
        r.Platforms.Count == 0 ? null : ReadOrEmpty(Path.Combine(Path.GetDirectoryName(metadataPath)!, "index.json"));

    internal static string ReadOrEmpty(string path) => File.Exists(path) ? File.ReadAllText(path) : "";
}
