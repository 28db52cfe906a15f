using Containerize.Core.Images.Oci;
using Containerize.Core.Images.Store;
using Containerize.Core.Images.Transfer;

namespace Containerize.Core.Destinations;

/// <summary>
/// An <see cref="ImageExporter"/> for one send, with its own scratch folder under the store's ingest (zstd layers are
/// decompressed there for a docker-archive), removed afterwards whatever happened.
/// </summary>
internal static class ExportScratch
{
    public static async Task<T> RunAsync<T>(OciLayoutStore store, Platform platform, Func<ImageExporter, Task<T>> use)
    {
        var scratch = Path.Combine(store.IngestPath, "export-" + Guid.NewGuid().ToString("N")[..12]);
        try
        {
            return await use(new ImageExporter(store, scratch) { Platform = platform }).ConfigureAwait(false);
        }
        finally
        {
            if (Directory.Exists(scratch)) Directory.Delete(scratch, recursive: true);
        }
    }
}
