using System.Formats.Tar;

namespace Containerize.Core.Images.Transfer;

/// <summary>
/// Writes the archives Containerize exports so that the same image always gives the same bytes: ustar headers,
/// mtime at the epoch, owner 0:0, fixed modes, entries in a fixed order chosen by the caller.
/// </summary>
internal sealed class ReproducibleTar(Stream output) : IAsyncDisposable
{
    private readonly TarWriter _writer = new(output, TarEntryFormat.Ustar, leaveOpen: true);
    private readonly HashSet<string> _directories = new(StringComparer.Ordinal);

    public async Task AddDirectoryAsync(string name, CancellationToken cancellationToken)
    {
        if (!_directories.Add(name)) return;
        var entry = new UstarTarEntry(TarEntryType.Directory, name.TrimEnd('/') + "/");
        Stamp(entry, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        await _writer.WriteEntryAsync(entry, cancellationToken).ConfigureAwait(false);
    }

    public Task AddFileAsync(string name, byte[] content, CancellationToken cancellationToken) =>
        AddFileAsync(name, new MemoryStream(content, writable: false), cancellationToken);

    /// <summary>Adds a file; <paramref name="content"/> must be seekable (its length goes into the header first).</summary>
    public async Task AddFileAsync(string name, Stream content, CancellationToken cancellationToken)
    {
        var entry = new UstarTarEntry(TarEntryType.RegularFile, name) { DataStream = content };
        Stamp(entry, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        await _writer.WriteEntryAsync(entry, cancellationToken).ConfigureAwait(false);
    }

    private static void Stamp(UstarTarEntry entry, UnixFileMode mode)
    {
        entry.ModificationTime = DateTimeOffset.UnixEpoch;
        entry.Mode = mode;
        entry.Uid = 0;
        entry.Gid = 0;
        entry.UserName = "";
        entry.GroupName = "";
    }

    public async ValueTask DisposeAsync() => await _writer.DisposeAsync().ConfigureAwait(false);
}
