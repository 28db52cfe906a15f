using Containerize.Core.Diagnostics;

namespace Containerize.Core.Images.Store;

/// <summary>
/// An exclusive lock on a store's index.json, held while it is read, changed and rewritten. It is an advisory
/// flock on a side file (FileShare.None maps to flock on Unix), so it works between processes and between two
/// store instances in one process, and the kernel releases it when a build is killed.
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
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
                delay = Math.Min(delay * 2, 100);
            }
            catch (IOException e)
            {
                throw new ContainerizeException(StoreErrors.StoreLocked, $"the store index is locked by another process ({lockPath})",
                    hint: "another containerize command is updating this store; wait for it, or remove the lock file if no such process runs", inner: e);
            }
        }
    }

    public void Dispose() => _stream.Dispose();
}
