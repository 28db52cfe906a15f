using System.Formats.Tar;
using Containerize.Core.Diagnostics;

namespace Containerize.Core.Engines;

/// <summary>
/// A stand-in context writer for the hand-off command until the .dockerignore-aware one (Core/Context) is wired
/// in: a plain tar of the folder. A folder with a .dockerignore is refused rather than sent unfiltered.
/// </summary>
public static class FolderContext
{
    public static Func<Stream, CancellationToken, Task> Writer(string folder)
    {
        if (!Directory.Exists(folder))
        {
            throw new ContainerizeException(GeneralErrors.FileNotFound, $"context folder '{folder}' does not exist", hint: "give the folder to build from");
        }

        if (File.Exists(Path.Combine(folder, ".dockerignore")))
        {
            throw new ContainerizeException(
                EngineErrors.ContextNotFiltered,
                $"{Path.Combine(folder, ".dockerignore")}: this build of containerize cannot yet apply .dockerignore when handing off a folder",
                hint: "run docker build directly for now, or remove the .dockerignore; the MSBuild hand-off applies it");
        }

        return (stream, ct) => TarFile.CreateFromDirectoryAsync(folder, stream, includeBaseDirectory: false, ct);
    }
}
