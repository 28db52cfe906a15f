using System.Collections.Concurrent;
using System.Security.Cryptography;
using Containerize.Core.Images.Oci;
using Containerize.Core.Images.Store;

namespace Containerize.Tests.Registry;

/// <summary>
/// A small folder-backed IContentStore for the registry tests, standing in until the real ImageStore lands on main.
/// Like the real one it verifies digests and writes through a temp file, so a rejected blob leaves nothing behind.
/// </summary>
internal sealed class FolderContentStore(string root) : IContentStore
{
    private readonly ConcurrentDictionary<string, Descriptor> _tags = new(StringComparer.Ordinal);

    public string Root { get; } = root;

    public int PutCount;

    public string BlobPath(Digest digest) => Path.Combine(Root, "blobs", digest.Algorithm, digest.Encoded);

    public IEnumerable<string> AllFiles() => Directory.Exists(Root) ? Directory.EnumerateFiles(Root, "*", SearchOption.AllDirectories) : [];

    public Task<bool> HasBlobAsync(Digest digest, CancellationToken cancellationToken = default) => Task.FromResult(File.Exists(BlobPath(digest)));

    public Task<Stream> OpenBlobAsync(Digest digest, CancellationToken cancellationToken = default) =>
        Task.FromResult<Stream>(new FileStream(BlobPath(digest), FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, useAsync: true));

    public Task<long?> GetBlobSizeAsync(Digest digest, CancellationToken cancellationToken = default) =>
        Task.FromResult(File.Exists(BlobPath(digest)) ? new FileInfo(BlobPath(digest)).Length : (long?)null);

    public async Task<Descriptor> PutBlobAsync(Stream content, string mediaType, Digest? expected = null, long? expectedSize = null, CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref PutCount);
        Directory.CreateDirectory(Path.Combine(Root, "tmp"));
        var temp = Path.Combine(Root, "tmp", Guid.NewGuid().ToString("N"));
        try
        {
            long size;
            Digest digest;
            await using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true))
            {
                using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
                var buffer = new byte[1 << 16];
                int n;
                while ((n = await content.ReadAsync(buffer, cancellationToken)) > 0)
                {
                    hash.AppendData(buffer, 0, n);
                    await file.WriteAsync(buffer.AsMemory(0, n), cancellationToken);
                }

                size = file.Length;
                digest = Digest.FromSha256Hash(hash.GetHashAndReset());
            }

            if ((expected is { } e && e != digest) || (expectedSize is { } s && s != size))
            {
                throw new InvalidDataException($"content is {digest} ({size} bytes), not {expected} ({expectedSize})");
            }

            var final = BlobPath(digest);
            Directory.CreateDirectory(Path.GetDirectoryName(final)!);
            File.Move(temp, final, overwrite: true);
            return new Descriptor { MediaType = mediaType, Digest = digest, Size = size };
        }
        finally
        {
            File.Delete(temp);
        }
    }

    public Task<Descriptor> PutBlobAsync(ReadOnlyMemory<byte> content, string mediaType, CancellationToken cancellationToken = default) =>
        PutBlobAsync(new MemoryStream(content.ToArray()), mediaType, null, null, cancellationToken);

    public Task TagAsync(ImageReference reference, Descriptor manifest, CancellationToken cancellationToken = default)
    {
        _tags[reference.ToString()] = manifest;
        return Task.CompletedTask;
    }

    public Task<Descriptor?> ResolveAsync(ImageReference reference, CancellationToken cancellationToken = default) =>
        Task.FromResult(_tags.TryGetValue(reference.WithDefaultTag().ToString(), out var d) ? d : null);
}
