
namespace Containerize.Core.Generation;

/// <summary>
/// The files of a publish folder, as the image gets them (the .NET SDK's image holds the whole PublishDir too). Each file
/// takes the metadata of the ResolvedFileToPublish item with the same RelativePath, which tells the layer planner where
/// it came from; files copied by other targets (static web assets, their endpoints manifest, web.config) have none.
/// </summary>
public static class PublishDirectory
{
    /// <summary>The publish folder's web.config, never in the image.</summary>
    public const string IisWebConfig = "web.config";

    public static IReadOnlyList<PublishedFile> Collect(string publishDirectory, IEnumerable<PublishedFile> items)
    {
        var root = Path.GetFullPath(publishDirectory);
        var byPath = new Dictionary<string, PublishedFile>(StringComparer.Ordinal);
        foreach (var item in items) byPath.TryAdd(item.RelativePath.Replace('\\', '/'), item);

        var result = new List<PublishedFile>();
        foreach (var file in Directory.EnumerateFiles(root, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 }))
        {
            var relative = Path.GetRelativePath(root, file).Replace('\\', '/');
            // IIS's file (the ASP.NET Core Module's settings), which nothing in a Linux container reads. The Web SDK writes it
            // late in a publish: before an image target hooked after Publish on the first publish, before
            // PublishContainer always. Left out, the image is the same whichever way it was made and however often.
            if (relative.Equals(IisWebConfig, StringComparison.OrdinalIgnoreCase)) continue;
            result.Add(byPath.TryGetValue(relative, out var item)
                ? item with { RelativePath = relative, SourcePath = file }
                : new PublishedFile(relative, file));
        }

        result.Sort((a, b) => string.CompareOrdinal(a.RelativePath, b.RelativePath));
        return result;
    }
}
