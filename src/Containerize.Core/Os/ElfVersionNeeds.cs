using System.Buffers.Binary;
using System.Text;
using Microsoft.Win32.SafeHandles;

namespace Containerize.Core.Os;

/// <summary>One symbol version an ELF executable needs from a shared library, e.g. libc.so.6 GLIBC_2.27.</summary>
public sealed record ElfVersionNeed(string File, string Version);

/// <summary>
/// The symbol versions an ELF executable needs (its <c>.gnu.version_r</c> section, what <c>readelf -V</c> lists): the
/// dynamic loader refuses to start a program that needs a version its C library lacks, so comparing the highest
/// <c>GLIBC_</c> version with the machine's glibc says beforehand whether the package's native publish host can
/// start here. Only 64-bit little-endian ELF files are read (the hosts we ship); anything else gives null.
/// </summary>
public sealed record ElfVersionNeeds(IReadOnlyList<ElfVersionNeed> Needs)
{
    private const uint ShtGnuVerneed = 0x6ffffffe;
    private const int MaxSectionBytes = 1 << 20;

    /// <summary>The highest GLIBC_x.y version needed, or null when the file needs none (a static or musl binary).</summary>
    public Version? HighestGlibc => Needs
        .Select(n => n.Version.StartsWith("GLIBC_", StringComparison.Ordinal) && Version.TryParse(n.Version["GLIBC_".Length..], out var v) ? v : null)
        .Where(v => v is not null)
        .Max();

    /// <summary>
    /// The needs of the ELF file at <paramref name="path"/>, or null when it is not a 64-bit little-endian ELF file.
    /// Synchronous on purpose: a few kilobytes from the file's header and two small sections, read once before a
    /// process start, where the start itself costs far more.
    /// </summary>
    public static ElfVersionNeeds? Read(string path)
    {
        using var file = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        var length = RandomAccess.GetLength(file);
        var header = new byte[64];
        if (length < header.Length || RandomAccess.Read(file, header, 0) < header.Length) return null;
        if (header[0] != 0x7f || header[1] != 'E' || header[2] != 'L' || header[3] != 'F' || header[4] != 2 || header[5] != 1) return null;
        var sectionOffset = BinaryPrimitives.ReadInt64LittleEndian(header.AsSpan(0x28));
        var sectionSize = BinaryPrimitives.ReadUInt16LittleEndian(header.AsSpan(0x3a));
        var sectionCount = BinaryPrimitives.ReadUInt16LittleEndian(header.AsSpan(0x3c));
        if (sectionSize < 64 || sectionOffset <= 0 || sectionOffset + (long)sectionSize * sectionCount > length) return null;
        var sections = new byte[sectionSize * sectionCount];
        RandomAccess.Read(file, sections, sectionOffset);

        var needs = new List<ElfVersionNeed>();
        for (var i = 0; i < sectionCount; i++)
        {
            var section = sections.AsSpan(i * sectionSize, sectionSize);
            if (BinaryPrimitives.ReadUInt32LittleEndian(section[4..]) != ShtGnuVerneed) continue;
            var verneed = ReadSection(file, length, section);
            var link = BinaryPrimitives.ReadUInt32LittleEndian(section[40..]);
            if (verneed is null || link >= sectionCount) return null;
            var strings = ReadSection(file, length, sections.AsSpan((int)link * sectionSize, sectionSize));
            if (strings is null) return null;
            var entries = BinaryPrimitives.ReadUInt32LittleEndian(section[44..]);
            if (!Parse(verneed, strings, entries, needs)) return null;
        }

        return new ElfVersionNeeds(needs);
    }

    private static byte[]? ReadSection(SafeFileHandle file, long length, ReadOnlySpan<byte> header)
    {
        var offset = BinaryPrimitives.ReadInt64LittleEndian(header[24..]);
        var size = BinaryPrimitives.ReadInt64LittleEndian(header[32..]);
        if (offset < 0 || size < 0 || size > MaxSectionBytes || offset + size > length) return null;
        var bytes = new byte[size];
        return RandomAccess.Read(file, bytes, offset) == size ? bytes : null;
    }

    /// <summary>Elf64_Verneed entries (version, count, file, aux, next) each with Elf64_Vernaux entries (hash, flags, other, name, next).</summary>
    private static bool Parse(byte[] verneed, byte[] strings, uint entries, List<ElfVersionNeed> needs)
    {
        var at = 0;
        for (var e = 0; e < entries; e++)
        {
            if (at < 0 || at + 16 > verneed.Length) return false;
            var count = BinaryPrimitives.ReadUInt16LittleEndian(verneed.AsSpan(at + 2));
            var file = Name(strings, BinaryPrimitives.ReadUInt32LittleEndian(verneed.AsSpan(at + 4)));
            var aux = at + (int)BinaryPrimitives.ReadUInt32LittleEndian(verneed.AsSpan(at + 8));
            for (var a = 0; a < count; a++)
            {
                if (aux < 0 || aux + 16 > verneed.Length || file is null) return false;
                var version = Name(strings, BinaryPrimitives.ReadUInt32LittleEndian(verneed.AsSpan(aux + 8)));
                if (version is null) return false;
                needs.Add(new ElfVersionNeed(file, version));
                aux += (int)BinaryPrimitives.ReadUInt32LittleEndian(verneed.AsSpan(aux + 12));
            }

            var next = (int)BinaryPrimitives.ReadUInt32LittleEndian(verneed.AsSpan(at + 12));
            if (next == 0) break;
            at += next;
        }

        return true;
    }

    private static string? Name(byte[] strings, uint offset)
    {
        if (offset >= strings.Length) return null;
        var end = Array.IndexOf(strings, (byte)0, (int)offset);
        return end < 0 ? null : Encoding.UTF8.GetString(strings, (int)offset, end - (int)offset);
    }
}
