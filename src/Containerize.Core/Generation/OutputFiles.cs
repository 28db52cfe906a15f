using Containerize.Core.Diagnostics;
using Containerize.Core.Os;

namespace Containerize.Core.Generation;

/// <summary>Generated files (Dockerfiles, metadata, outputs) through the one atomic writer, with failures as coded errors.</summary>
public static class OutputFiles
{
    /// <summary>Writes <paramref name="text"/> unless the file already holds exactly it. Returns whether it wrote.</summary>
    public static async Task<bool> WriteTextIfChangedAsync(string path, string text, CancellationToken cancellationToken)
    {
        try
        {
            return await AtomicFile.WriteTextAsync(path, text, AtomicWriteOptions.Generated, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ContainerizeException(GeneralErrors.IoError, $"could not write {path}: {e.Message}", path,
                hint: "check the folder's permissions and free space", inner: e);
        }
    }
}
