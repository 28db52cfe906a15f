using Containerize.Core.Diagnostics;
using Containerize.Core.Generation;
using Containerize.Core.Images.Transfer;

namespace Containerize.Core.Publishing;

/// <summary>ContainerArchiveOutputPath and ContainerImageFormat, with the .NET SDK's rules (ArchiveFileRegistry).</summary>
public static class ArchiveOutput
{
    /// <summary>A folder (existing, or written with a trailing separator) gets <c>&lt;repository&gt;.tar.gz</c>, as in the SDK.</summary>
    public static string ResolvePath(string archiveOutputPath, string repository, string projectDirectory)
    {
        var full = Path.GetFullPath(archiveOutputPath, projectDirectory);
        if (Directory.Exists(full) || archiveOutputPath.EndsWith('/') || archiveOutputPath.EndsWith('\\'))
        {
            full = Path.Combine(full, repository + ".tar.gz");
        }

        return full;
    }

    /// <summary>A docker-archive (what <c>docker load</c> reads) unless ContainerImageFormat is OCI.</summary>
    public static ImageTransport Format(string? imageFormat, string? projectPath = null) => imageFormat?.Trim().ToLowerInvariant() switch
    {
        null or "" or "docker" => ImageTransport.DockerArchive,
        "oci" => ImageTransport.OciArchive,
        _ => throw new ContainerizeException(GenerationErrors.InvalidPropertyValue, $"ContainerImageFormat has the invalid value '{imageFormat}'", projectPath,
            hint: "use Docker or OCI"),
    };
}
