using Containerize.Core.Diagnostics;

namespace Containerize.Core.Generation;

/// <summary>Writes a text file whole or not at all: a temporary file beside it, verified, then renamed over it.</summary>
public static class AtomicFile
{
    /// <summary>Writes <paramref name="text"/> unless the file already holds exactly it. Returns whether it wrote.</summary>
    public static async Task<bool> WriteTextIfChangedAsync(string path, string text, CancellationToken cancellationToken)
    {
        var bytes = new System.Text.UTF8Encoding(false).GetBytes(text);
        try
        {
            if (File.Exists(path) && new FileInfo(path).Length == bytes.Length &&
                (await File.ReadAllBytesAsync(path, cancellationToken)).AsSpan().SequenceEqual(bytes))
            {
                return false;
            }

            var dir = Path.GetDirectoryName(Path.GetFullPath(path))!;
            Directory.CreateDirectory(dir);
            var temp = Path.Combine(dir, $".{Path.GetFileName(path)}.{Guid.NewGuid():N}.tmp");
            try
            {
                await using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 4096, FileOptions.Asynchronous))
                {
                    await stream.WriteAsync(bytes, cancellationToken);
                    await stream.FlushAsync(cancellationToken);
                    stream.Flush(flushToDisk: true);
                }

                if (!(await File.ReadAllBytesAsync(temp, cancellationToken)).AsSpan().SequenceEqual(bytes))
                {
                    throw new IOException($"the temporary file {temp} does not hold what was written");
                }

                File.Move(temp, path, overwrite: true);
            }
            finally
            {
                if (File.Exists(temp)) File.Delete(temp);
            }

            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ContainerizeException(GeneralErrors.IoError, $"could not write {path}: {e.Message}", path,
                hint: "check the folder's permissions and free space", inner: e);
        }
    }
}
