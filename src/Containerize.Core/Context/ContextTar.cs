using System.Formats.Tar;
using Containerize.Core.Os;
using Containerize.Core.Diagnostics;

namespace Containerize.Core.Context;

/// <summary>How the context tar is written. <see cref="ClampTime"/>: no entry is newer (SOURCE_DATE_EPOCH).</summary>
public sealed record ContextTarOptions(DateTimeOffset? ClampTime = null)
{
    public static ContextTarOptions FromEnvironment() =>
        long.TryParse(Environment.GetEnvironmentVariable("SOURCE_DATE_EPOCH"), out var s)
            ? new ContextTarOptions(DateTimeOffset.FromUnixTimeSeconds(s))
            : new ContextTarOptions();
}

/// <summary>
/// The context as a tar stream, as the docker client sends it: entries in walk order, folders with a trailing
/// '/', owner 0:0 with no names, times in whole seconds, symlinks as links. The same tree gives the same bytes.
/// Hard links are written as separate files.
/// </summary>
public static class ContextTar
{
    public static async Task WriteAsync(BuildContext context, Stream output, ContextTarOptions options, IDiagnosticSink? sink, CancellationToken cancellationToken)
    {
        var snapshot = await ContextSnapshot.CreateAsync(context, DigestCache.InMemory(), sink, cancellationToken).ConfigureAwait(false);
        var writer = new TarWriter(output, TarEntryFormat.Pax, leaveOpen: true);
        await using (writer.ConfigureAwait(false))
        {
            foreach (var e in snapshot.Entries)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var name = e.Type == EntryType.Directory ? e.Path + "/" : e.Path;
                var type = e.Type switch
                {
                    EntryType.Directory => TarEntryType.Directory,
                    EntryType.Symlink => TarEntryType.SymbolicLink,
                    _ => TarEntryType.RegularFile,
                };
                TarEntry entry = IsPlainUstar(name) && (e.LinkTarget is null || IsPlainUstar(e.LinkTarget))
                    ? new UstarTarEntry(type, name)
                    : new PaxTarEntry(type, name);
                var mtime = DateTimeOffset.FromUnixTimeSeconds(e.MTimeNanoseconds / 1_000_000_000);
                if (options.ClampTime is { } clamp && mtime > clamp) mtime = clamp;
                if (mtime < DateTimeOffset.UnixEpoch) mtime = DateTimeOffset.UnixEpoch;
                entry.ModificationTime = mtime;
                entry.Mode = (UnixFileMode)e.Permissions;
                entry.Uid = 0;
                entry.Gid = 0;
                if (e.Type == EntryType.Symlink) entry.LinkName = e.LinkTarget!;
                FileStream? data = null;
                if (e.Type == EntryType.File)
                {
                    try
                    {
                        data = new FileStream(e.FullPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1 << 16, FileOptions.Asynchronous);
                    }
                    catch (Exception ex) when (ex is UnauthorizedAccessException or IOException)
                    {
                        throw new ContainerizeException(ContextErrors.Unreadable, $"cannot read the file: {ex.Message}", e.Path, null,
                            "make it readable, or exclude it in .dockerignore", ex);
                    }

                    if (data.Length != e.Size)
                    {
                        await data.DisposeAsync().ConfigureAwait(false);
                        throw new ContainerizeException(ContextErrors.FileChanged, "the file changed while the context was written", e.Path, null,
                            "do not modify the context during a build");
                    }

                    entry.DataStream = data;
                }

                try
                {
                    await writer.WriteEntryAsync(entry, cancellationToken).ConfigureAwait(false);
                }
                finally
                {
                    if (data is not null) await data.DisposeAsync().ConfigureAwait(false);
                }
            }
        }
    }

    // USTAR holds 100 ASCII bytes of name without a PAX header; anything else takes one.
    private static bool IsPlainUstar(string s) => s.Length <= 100 && s.All(c => c is > (char)31 and < (char)127);
}
