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

            await MoveOverAsync(temp, path, cancellationToken: cancellationToken).ConfigureAwait(false);
            return true;
        }
        finally
        {
            TryDelete(temp);
        }
    }

    /// <summary>
    /// Renames <paramref name="source"/> over <paramref name="path"/>. Under Windows' rules a rename over a file that
    /// another process holds open (a reader of index.json, an antivirus scanner, the search indexer) fails for a
    /// moment with a sharing violation or access denied, so it is retried with backoff for at most
    /// <see cref="MoveRetryBudget"/>, then the last error is thrown. Unix renames over open files, so a failure there
    /// is final and is thrown at once. <paramref name="alreadyInPlace"/>, asked before each retry, ends the wait
    /// when another writer has put the same content there (a content-addressed blob); the result is then false.
    /// </summary>
    public static async Task<bool> MoveOverAsync(string source, string path, Func<bool>? alreadyInPlace = null, CancellationToken cancellationToken = default)
    {
        var started = Environment.TickCount64;
        var delay = 5;
        while (true)
        {
            try
            {
                File.Move(source, path, overwrite: true);
                return true;
            }
            catch (Exception e) when (IsTransient(e) && HostRules.Current.IsWindows && Environment.TickCount64 - started < (long)MoveRetryBudget.TotalMilliseconds)
            {
                await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
                delay = Math.Min(delay * 2, 250);
                if (alreadyInPlace?.Invoke() == true) return false;
            }
        }
    }

    /// <summary>How long a rename over a held file is retried under Windows' rules (Go's own tools allow 2 s; scanners can take longer).</summary>
    public static readonly TimeSpan MoveRetryBudget = TimeSpan.FromSeconds(5);

    /// <summary>
    /// A failure that goes away when another process lets go of the file: sharing and lock violations, access denied
    /// (a file open without FILE_SHARE_DELETE, or pending deletion). Missing files or folders never come back by waiting.
    /// </summary>
    private static bool IsTransient(Exception e) =>
        e is UnauthorizedAccessException
        || (e is IOException && e is not FileNotFoundException and not DirectoryNotFoundException and not PathTooLongException);

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
