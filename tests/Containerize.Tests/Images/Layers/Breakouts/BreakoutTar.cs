using System.Formats.Tar;
using System.Text;

namespace Containerize.Tests.Images.Layers.Breakouts;

/// <summary>
/// Encodes case entries as an uncompressed layer, names and targets byte for byte as given: the point is input a
/// well-behaved writer would never produce ('..', '', '.wh...', absolute host paths).
/// </summary>
internal static class BreakoutTar
{
    private const int Block = 512;

    /// <summary>The time of every entry: fixed, so that a layer is the same bytes on every run.</summary>
    private static readonly DateTimeOffset Time = DateTimeOffset.FromUnixTimeSeconds(1_700_000_000);

    public static byte[] Build(IEnumerable<BreakoutEntry> entries, Func<string, string> expand)
    {
        using var output = new MemoryStream();
        foreach (var entry in entries) output.Write(Encode(entry, expand));
        output.Write(new byte[2 * Block]);
        return output.ToArray();
    }

    /// <summary>
    /// One entry alone, without the end-of-archive blocks. Each entry is encoded by itself so that one .NET refuses
    /// to write (an empty name) can be written under a stand-in name and patched.
    /// </summary>
    private static byte[] Encode(BreakoutEntry e, Func<string, string> expand)
    {
        var (type, data) = e.Type switch
        {
            "file" => (TarEntryType.RegularFile, e.Content),
            "whiteout" => (TarEntryType.RegularFile, []),
            "dir" => (TarEntryType.Directory, []),
            "symlink" => (TarEntryType.SymbolicLink, []),
            "hardlink" => (TarEntryType.HardLink, []),
            _ => throw new InvalidDataException($"unknown entry type '{e.Type}'"),
        };

        // Go's tar.FileInfoHeader, which containerd's tartest uses, appends '/' to every folder name.
        var name = expand(e.Name) + (type == TarEntryType.Directory ? "/" : "");
        var empty = name.Length == 0;
        TarEntry entry = empty ? new UstarTarEntry(type, "_") : new PaxTarEntry(type, name);
        entry.Mode = e.Permissions;
        entry.ModificationTime = Time;
        if (e.Target is { } target) entry.LinkName = expand(target);
        if (data.Length > 0) entry.DataStream = new MemoryStream(data);

        using var scratch = new MemoryStream();
        using (var writer = new TarWriter(scratch, entry.Format, leaveOpen: true)) writer.WriteEntry(entry);
        var bytes = scratch.ToArray()[..^(2 * Block)];
        if (empty) ClearName(bytes);
        return bytes;
    }

    /// <summary>Empties a ustar header's name field and recomputes its checksum.</summary>
    private static void ClearName(byte[] header)
    {
        Array.Clear(header, 0, 100);
        header.AsSpan(148, 8).Fill((byte)' ');
        var sum = 0;
        for (var i = 0; i < Block; i++) sum += header[i];
        Encoding.ASCII.GetBytes(Convert.ToString(sum, 8).PadLeft(6, '0') + "\0 ").CopyTo(header, 148);
    }
}
