using System.Formats.Tar;
using System.IO.Pipes;
using System.Security.Cryptography;
using System.Text;

namespace Containerize.Core.Handoff;

/// <summary>
/// Puts a Dockerfile that is not part of the context into the context tar, as the docker CLI does for
/// <c>-f</c> outside the context (cli/command/image/build/context.go, AddDockerfileToBuildContext): with a stream
/// as the context, the engine reads the Dockerfile from inside the stream and nowhere else.
/// </summary>
/// <remarks>
/// Docker uses a random name; ours is derived from the content so that an unchanged Dockerfile gives an unchanged
/// context and the engine's cache still hits. For the classic builder the name is also appended to .dockerignore
/// (created listing itself when absent), so that the daemon removes both before the build, as it does for the
/// docker CLI. BuildKit applies no .dockerignore to a tar context, so there the file stays visible to
/// <c>COPY . .</c>; the entry is then all we add.
/// </remarks>
public static class DockerfileInjector
{
    public static string NameFor(ReadOnlySpan<byte> dockerfile) =>
        ".dockerfile." + Convert.ToHexStringLower(SHA256.HashData(dockerfile))[..20];

    /// <summary>
    /// Copies the context tar into <paramref name="destination"/>, adding <paramref name="dockerfile"/> when given.
    /// The docker CLI decides whether stdin is a tar by parsing the first header from the first 1024 bytes; a
    /// PAX entry (an extended header, then its data, then the real header) does not fit, and the CLI then takes
    /// the whole tar for a Dockerfile. So the first entry is rewritten in the GNU format, which needs no
    /// extended header for a short name; the others pass through unchanged.
    /// </summary>
    public static async Task CopyForDockerAsync(
        Func<Stream, CancellationToken, Task> writeContext, Stream destination, byte[]? dockerfile, bool listInDockerignore, CancellationToken ct)
    {
        var name = dockerfile is null ? null : NameFor(dockerfile);
        using var server = new AnonymousPipeServerStream(PipeDirection.Out);
        using var client = new AnonymousPipeClientStream(PipeDirection.In, server.ClientSafePipeHandle);
        var produce = Task.Run(async () =>
        {
            try
            {
                await writeContext(server, ct);
            }
            finally
            {
                server.Dispose();
            }
        }, ct);

        try
        {
            await RewriteAsync(client, destination, name, dockerfile, listInDockerignore, ct);
        }
        finally
        {
            // Drain so the producer never blocks on a full pipe when the rewrite stopped early.
            try
            {
                await client.CopyToAsync(Stream.Null, ct);
            }
            catch (IOException)
            {
            }
        }

        await produce;
    }

    public static Task CopyWithDockerfileAsync(
        Func<Stream, CancellationToken, Task> writeContext, Stream destination, byte[] dockerfile, bool listInDockerignore, CancellationToken ct) =>
        CopyForDockerAsync(writeContext, destination, dockerfile, listInDockerignore, ct);

    private static async Task RewriteAsync(Stream source, Stream destination, string? name, byte[]? dockerfile, bool listInDockerignore, CancellationToken ct)
    {
        listInDockerignore &= name is not null;
        var first = true;
        // A fixed time: the same Dockerfile must give the same bytes.
        var now = DateTimeOffset.UnixEpoch;
        var sawIgnore = false;
        await using (var writer = new TarWriter(destination, TarEntryFormat.Pax, leaveOpen: true))
        {
            await using var reader = new TarReader(source, leaveOpen: true);
            // copyData: TarWriter cannot write an entry whose data is an unseekable stream into an unseekable
            // output (the client's stdin), so each file's data is buffered in memory, one entry at a time.
            while (await reader.GetNextEntryAsync(copyData: true, ct) is { } entry)
            {
                var entryName = entry.Name.StartsWith("./", StringComparison.Ordinal) ? entry.Name[2..] : entry.Name;
                if (name is not null && entryName == name) continue; // a stale copy from an earlier hand-off
                if (listInDockerignore && entryName == ".dockerignore" && entry.EntryType is TarEntryType.RegularFile or TarEntryType.V7RegularFile)
                {
                    sawIgnore = true;
                    using var buffer = new MemoryStream();
                    if (entry.DataStream is not null) await entry.DataStream.CopyToAsync(buffer, ct);
                    buffer.Write(Encoding.UTF8.GetBytes("\n" + name + "\n"));
                    await writer.WriteEntryAsync(File(entry.Name, buffer.ToArray(), entry.Mode, entry.ModificationTime), ct);
                    continue;
                }

                if (first && entry.Format is TarEntryFormat.Pax && entry.Name.Length <= 100)
                {
                    entry = new GnuTarEntry(entry);
                }

                first = false;
                await writer.WriteEntryAsync(entry, ct);
            }

            if (listInDockerignore && !sawIgnore)
            {
                await writer.WriteEntryAsync(File(".dockerignore", Encoding.UTF8.GetBytes(".dockerignore\n" + name + "\n"), UnixFileMode.UserRead | UnixFileMode.UserWrite, now), ct);
            }

            if (name is not null) await writer.WriteEntryAsync(File(name, dockerfile!, UnixFileMode.UserRead | UnixFileMode.UserWrite, now), ct);
        }
    }

    private static PaxTarEntry File(string name, byte[] content, UnixFileMode mode, DateTimeOffset mtime) => new(TarEntryType.RegularFile, name)
    {
        DataStream = new MemoryStream(content),
        Mode = mode,
        ModificationTime = mtime,
        Uid = 0,
        Gid = 0,
    };
}
