using System.Formats.Tar;
using System.IO.Compression;
using Containerize.Core.Images.Oci;
using Containerize.Core.Images.Store;

namespace Containerize.Tests.Images.Store;

/// <summary>One entry of a hand-made layer: a file, directory or symlink with its mode and owner.</summary>
public sealed record LayerFile(string Path, string? Content = null, UnixFileMode Mode = (UnixFileMode)0b110_100_100, int Uid = 0, int Gid = 0, string? LinkTarget = null, bool Directory = false);

/// <summary>Builds small, fully known images straight into a store, independent of the code under test's writers.</summary>
public static class TestImages
{
    public static byte[] Tar(IEnumerable<LayerFile> files)
    {
        using var buffer = new MemoryStream();
        using (var writer = new TarWriter(buffer, TarEntryFormat.Pax, leaveOpen: true))
        {
            foreach (var f in files)
            {
                var type = f.Directory ? TarEntryType.Directory : f.LinkTarget is not null ? TarEntryType.SymbolicLink : TarEntryType.RegularFile;
                var entry = new PaxTarEntry(type, f.Directory ? f.Path.TrimEnd('/') + "/" : f.Path, new Dictionary<string, string> { ["mtime"] = "1000000000" })
                {
                    Mode = f.Mode,
                    Uid = f.Uid,
                    Gid = f.Gid,
                    ModificationTime = DateTimeOffset.FromUnixTimeSeconds(1_000_000_000),
                };
                if (f.LinkTarget is not null) entry.LinkName = f.LinkTarget;
                if (f.Content is not null) entry.DataStream = new MemoryStream(System.Text.Encoding.UTF8.GetBytes(f.Content));
                writer.WriteEntry(entry);
            }
        }

        return buffer.ToArray();
    }

    public static byte[] Compress(byte[] tar, LayerCompression compression)
    {
        switch (compression)
        {
            case LayerCompression.None:
                return tar;
            case LayerCompression.Gzip:
            {
                using var output = new MemoryStream();
                using (var gz = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true)) gz.Write(tar);
                return output.ToArray();
            }

            default:
            {
                using var compressor = new ZstdSharp.Compressor(3);
                return compressor.Wrap(tar).ToArray();
            }
        }
    }

    public static readonly LayerFile[] SampleFiles =
    [
        new("etc/", Directory: true, Mode: (UnixFileMode)0b111_101_101),
        new("etc/hostname", "sample\n"),
        new("app/", Directory: true, Mode: (UnixFileMode)0b111_101_101, Uid: 1654, Gid: 1654),
        new("app/run.sh", "#!/bin/sh\necho hi\n", Mode: (UnixFileMode)0b111_101_101, Uid: 1654, Gid: 1654),
        new("app/secret.txt", "s3cret", Mode: (UnixFileMode)0b110_000_000, Uid: 1654, Gid: 1654),
        new("app/current", LinkTarget: "run.sh"),
        new("tmp/", Directory: true, Mode: (UnixFileMode)0b1_111_111_111),
    ];

    /// <summary>Stores a one- or more-layer image and returns its manifest descriptor.</summary>
    public static async Task<Descriptor> PutImageAsync(
        IContentStore store, LayerCompression compression = LayerCompression.Gzip, IReadOnlyList<LayerFile[]>? layers = null,
        IReadOnlyDictionary<string, string>? labels = null, string[]? env = null)
    {
        layers ??= [SampleFiles];
        var layerDescriptors = new List<Descriptor>();
        var diffIds = new List<Digest>();
        foreach (var files in layers)
        {
            var tar = Tar(files);
            diffIds.Add(Digest.Sha256(tar));
            layerDescriptors.Add(await store.PutBlobAsync(Compress(tar, compression), MediaTypes.LayerFor(compression, docker: false)));
        }

        var config = new ImageConfiguration
        {
            Architecture = "amd64",
            Os = "linux",
            Created = DateTimeOffset.FromUnixTimeSeconds(1_000_000_000),
            Config = new ContainerConfig { Env = env ?? ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"], Cmd = ["/app/run.sh"], Labels = labels },
            RootFs = new RootFs { DiffIds = diffIds },
        };
        var configDescriptor = await store.PutBlobAsync(OciJson.Serialize(config), MediaTypes.OciConfig);
        var manifest = new ImageManifest { Config = configDescriptor, Layers = layerDescriptors };
        var stored = await store.PutBlobAsync(OciJson.Serialize(manifest), MediaTypes.OciManifest);
        return stored with { Platform = Platform.LinuxAmd64 };
    }

    /// <summary>Files under the store's blobs/ that do not hash to their name, plus any stray temp files there.</summary>
    public static IReadOnlyList<string> BadBlobFiles(string storeRoot)
    {
        var bad = new List<string>();
        foreach (var file in Directory.EnumerateFiles(Path.Combine(storeRoot, "blobs"), "*", SearchOption.AllDirectories))
        {
            var name = Path.GetFileName(file);
            var actual = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(file)));
            if (actual != name) bad.Add(file);
        }

        return bad;
    }
}
