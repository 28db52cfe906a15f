using System.Formats.Tar;
using Containerize.Core.Images.Layers;
using Containerize.Core.Images.Oci;

namespace Containerize.Tests.Images.Layers;

internal static class LayerTestSupport
{
    public static async Task<(LayerResult Result, byte[] Blob)> WriteAsync(IEnumerable<LayerEntry> entries, LayerWriterOptions? options = null)
    {
        using var output = new MemoryStream();
        var result = await LayerWriter.WriteAsync(entries, output, options);
        return (result, output.ToArray());
    }

    public static async Task<LayerResult> WriteFileAsync(IEnumerable<LayerEntry> entries, string path, LayerWriterOptions? options = null)
    {
        await using var output = File.Create(path);
        return await LayerWriter.WriteAsync(entries, output, options);
    }

    public static async Task<IReadOnlyList<LayerEntryInfo>> ListAsync(byte[] blob)
    {
        using var input = new MemoryStream(blob);
        return (await LayerReader.ListAsync(input)).Entries;
    }

    /// <summary>A raw tar made with System.Formats.Tar, for input our writer would refuse to produce.</summary>
    public static byte[] RawTar(params TarEntry[] entries)
    {
        using var output = new MemoryStream();
        using (var writer = new TarWriter(output, TarEntryFormat.Pax, leaveOpen: true))
        {
            foreach (var e in entries) writer.WriteEntry(e);
        }

        return output.ToArray();
    }

    public static PaxTarEntry RawFile(string name, string content)
    {
        return new PaxTarEntry(TarEntryType.RegularFile, name) { DataStream = new MemoryStream(System.Text.Encoding.UTF8.GetBytes(content)) };
    }

    public static PaxTarEntry RawLink(TarEntryType type, string name, string target) => new(type, name) { LinkName = target };

    public static PaxTarEntry RawDir(string name) => new(TarEntryType.Directory, name);

    public static async Task ApplyAsync(string root, byte[] blob, Digest? expectedDiffId = null)
    {
        using var input = new MemoryStream(blob);
        await LayerApplier.ApplyAsync(root, input, expectedDiffId: expectedDiffId);
    }

    /// <summary>Every path under a folder (lstat view), sorted, with a type letter: "d a", "f a/b", "l c".</summary>
    public static List<string> Tree(string root)
    {
        var result = new List<string>();
        foreach (var p in Directory.EnumerateFileSystemEntries(root, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 }))
        {
            var info = new FileInfo(p);
            var rel = Path.GetRelativePath(root, p);
            var kind = info.LinkTarget is not null ? "l" : Directory.Exists(p) ? "d" : "f";
            result.Add($"{kind} {rel}");
        }

        result.Sort(StringComparer.Ordinal);
        return result;
    }
}
