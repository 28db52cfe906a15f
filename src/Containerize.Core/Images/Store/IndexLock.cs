using Containerize.Core.Diagnostics;

namespace Containerize.Core.Images.Store;

/// <summary>
/// An exclusive lock on a store's index.json, held while it is read, changed and rewritten: the side file opened
/// with FileShare.None, which is an advisory flock on Unix and a sharing-mode open on Windows, so one rule works on
/// both, between processes and between two store instances in one process, and the OS releases it when a build is
/// killed. The file itself is never deleted (a deleted lock file lets two holders in). Waiting is bounded: after the
/// timeout the error names the lock file, never a hang.
/// </summary>
internal sealed class IndexLock : IDisposable
{
    private readonly FileStream _stream;

    private IndexLock(FileStream stream) => _stream = stream;

    public static async Task<IndexLock> AcquireAsync(string lockPath, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + timeout;
        var delay = 5;
        while (true)
        {
            try
            {
                return new IndexLock(new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None));
            }
            // Windows answers a sharing violation (IOException), or access denied while a scanner holds the file.
            catch (Exception e) when ((e is IOException or UnauthorizedAccessException) && DateTime.UtcNow < deadline)
            {
                await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
                delay = Math.Min(delay * 2, 100);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new ContainerizeException(StoreErrors.StoreLocked, $"the store index is locked by another process ({lockPath}); gave up after {timeout.TotalSeconds.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture)} s", lockPath,
                    hint: "another containerize command is updating this store; wait for it, or remove the lock file if no such process runs", inner: e);
            }
        }
    }

    public void Dispose() => _stream.Dispose();
}
