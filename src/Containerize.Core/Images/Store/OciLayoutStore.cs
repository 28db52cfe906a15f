using Containerize.Core.Os;
using System.Security.Cryptography;
using Containerize.Core.Diagnostics;
using Containerize.Core.Images.Oci;

namespace Containerize.Core.Images.Store;

/// <summary>
/// A content-addressed store that is itself an OCI image layout (<c>oci-layout</c>, <c>index.json</c>,
/// <c>blobs/ALG/HEX</c>), so skopeo, umoci and crane read it as it is. Blobs are written to a unique file under
/// <c>ingest/</c>, hashed on the way, fsynced and renamed into place only when their digest checks; index.json is
/// rewritten whole, under a file lock, by rename. A killed process therefore leaves at most an ingest file, which
/// nothing reads and prune removes.
/// </summary>
public sealed class OciLayoutStore : IContentStore
{
    private const string IndexFile = "index.json";
    private const string LayoutFile = "oci-layout";
    private const string IngestFolder = "ingest";

    private OciLayoutStore(string root) => Root = root;

    public string Root { get; }

    /// <summary>How long an index update waits for another process's lock.</summary>
    public TimeSpan LockTimeout { get; private init; } = TimeSpan.FromMinutes(2);

    /// <summary>The same store with another wait for the index lock (a command that must not wait long, a test).</summary>
    public OciLayoutStore WithLockTimeout(TimeSpan timeout) => new(Root) { LockTimeout = timeout };

    public string IngestPath => Path.Combine(Root, IngestFolder);

    /// <summary>
    /// How a layer known only by where it lives (<see cref="BlobSources"/>) is brought in when something reads it
    /// (<see cref="RemoteBlobs.EnsurePresentAsync"/>); null where the command cannot reach a registry. Set once, by
    /// whoever opened the store with registry settings, before any read.
    /// </summary>
    public IRemoteBlobFetcher? Remote { get; set; }

    /// <summary>Fetches under way, so that two readers of one remote layer download it once.</summary>
    internal System.Collections.Concurrent.ConcurrentDictionary<Digest, Lazy<Task>> Fetches { get; } = new();

    /// <summary>Opens a store, creating the layout when the folder is new or empty.</summary>
    public static async Task<OciLayoutStore> OpenOrCreateAsync(string root, CancellationToken cancellationToken = default)
    {
        var store = new OciLayoutStore(Path.GetFullPath(root));
        var layout = Path.Combine(store.Root, LayoutFile);
        if (File.Exists(layout))
        {
            store.CheckLayoutHeader();
            return store;
        }

        if (File.Exists(store.Root) || (Directory.Exists(store.Root) && Directory.EnumerateFileSystemEntries(store.Root).Any() && !File.Exists(Path.Combine(store.Root, IndexFile)) && !Directory.Exists(Path.Combine(store.Root, "blobs"))))
        {
            throw new ContainerizeException(StoreErrors.NotAStore, $"'{store.Root}' exists and is not an OCI image layout",
                hint: "give an empty or new folder, or an existing OCI layout (it has an oci-layout file)");
        }

        Directory.CreateDirectory(Path.Combine(store.Root, "blobs", "sha256"));
        if (!File.Exists(Path.Combine(store.Root, IndexFile)))
        {
            using (await IndexLock.AcquireAsync(store.LockPath, store.LockTimeout, cancellationToken).ConfigureAwait(false))
            {
                if (!File.Exists(Path.Combine(store.Root, IndexFile)))
                {
                    await AtomicFile.WriteAsync(Path.Combine(store.Root, IndexFile), OciJson.Serialize(new ImageIndex { Manifests = [] }), AtomicWriteOptions.Durable, cancellationToken).ConfigureAwait(false);
                }
            }
        }

        await AtomicFile.WriteAsync(layout, OciJson.Serialize(new ImageLayoutHeader()), AtomicWriteOptions.Durable, cancellationToken).ConfigureAwait(false);
        return store;
    }

    /// <summary>Opens an existing OCI layout (a base image on disk) for reading; a folder without one is a coded error.</summary>
    public static OciLayoutStore OpenExisting(string root)
    {
        var store = new OciLayoutStore(Path.GetFullPath(root));
        if (!File.Exists(Path.Combine(store.Root, LayoutFile)) || !File.Exists(Path.Combine(store.Root, IndexFile)))
        {
            throw new ContainerizeException(StoreErrors.LayoutNotFound, $"no OCI image layout at '{store.Root}' (oci-layout or index.json is missing)",
                hint: "give the folder that holds oci-layout, index.json and blobs/, as written by 'containerize save' or 'skopeo copy ... oci:DIR'");
        }

        store.CheckLayoutHeader();
        return store;
    }

    private string LockPath => Path.Combine(Root, IndexFile + ".lock");

    private void CheckLayoutHeader()
    {
        var bytes = File.ReadAllBytes(Path.Combine(Root, LayoutFile));
        if (!System.Text.Encoding.UTF8.GetString(bytes).Contains("imageLayoutVersion", StringComparison.Ordinal))
        {
            throw new ContainerizeException(StoreErrors.NotAStore, $"'{Path.Combine(Root, LayoutFile)}' is not an OCI layout header",
                hint: "the file must hold {\"imageLayoutVersion\":\"1.0.0\"}");
        }
    }

    public string BlobPath(Digest digest) => Path.Combine(Root, "blobs", digest.Algorithm, digest.Encoded);

    public Task<bool> HasBlobAsync(Digest digest, CancellationToken cancellationToken = default) => Task.FromResult(File.Exists(BlobPath(digest)));

    public Task<long?> GetBlobSizeAsync(Digest digest, CancellationToken cancellationToken = default)
    {
        var info = new FileInfo(BlobPath(digest));
        return Task.FromResult(info.Exists ? info.Length : (long?)null);
    }

    public Task<Stream> OpenBlobAsync(Digest digest, CancellationToken cancellationToken = default)
    {
        var file = OpenBlobFile(digest, 81920, FileOptions.Asynchronous);
        return Task.FromResult<Stream>(new VerifyingReadStream(file, digest, file.Length, "blob"));
    }

    /// <summary>
    /// The blob's file as it is, not checked against its digest as it is read: for copies that trust the check made
    /// when the blob was written (an archive export checks the size).
    /// </summary>
    internal FileStream OpenBlobFile(Digest digest, int bufferSize, FileOptions options = FileOptions.None)
    {
        try
        {
            return new FileStream(BlobPath(digest), FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize, options | FileOptions.SequentialScan);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw BlobMissing(digest);
        }
    }

    internal ContainerizeException BlobMissing(Digest digest) =>
        new(StoreErrors.BlobNotFound, $"blob {digest} is not in the store at '{Root}'",
            hint: "pull or import the image again; 'containerize store check' lists what is missing");

    public Task<Descriptor> PutBlobAsync(ReadOnlyMemory<byte> content, string mediaType, CancellationToken cancellationToken = default)
    {
        var digest = Digest.Sha256(content.Span);
        return PutBlobAsync(new MemoryStream(content.ToArray(), writable: false), mediaType, digest, content.Length, cancellationToken);
    }

    public async Task<Descriptor> PutBlobAsync(Stream content, string mediaType, Digest? expected = null, long? expectedSize = null, CancellationToken cancellationToken = default)
    {
        if (expected is { } known && new FileInfo(BlobPath(known)) is { Exists: true } existing && (expectedSize is null || expectedSize == existing.Length))
        {
            // Content addressing: the same digest is the same bytes, and the stored copy was verified when written.
            return new Descriptor { MediaType = mediaType, Digest = known, Size = existing.Length };
        }

        Directory.CreateDirectory(IngestPath);
        var temp = Path.Combine(IngestPath, Guid.NewGuid().ToString("N") + ".partial");
        try
        {
            Digest actual;
            long size = 0;
            var algorithm = expected is { } e ? VerifyingReadStream.HashAlgorithmFor(e) : HashAlgorithmName.SHA256;
            using (var hash = IncrementalHash.CreateHash(algorithm))
            await using (var output = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 81920, FileOptions.Asynchronous))
            {
                var buffer = new byte[81920];
                int n;
                while ((n = await content.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
                {
                    size += n;
                    if (expectedSize is { } max && size > max)
                    {
                        throw new ContainerizeException(StoreErrors.SizeMismatch, $"content for {expected?.ToString() ?? "a blob"} is longer than the expected {max} bytes",
                            hint: "the source sent more than its descriptor says; the blob was not stored");
                    }

                    hash.AppendData(buffer, 0, n);
                    await output.WriteAsync(buffer.AsMemory(0, n), cancellationToken).ConfigureAwait(false);
                }

                output.Flush(flushToDisk: true);
                var h = hash.GetHashAndReset();
                actual = algorithm == HashAlgorithmName.SHA512
                    ? Digest.Parse("sha512:" + Convert.ToHexStringLower(h))
                    : Digest.FromSha256Hash(h);
            }

            if (expectedSize is { } want && size != want)
            {
                throw new ContainerizeException(StoreErrors.SizeMismatch, $"content for {expected?.ToString() ?? "a blob"} is truncated: {size} of {want} bytes",
                    hint: "the source ended early (an interrupted download or a cut file); the blob was not stored");
            }

            if (expected is { } exp && exp != actual)
            {
                throw new ContainerizeException(StoreErrors.DigestMismatch, $"content expected to be {exp} has digest {actual}",
                    hint: "the source is corrupt or does not match its manifest; the blob was not stored");
            }

            await PlaceBlobAsync(temp, actual, size, cancellationToken).ConfigureAwait(false);
            return new Descriptor { MediaType = mediaType, Digest = actual, Size = size };
        }
        finally
        {
            AtomicFile.TryDelete(temp);
        }
    }

    /// <summary>
    /// Stores what <paramref name="write"/> writes (a layer writer's output) in one pass: the store hashes the bytes as
    /// they go to the ingest file, then renames the file to its digest. Nothing is visible until it is complete.
    /// </summary>
    public async Task<Descriptor> PutBlobFromWriterAsync(string mediaType, Func<Stream, CancellationToken, Task> write, CancellationToken cancellationToken = default)
    {
        Directory.CreateDirectory(IngestPath);
        var temp = Path.Combine(IngestPath, Guid.NewGuid().ToString("N") + ".partial");
        try
        {
            Digest digest;
            long size;
            await using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 81920, FileOptions.Asynchronous))
            {
                await using var hashing = new HashingWriteStream(file);
                await write(hashing, cancellationToken).ConfigureAwait(false);
                await hashing.FlushAsync(cancellationToken).ConfigureAwait(false);
                file.Flush(flushToDisk: true);
                (digest, size) = (hashing.Digest(), hashing.Length);
            }

            await PlaceBlobAsync(temp, digest, size, cancellationToken).ConfigureAwait(false);
            return new Descriptor { MediaType = mediaType, Digest = digest, Size = size };
        }
        finally
        {
            AtomicFile.TryDelete(temp);
        }
    }

    /// <summary>
    /// Moves a verified ingest file to its blob path, unless that blob is already there: a file named by this digest
    /// and of this size holds these bytes (it was verified when written), so it is never renamed over. That keeps
    /// readers of it undisturbed, and on Windows, where a rename over a file someone holds open fails, it is what
    /// lets two builds write the same layer at once. A stored copy of another size is damaged and is replaced.
    /// </summary>
    private async Task PlaceBlobAsync(string temp, Digest digest, long size, CancellationToken cancellationToken)
    {
        var target = BlobPath(digest);
        if (HasBlobOfSize(target, size)) return;
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        // Two writers racing on Unix rename identical bytes over each other: either wins and both are right.
        await AtomicFile.MoveOverAsync(temp, target, () => HasBlobOfSize(target, size), cancellationToken).ConfigureAwait(false);
    }

    private static bool HasBlobOfSize(string path, long size) => new FileInfo(path) is { Exists: true } info && info.Length == size;

    /// <summary>The index.json document: every named manifest of the store.</summary>
    public async Task<ImageIndex> ReadIndexAsync(CancellationToken cancellationToken = default)
    {
        var path = Path.Combine(Root, IndexFile);
        if (!File.Exists(path)) return new ImageIndex { Manifests = [] };
        var bytes = await File.ReadAllBytesAsync(path, cancellationToken).ConfigureAwait(false);
        try
        {
            return OciJson.DeserializeIndex(bytes, "index.json");
        }
        catch (ContainerizeException e)
        {
            throw new ContainerizeException(StoreErrors.MalformedIndex, $"'{path}' is not a valid OCI index: {e.Diagnostic.Message}",
                hint: "restore index.json from a backup or remove the store folder; blobs are intact and 'containerize prune' reclaims them", inner: e);
        }
    }

    /// <summary>Reads, changes and rewrites index.json under the lock, so that concurrent builds never lose a tag.</summary>
    public async Task UpdateIndexAsync(Func<List<Descriptor>, bool> change, CancellationToken cancellationToken = default)
    {
        using var _ = await IndexLock.AcquireAsync(LockPath, LockTimeout, cancellationToken).ConfigureAwait(false);
        var index = await ReadIndexAsync(cancellationToken).ConfigureAwait(false);
        var entries = index.Manifests.ToList();
        if (!change(entries)) return;
        // Entries sorted by name: the same set of tags always gives the same index.json bytes.
        var sorted = entries
            .OrderBy(d => d.Annotation(AnnotationKeys.RefName) ?? "\uffff", StringComparer.Ordinal)
            .ThenBy(d => d.Digest.ToString(), StringComparer.Ordinal)
            .ToList();
        await AtomicFile.WriteAsync(Path.Combine(Root, IndexFile), OciJson.Serialize(index with { Manifests = sorted }), AtomicWriteOptions.Durable, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Names a manifest with the full normalised reference (<c>docker.io/library/app:1.0</c>).</summary>
    /// <remarks>
    /// The image the name leaves stays in the store as a dangling (untagged) entry when no other entry holds it, as
    /// Docker keeps a retagged image as <c>&lt;none&gt;</c> (<see cref="DanglingImages"/>); not when the name moves to
    /// the same image (the same config: a build's layers compressed for distribution) or is an artifact tag.
    /// </remarks>
    public async Task TagAsync(ImageReference reference, Descriptor manifest, CancellationToken cancellationToken = default)
    {
        var named = Taggable(reference);
        var refName = named.ToString();
        Digest? sameImage = null;
        if (!DanglingImages.IsArtifactTag(refName)
            && (await ReadIndexAsync(cancellationToken).ConfigureAwait(false)).Manifests.LastOrDefault(d => d.Annotation(AnnotationKeys.RefName) == refName) is { } current
            && current.Digest != manifest.Digest
            && await SameImageAsync(current, manifest, cancellationToken).ConfigureAwait(false))
        {
            sameImage = current.Digest;
        }

        Func<Descriptor, bool>? keep = DanglingImages.IsArtifactTag(refName) ? null : old => old.Digest != sameImage;
        await TagAsync(refName, manifest, named, cancellationToken, keep).ConfigureAwait(false);
    }

    /// <summary>Whether two manifests are one image (the same config), so that moving a name between them loses nothing.</summary>
    private async Task<bool> SameImageAsync(Descriptor a, Descriptor b, CancellationToken cancellationToken)
    {
        if (!MediaTypes.IsManifest(a.MediaType) || !MediaTypes.IsManifest(b.MediaType)) return false;
        try
        {
            return (await this.ReadManifestAsync(a, cancellationToken).ConfigureAwait(false)).Config.Digest
                == (await this.ReadManifestAsync(b, cancellationToken).ConfigureAwait(false)).Config.Digest;
        }
        catch (ContainerizeException)
        {
            // A damaged previous image is kept (dangling) rather than judged the same.
            return false;
        }
    }

    /// <summary>
    /// Names a manifest with any ref.name (an exported layout uses the bare tag, as skopeo's <c>oci:DIR:TAG</c> does),
    /// adding containerd's image name annotation when the full name is known.
    /// </summary>
    public Task TagAsync(string refName, Descriptor manifest, ImageReference? fullName, CancellationToken cancellationToken = default) =>
        TagAsync(refName, manifest, fullName, cancellationToken, keep: null);

    /// <param name="keep">Given, the entry the name leaves is kept untagged when this says so and no other entry holds its digest.</param>
    private async Task TagAsync(string refName, Descriptor manifest, ImageReference? fullName, CancellationToken cancellationToken, Func<Descriptor, bool>? keep)
    {
        if (!await HasBlobAsync(manifest.Digest, cancellationToken).ConfigureAwait(false)) throw BlobMissing(manifest.Digest);
        var annotations = new Dictionary<string, string>(StringComparer.Ordinal) { [AnnotationKeys.RefName] = refName };
        if (fullName is not null) annotations[AnnotationKeys.ContainerdImageName] = fullName.ToString();
        var entry = new Descriptor
        {
            MediaType = manifest.MediaType,
            Digest = manifest.Digest,
            Size = manifest.Size,
            Platform = manifest.Platform,
            ArtifactType = manifest.ArtifactType,
            Annotations = annotations,
        };
        await UpdateIndexAsync(entries =>
        {
            // Re-tagging with the same image (a fully cached build) leaves index.json untouched: no write, no fsync.
            if (entries.Where(d => d.Annotation(AnnotationKeys.RefName) == refName).ToList() is [var old] && SameEntry(old, entry)) return false;
            var previous = entries.Where(d => d.Annotation(AnnotationKeys.RefName) == refName).ToList();
            entries.RemoveAll(d => d.Annotation(AnnotationKeys.RefName) == refName);
            // A dangling image that gets a name again is no longer dangling.
            entries.RemoveAll(d => d.Digest == entry.Digest && DanglingImages.IsDangling(d));
            entries.Add(entry);
            foreach (var left in previous.DistinctBy(d => d.Digest))
            {
                if (keep is null || !keep(left) || entries.Any(d => d.Digest == left.Digest)) continue;
                entries.Add(DanglingImages.EntryFor(left));
            }

            return true;
        }, cancellationToken).ConfigureAwait(false);
    }

    private static bool SameEntry(Descriptor a, Descriptor b) =>
        a.Digest == b.Digest && a.MediaType == b.MediaType && a.Size == b.Size && a.ArtifactType == b.ArtifactType && Equals(a.Platform, b.Platform) &&
        (a.Annotations?.Count ?? 0) == (b.Annotations?.Count ?? 0) &&
        (b.Annotations ?? new Dictionary<string, string>()).All(kv => a.Annotation(kv.Key) == kv.Value);

    /// <summary>Removes a name; the blobs stay until prune. Returns false when there was no such name.</summary>
    public async Task<bool> UntagAsync(ImageReference reference, CancellationToken cancellationToken = default)
    {
        var name = Taggable(reference).ToString();
        var removed = false;
        await UpdateIndexAsync(entries => removed = entries.RemoveAll(d => d.Annotation(AnnotationKeys.RefName) == name) > 0, cancellationToken).ConfigureAwait(false);
        return removed;
    }

    public async Task<Descriptor?> ResolveAsync(ImageReference reference, CancellationToken cancellationToken = default)
    {
        if (reference.Tag is null && reference.Digest is { } digest)
        {
            var size = await GetBlobSizeAsync(digest, cancellationToken).ConfigureAwait(false);
            if (size is null) return null;
            var bytes = await this.ReadBlobBytesAsync(new Descriptor { MediaType = "", Digest = digest, Size = size.Value }, cancellationToken).ConfigureAwait(false);
            return new Descriptor { MediaType = OciJson.PeekMediaType(bytes) ?? MediaTypes.OciManifest, Digest = digest, Size = size.Value };
        }

        var name = reference.WithDefaultTag().ToString();
        var index = await ReadIndexAsync(cancellationToken).ConfigureAwait(false);
        var found = index.Manifests.LastOrDefault(d => d.Annotation(AnnotationKeys.RefName) == name);
        if (found is null) return null;
        return reference.Digest is { } pinned && pinned != found.Digest ? null : found with { Annotations = null };
    }

    /// <summary>Every named entry of index.json, with its reference when the name parses as one.</summary>
    public async Task<IReadOnlyList<TaggedImage>> ListTagsAsync(CancellationToken cancellationToken = default)
    {
        var index = await ReadIndexAsync(cancellationToken).ConfigureAwait(false);
        return index.Manifests
            .Where(d => d.Annotation(AnnotationKeys.RefName) is not null)
            .Select(d => new TaggedImage(d.Annotation(AnnotationKeys.RefName)!,
                ImageReference.TryParse(d.Annotation(AnnotationKeys.RefName)!, out var r) ? r : null,
                d with { Annotations = null }))
            .ToList();
    }

    /// <summary>The stored blobs (ingest files excluded), as their digests and sizes.</summary>
    public IEnumerable<(Digest Digest, long Size, string Path)> EnumerateBlobs()
    {
        var blobs = Path.Combine(Root, "blobs");
        if (!Directory.Exists(blobs)) yield break;
        foreach (var algDir in Directory.EnumerateDirectories(blobs).Order(StringComparer.Ordinal))
        {
            var alg = Path.GetFileName(algDir);
            foreach (var file in Directory.EnumerateFiles(algDir).Order(StringComparer.Ordinal))
            {
                if (Digest.TryParse(alg + ":" + Path.GetFileName(file), out var d)) yield return (d, new FileInfo(file).Length, file);
            }
        }
    }

    /// <summary>Deletes the ingest folder when nothing is in it: an exported layout should hold only the layout.</summary>
    public void RemoveEmptyIngest()
    {
        try
        {
            if (Directory.Exists(IngestPath) && !Directory.EnumerateFileSystemEntries(IngestPath).Any()) Directory.Delete(IngestPath);
        }
        catch (IOException)
        {
        }
    }

    internal void DeleteBlob(Digest digest)
    {
        AtomicFile.TryDelete(BlobPath(digest));

        // The side index is only about this blob; left alone it would outlive it forever.
        AtomicFile.TryDelete(LayerPathIndex.PathFor(this, digest));
        LayerContentSize.Forget(this, digest);
    }

    private static ImageReference Taggable(ImageReference reference)
    {
        if (reference.Tag is null && reference.Digest is not null)
        {
            throw new ContainerizeException(StoreErrors.TagRequired, $"'{reference}' has a digest and no tag; a store name needs a tag",
                hint: "add a tag, e.g. app:1.0");
        }

        return reference.Tag is null ? reference.WithDefaultTag() : reference.Digest is null ? reference : reference.WithTag(reference.Tag);
    }
}

/// <summary>One name in a store or layout: its ref.name, the parsed reference (null for a bare tag) and the manifest.</summary>
public sealed record TaggedImage(string RefName, ImageReference? Reference, Descriptor Manifest);
