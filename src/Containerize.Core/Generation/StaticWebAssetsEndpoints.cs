using System.Globalization;
using System.Text.RegularExpressions;

namespace Containerize.Core.Generation;

/// <summary>
/// ASP.NET Core's <c>*.staticwebassets.endpoints.json</c> carries a Last-Modified header per asset, taken from the time
/// the build wrote the (compressed) asset: two clones of one commit publish different bytes. The image gets a copy with
/// those headers set to ContainerSourceDateEpoch; ETags, which caching relies on, stay content hashes.
/// </summary>
public static partial class StaticWebAssetsEndpoints
{
    public const string Suffix = ".staticwebassets.endpoints.json";

    /// <summary>The files with every endpoints manifest replaced by its normalised copy under <paramref name="folder"/>.</summary>
    public static async Task<IReadOnlyList<PublishedFile>> NormalizeAsync(IReadOnlyList<PublishedFile> files, long epoch, string folder, CancellationToken cancellationToken)
    {
        var result = new List<PublishedFile>(files.Count);
        foreach (var file in files)
        {
            if (!file.RelativePath.EndsWith(Suffix, StringComparison.OrdinalIgnoreCase))
            {
                result.Add(file);
                continue;
            }

            var copy = Path.Combine(folder, file.RelativePath);
            var text = Normalize(await File.ReadAllTextAsync(file.SourcePath, cancellationToken).ConfigureAwait(false), epoch);
            // Written only when it changes, so that staging sees an unchanged file and the engine's cache hits.
            await OutputFiles.WriteTextIfChangedAsync(copy, text, cancellationToken).ConfigureAwait(false);
            result.Add(file with { SourcePath = copy });
        }

        return result;
    }

    public static string Normalize(string json, long epoch)
    {
        var date = DateTimeOffset.FromUnixTimeSeconds(epoch).UtcDateTime.ToString("R", CultureInfo.InvariantCulture);
        return LastModified().Replace(json, m => m.Groups["head"].Value + date + "\"");
    }

    [GeneratedRegex("(?<head>\"Name\"\\s*:\\s*\"Last-Modified\"\\s*,\\s*\"Value\"\\s*:\\s*\")[^\"]*\"")]
    private static partial Regex LastModified();
}
