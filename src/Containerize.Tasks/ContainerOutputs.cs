using Containerize.Core.Generation;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

namespace Containerize.Tasks;

/// <summary>The SDK's output items from a <see cref="ContainerImageResult"/> after a build (a skipped one sets the same from outputs.txt).</summary>
internal static class ContainerOutputs
{
    public static (ITaskItem[] Container, ITaskItem[] Names, string? Archive, string Metadata) From(ContainerImageResult r, string metadataPath)
    {
        var folder = Path.GetDirectoryName(metadataPath)!;
        var item = new TaskItem("GeneratedContainer");
        // Literal: JSON holds ';', '%' and '$', which MSBuild would otherwise read as list separators and escapes.
        ((ITaskItem2)item).SetMetadataValueLiteral("Manifest", ReadOrEmpty(Path.Combine(folder, "manifest.json")));
        ((ITaskItem2)item).SetMetadataValueLiteral("Configuration", ReadOrEmpty(Path.Combine(folder, "config.json")));
        item.SetMetadata("ManifestDigest", r.ManifestDigest ?? "");
        item.SetMetadata("ManifestMediaType", r.ManifestMediaType ?? "");
        item.SetMetadata("ImageId", r.ImageId);
        item.SetMetadata("Reference", r.Reference);
        item.SetMetadata("Metadata", metadataPath);
        var names = r.Names.Select(n => (ITaskItem)new TaskItem(n)).ToArray();
        return ([item], names, r.ArchivePath, metadataPath);
    }

    private static string ReadOrEmpty(string path) => File.Exists(path) ? File.ReadAllText(path) : "";
}
