namespace Containerize.Core.Supply.Sbom;

/// <summary>
/// The SHA-512 of a package's .nupkg file, as NuGet recorded it when it extracted the package
/// (<c>{id}.{version}.nupkg.sha512</c> in the global packages folder): the hash nuget.org publishes for the file
/// (its catalog's packageHash). project.assets.json holds the content hash instead, which leaves a signed package's
/// signature out and so matches no downloaded file; it is the fallback when the folder has no record.
/// </summary>
public static class NupkgHash
{
    public static string? Read(IReadOnlyList<string> packageFolders, string? libraryPath, string id, string version)
    {
        if (string.IsNullOrEmpty(libraryPath)) return null;
        foreach (var folder in packageFolders)
        {
            var path = Path.Combine(folder, libraryPath.Replace('/', Path.DirectorySeparatorChar), $"{id.ToLowerInvariant()}.{version.ToLowerInvariant()}.nupkg.sha512");
            try
            {
                var info = new FileInfo(path);
                if (!info.Exists || info.Length > 1024) continue;
                var text = File.ReadAllText(path).Trim();
                var bytes = new byte[64];
                if (Convert.TryFromBase64String(text, bytes, out var written) && written == 64) return text;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Unreadable: the assets file's hash stands.
            }
        }

        return null;
    }
}
