using Containerize.Core.Context;
using Containerize.Core.Diagnostics;
using Containerize.Core.Images.Oci;

namespace Containerize.Core.Building.Plan;

/// <summary>
/// The build's `--build-context NAME=VALUE`s, as docker buildx (a git URL arrives here as its checkout's folder,
/// <see cref="GitContexts"/>): a folder (read through its own root .dockerignore, as
/// BuildKit's dockerui loads a local named context), `docker-image://REF`, or an oci-layout:// / oci-archive:// /
/// docker-archive:// location. Names match case-insensitively; an image name also matches by its familiar form
/// without ":latest" (BuildKit keys `FROM alpine:latest` and `FROM alpine` alike).
/// </summary>
public sealed class NamedContextSet
{
    private const string DockerImagePrefix = "docker-image://";
    private readonly Dictionary<string, string> _values;
    private readonly Dictionary<string, ContextSnapshot> _snapshots = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, string> _mountable = new(StringComparer.OrdinalIgnoreCase);
    private readonly string _scratch;

    public NamedContextSet(IReadOnlyDictionary<string, string> values, string scratchFolder)
    {
        _values = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, value) in values)
        {
            if (name.Length == 0 || value.Length == 0)
            {
                throw new ContainerizeException(BuildErrors.BadNamedContext, $"invalid build context '{name}={value}'",
                    hint: "write --build-context NAME=FOLDER, NAME=docker-image://REF or NAME=oci-layout://DIR:TAG");
            }

            if (value.Contains("://", StringComparison.Ordinal) && !value.StartsWith(DockerImagePrefix, StringComparison.Ordinal) && !IsImageLocation(value))
            {
                throw new ContainerizeException(BuildErrors.BadNamedContext, $"build context '{name}': '{value}' is not supported by this engine",
                    hint: "use a local folder, a git URL (https://HOST/REPO.git#REF:SUBDIR), docker-image://REF or an oci-layout:// / oci-archive:// / docker-archive:// location (an HTTP tarball is not downloaded)");
            }

            if (!value.Contains("://", StringComparison.Ordinal) && !Directory.Exists(value))
            {
                throw new ContainerizeException(BuildErrors.BadNamedContext, $"build context '{name}': folder '{value}' does not exist",
                    hint: "give an existing folder (relative to the current folder), or docker-image://REF");
            }

            _values[name] = value;
        }

        _scratch = scratchFolder;
    }

    private static bool IsImageLocation(string value) =>
        value.StartsWith("oci-layout://", StringComparison.Ordinal) || value.StartsWith("oci-archive://", StringComparison.Ordinal)
        || value.StartsWith("docker-archive://", StringComparison.Ordinal);

    public static NamedContextSet Empty { get; } = new(new Dictionary<string, string>(), Path.GetTempPath());

    public bool IsEmpty => _values.Count == 0;

    /// <summary>The value a FROM / --from name stands for, or null when no named context has that name.</summary>
    public string? ValueOf(string name)
    {
        if (_values.Count == 0) return null;
        if (_values.TryGetValue(name, out var value)) return value;
        if (ImageReference.TryParse(name, out var reference) && reference!.Digest is null)
        {
            var familiar = reference.WithDefaultTag().FamiliarString;
            if (familiar.EndsWith(":latest", StringComparison.Ordinal)) familiar = familiar[..^":latest".Length];
            if (_values.TryGetValue(familiar, out value)) return value;
        }

        return null;
    }

    /// <summary>BuildKit: a named context with a stage's name replaces the whole stage (its FROM and instructions).</summary>
    public bool Replaces(Dockerfiles.Stages.Stage stage) => stage.Name is { } name && ValueOf(name) is not null;

    /// <summary>The folder of a local named context, or null.</summary>
    public string? FolderOf(string name) => ValueOf(name) is { } v && !v.Contains("://", StringComparison.Ordinal) ? Path.GetFullPath(v) : null;

    /// <summary>The image a named context stands for (a reference or a location), or null for a folder or no match.</summary>
    public string? ImageOf(string name) => ValueOf(name) switch
    {
        { } v when v.StartsWith(DockerImagePrefix, StringComparison.Ordinal) => v[DockerImagePrefix.Length..],
        { } v when v.Contains("://", StringComparison.Ordinal) => v,
        _ => null,
    };

    /// <summary>The folder's snapshot: what its .dockerignore keeps, with digests for the cache key.</summary>
    public async Task<ContextSnapshot> SnapshotAsync(string name, IDiagnosticSink sink, CancellationToken cancellationToken)
    {
        var folder = FolderOf(name) ?? throw new InvalidOperationException($"'{name}' is not a local named context");
        if (_snapshots.TryGetValue(folder, out var snapshot)) return snapshot;
        var context = await BuildContext.OpenAsync(folder, null, cancellationToken).ConfigureAwait(false);
        snapshot = await ContextSnapshot.CreateAsync(context, null, sink, cancellationToken).ConfigureAwait(false);
        _snapshots[folder] = snapshot;
        return snapshot;
    }

    /// <summary>
    /// A folder a RUN bind mount can show (a named context's or the main context's: BuildKit mounts the context as
    /// sent): the folder itself when it has no .dockerignore, else a hard-linked copy of what the ignore file keeps
    /// (made once per build), so a step never sees an excluded file. Symlinks are copied as links.
    /// </summary>
    public string MountableFolder(ContextSnapshot snapshot, CancellationToken cancellationToken)
    {
        if (snapshot.Context.IgnoreFilePath is null) return snapshot.Context.Root;
        if (_mountable.TryGetValue(snapshot.Context.Root, out var existing)) return existing;

        var folder = Path.Combine(_scratch, "context-" + _mountable.Count.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Directory.CreateDirectory(folder);
        foreach (var e in snapshot.Entries)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var target = Path.Combine(folder, e.Path);
            if (e.Type != Os.EntryType.Directory) Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            switch (e.Type)
            {
                case Os.EntryType.Directory:
                    Directory.CreateDirectory(target);
                    Os.HostFileSystem.SetMode(target, (UnixFileMode)e.Permissions);
                    break;
                case Os.EntryType.Symlink:
                    File.CreateSymbolicLink(target, e.LinkTarget ?? "");
                    break;
                case Os.EntryType.File:
                    // Another file system (or none with hard links): a copy keeps the content and mode.
                    if (!Os.HostFileSystem.Current.TryHardLink(e.FullPath, target)) File.Copy(e.FullPath, target);

                    break;
            }
        }

        _mountable[snapshot.Context.Root] = folder;
        return folder;
    }

    public async Task SaveCachesAsync(CancellationToken cancellationToken)
    {
        foreach (var s in _snapshots.Values) await s.SaveCacheAsync(cancellationToken).ConfigureAwait(false);
    }
}
