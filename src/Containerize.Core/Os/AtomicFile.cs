namespace Containerize.Core.Os;

/// <summary>How <see cref="AtomicFile"/> writes.</summary>
public sealed record AtomicWriteOptions
{
    /// <summary>State other runs rely on (the store's index, layouts): flushed to disk before the rename.</summary>
    public static readonly AtomicWriteOptions Durable = new();

    /// <summary>Caches and build outputs that the next run writes again: no fsync, which costs milliseconds per file.</summary>
    public static readonly AtomicWriteOptions Cache = new() { Fsync = false };

    /// <summary>Generated files a user or MSBuild reads (Dockerfiles, metadata): untouched when equal, so their times say when they changed.</summary>
    public static readonly AtomicWriteOptions Generated = new() { SkipIfUnchanged = true, Verify = true };

    public bool Fsync { get; init; } = true;

    /// <summary>Read the temporary file back before the rename.</summary>
    public bool Verify { get; init; }

    /// <summary>Leave the file alone when it already holds exactly these bytes.</summary>
    public bool SkipIfUnchanged { get; init; }
}

/// <summary>
/// The one atomic writer: a reader sees the old content or the new, never a part, because the bytes go to a unique
/// temporary file in the target's folder that is then renamed over it; a failed write leaves no temporary file.
/// </summary>
public static class AtomicFile
{
    /// <summary>Writes <paramref name="content"/> to <paramref name="path"/>; false when it was skipped as unchanged.</summary>
    public static async Task<bool> WriteAsync(string path, ReadOnlyMemory<byte> content, AtomicWriteOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= AtomicWriteOptions.Durable;
        if (options.SkipIfUnchanged && await HoldsAsync(path, content, cancellationToken).ConfigureAwait(false)) return false;
        var temp = TempPathFor(path);
        Directory.CreateDirectory(Path.GetDirectoryName(temp)!);
        try
        {
            await using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 4096, FileOptions.Asynchronous))
            {
                await stream.WriteAsync(content, cancellationToken).ConfigureAwait(false);
                if (options.Fsync) stream.Flush(flushToDisk: true);
            }

            if (options.Verify && !await HoldsAsync(temp, content, cancellationToken).ConfigureAwait(false))
            {
                throw new IOException($"the temporary file {temp} does not hold what was written");
            }

            File.Move(temp, path, overwrite: true);
            return true;
        }
        finally
        {
            TryDelete(temp);
        }
    }

    public static Task<bool> WriteTextAsync(string path, string text, AtomicWriteOptions? options = null, CancellationToken cancellationToken = default) =>
        WriteAsync(path, new System.Text.UTF8Encoding(false).GetBytes(text), options, cancellationToken);

    /// <summary>A unique hidden name beside <paramref name="path"/>, for writers that stream into it themselves.</summary>
    public static string TempPathFor(string path)
    {
        var full = Path.GetFullPath(path);
        return Path.Combine(Path.GetDirectoryName(full)!, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
    }

    public static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    private static async Task<bool> HoldsAsync(string path, ReadOnlyMemory<byte> content, CancellationToken cancellationToken)
    {
        var info = new FileInfo(path);
        if (!info.Exists || info.Length != content.Length) return false;
        return (await File.ReadAllBytesAsync(path, cancellationToken).ConfigureAwait(false)).AsSpan().SequenceEqual(content.Span);
    }
}
