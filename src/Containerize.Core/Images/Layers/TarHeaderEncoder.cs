using System.Text;

namespace Containerize.Core.Images.Layers;

/// <summary>The fields of one tar header, before encoding.</summary>
internal readonly record struct TarHeader(string Name, byte TypeFlag, int Mode, long Uid, long Gid, long Size, string? LinkName, long ModTime, int DevMajor, int DevMinor);

/// <summary>
/// Encodes tar headers the way Go's archive/tar (Docker, BuildKit, containerd) does: a USTAR header, splitting a long
/// name into prefix and name, and a PAX extended header only for what USTAR cannot hold (non-ASCII or over-long
/// names, sizes of 8 GiB and more, large ids). The PAX header is named <c>dir/PaxHeaders.0/name</c>: System.Formats.Tar
/// puts the process id there, which would make every layer's digest differ, so the encoder is our own.
/// No atime, ctime, uname or gname is ever written.
/// </summary>
internal static class TarHeaderEncoder
{
    public const int BlockSize = 512;
    public const byte TypeRegular = (byte)'0';
    public const byte TypeHardlink = (byte)'1';
    public const byte TypeSymlink = (byte)'2';
    public const byte TypeChar = (byte)'3';
    public const byte TypeBlock = (byte)'4';
    public const byte TypeDirectory = (byte)'5';
    public const byte TypeFifo = (byte)'6';
    public const byte TypePaxHeader = (byte)'x';

    private const long MaxOctal11 = 0x1_FFFF_FFFF; // 077777777777
    private const long MaxOctal7 = 0x1F_FFFF; // 07777777

    /// <summary>Appends the header block(s), PAX extension first when needed, to <paramref name="output"/>.</summary>
    public static void Encode(TarHeader header, List<byte> output)
    {
        SortedDictionary<string, string>? pax = null;
        string name;
        var prefix = "";
        if (IsAscii(header.Name) && Encoding.ASCII.GetByteCount(header.Name) <= 100)
        {
            name = header.Name;
        }
        else if (TrySplitUstar(header.Name, out var p, out var n))
        {
            prefix = p;
            name = n;
        }
        else
        {
            (pax ??= new(StringComparer.Ordinal))["path"] = header.Name;
            name = header.Name;
        }

        if (header.LinkName is { } link && (!IsAscii(link) || link.Length > 100))
        {
            (pax ??= new(StringComparer.Ordinal))["linkpath"] = link;
        }

        if (header.Size > MaxOctal11) (pax ??= new(StringComparer.Ordinal))["size"] = header.Size.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (header.Uid > MaxOctal7) (pax ??= new(StringComparer.Ordinal))["uid"] = header.Uid.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (header.Gid > MaxOctal7) (pax ??= new(StringComparer.Ordinal))["gid"] = header.Gid.ToString(System.Globalization.CultureInfo.InvariantCulture);

        if (pax is not null)
        {
            var records = PaxRecords(pax);
            var paxName = PaxHeaderName(header.Name);
            AppendBlock(new TarHeader(paxName, TypePaxHeader, 0b110_100_100, 0, 0, records.Length, null, header.ModTime, 0, 0), paxName, "", output);
            output.AddRange(records);
            Pad(records.Length, output);
        }

        AppendBlock(header, name, prefix, output);
    }

    public static void Pad(long length, List<byte> output)
    {
        var rest = (int)(length % BlockSize);
        if (rest != 0) output.AddRange(new byte[BlockSize - rest]);
    }

    public static int PaddingOf(long length) => (int)((BlockSize - (length % BlockSize)) % BlockSize);

    private static void AppendBlock(TarHeader h, string name, string prefix, List<byte> output)
    {
        Span<byte> block = stackalloc byte[BlockSize];
        block.Clear();
        WriteText(block.Slice(0, 100), name);
        WriteOctal(block.Slice(100, 8), h.Mode);
        WriteOctal(block.Slice(108, 8), h.Uid > MaxOctal7 ? 0 : h.Uid);
        WriteOctal(block.Slice(116, 8), h.Gid > MaxOctal7 ? 0 : h.Gid);
        WriteOctal(block.Slice(124, 12), h.Size > MaxOctal11 ? 0 : h.Size);
        WriteOctal(block.Slice(136, 12), h.ModTime);
        block[156] = h.TypeFlag;
        if (h.LinkName is not null) WriteText(block.Slice(157, 100), h.LinkName);
        "ustar\0"u8.CopyTo(block.Slice(257, 6));
        "00"u8.CopyTo(block.Slice(263, 2));
        WriteOctal(block.Slice(329, 8), h.DevMajor);
        WriteOctal(block.Slice(337, 8), h.DevMinor);
        WriteText(block.Slice(345, 155), prefix);

        // The checksum is computed with its own field read as spaces, and written as six digits, NUL, space.
        block.Slice(148, 8).Fill((byte)' ');
        var sum = 0;
        foreach (var b in block) sum += b;
        WriteOctal(block.Slice(148, 7), sum);
        output.AddRange(block);
    }

    /// <summary>USTAR's prefix/name split at a '/', as Go's splitUSTARPath: prefix at most 155 bytes, name at most 100.</summary>
    private static bool TrySplitUstar(string path, out string prefix, out string name)
    {
        prefix = name = "";
        if (!IsAscii(path)) return false;
        var length = path.Length;
        if (length > 156) length = 156;
        else if (path[length - 1] == '/') length--;
        var i = path.LastIndexOf('/', length - 1);
        var nameLength = path.Length - i - 1;
        if (i <= 0 || nameLength > 100 || nameLength == 0 || i > 155) return false;
        prefix = path[..i];
        name = path[(i + 1)..];
        return true;
    }

    private static string PaxHeaderName(string name)
    {
        var trimmed = name.TrimEnd('/');
        var slash = trimmed.LastIndexOf('/');
        var paxName = slash < 0 ? "PaxHeaders.0/" + trimmed : trimmed[..slash] + "/PaxHeaders.0/" + trimmed[(slash + 1)..];
        return paxName;
    }

    private static byte[] PaxRecords(SortedDictionary<string, string> records)
    {
        var text = new StringBuilder();
        foreach (var (key, value) in records)
        {
            // "%d %s=%s\n", where the length counts its own digits.
            var body = Encoding.UTF8.GetByteCount(key) + Encoding.UTF8.GetByteCount(value) + 3;
            var length = body + 1;
            while (length != body + length.ToString(System.Globalization.CultureInfo.InvariantCulture).Length) length = body + length.ToString(System.Globalization.CultureInfo.InvariantCulture).Length;
            text.Append(length.ToString(System.Globalization.CultureInfo.InvariantCulture)).Append(' ').Append(key).Append('=').Append(value).Append('\n');
        }

        return Encoding.UTF8.GetBytes(text.ToString());
    }

    /// <summary>ASCII text, NUL-padded; non-ASCII characters are dropped (the PAX record carries the real name).</summary>
    private static void WriteText(Span<byte> field, string text)
    {
        var at = 0;
        foreach (var c in text)
        {
            if (at == field.Length) break;
            if (c < 0x80) field[at++] = (byte)c;
        }
    }

    private static void WriteOctal(Span<byte> field, long value)
    {
        var digits = field.Length - 1;
        for (var i = digits - 1; i >= 0; i--)
        {
            field[i] = (byte)('0' + (value & 7));
            value >>= 3;
        }

        field[digits] = 0;
    }

    private static bool IsAscii(string text)
    {
        foreach (var c in text)
        {
            if (c >= 0x80 || c == 0) return false;
        }

        return true;
    }
}
