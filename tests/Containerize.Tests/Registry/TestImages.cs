using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;
using Containerize.Core.Images.Oci;
using Containerize.Core.Images.Store;

namespace Containerize.Tests.Registry;

/// <summary>Small real images written into a store: gzip layers made with System.Formats.Tar, an OCI config and manifest.</summary>
internal static class TestImages
{
    public sealed record Built(Descriptor Manifest, ImageManifest Document, IReadOnlyList<Descriptor> Layers, Descriptor Config);

    /// <summary>
    /// An image of <paramref name="layerSizes"/> random-content layers (incompressible, so a layer's size is about
    /// its content), tagged in the store as <paramref name="tag"/>.
    /// </summary>
    public static async Task<Built> BuildAsync(IContentStore store, string tag, int[] layerSizes, int seed = 1, string architecture = "amd64", string? variant = null,
        IReadOnlyDictionary<string, string>? annotations = null)
    {
        var random = new Random(seed);
        var layers = new List<Descriptor>();
        var diffIds = new List<Digest>();
        for (var i = 0; i < layerSizes.Length; i++)
        {
            var content = new byte[layerSizes[i]];
            random.NextBytes(content);
            var tar = new MemoryStream();
            await using (var writer = new TarWriter(tar, TarEntryFormat.Pax, leaveOpen: true))
            {
                var entry = new PaxTarEntry(TarEntryType.RegularFile, $"layer{i}/data.bin")
                {
                    DataStream = new MemoryStream(content),
                    ModificationTime = DateTimeOffset.UnixEpoch,
                    Mode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead,
                };
                await writer.WriteEntryAsync(entry);
            }

            diffIds.Add(Digest.Sha256(tar.ToArray()));
            var gz = new MemoryStream();
            await using (var gzip = new GZipStream(gz, CompressionLevel.Fastest, leaveOpen: true))
            {
                tar.Position = 0;
                await tar.CopyToAsync(gzip);
            }

            layers.Add(await store.PutBlobAsync(gz.ToArray(), MediaTypes.OciLayerGzip));
        }

        var config = new ImageConfiguration
        {
            Architecture = architecture,
            Os = "linux",
            Variant = variant,
            Created = DateTimeOffset.UnixEpoch,
            Config = new ContainerConfig { Cmd = ["/bin/sh"], Env = [$"SEED={seed}"] },
            RootFs = new RootFs { DiffIds = diffIds },
        };
        var configDescriptor = await store.PutBlobAsync(OciJson.Serialize(config), MediaTypes.OciConfig);
        var manifest = new ImageManifest { Config = configDescriptor, Layers = layers, Annotations = annotations };
        var manifestDescriptor = await store.PutBlobAsync(OciJson.Serialize(manifest), MediaTypes.OciManifest);
        await store.TagAsync(ImageReference.Parse(tag), manifestDescriptor);
        return new Built(manifestDescriptor, manifest, layers, configDescriptor);
    }

    /// <summary>An index of images for two platforms, tagged as <paramref name="tag"/>.</summary>
    public static async Task<(Descriptor Index, Built Amd64, Built Arm64)> BuildIndexAsync(IContentStore store, string tag)
    {
        var amd = await BuildAsync(store, tag + "-amd64", [2048], seed: 11);
        var arm = await BuildAsync(store, tag + "-arm64", [3072], seed: 12, architecture: "arm64", variant: "v8");
        var index = new ImageIndex
        {
            Manifests =
            [
                amd.Manifest with { Platform = new Platform { Os = "linux", Architecture = "amd64" } },
                arm.Manifest with { Platform = new Platform { Os = "linux", Architecture = "arm64", Variant = "v8" } },
            ],
        };
        var descriptor = await store.PutBlobAsync(OciJson.Serialize(index), MediaTypes.OciIndex);
        await store.TagAsync(ImageReference.Parse(tag), descriptor);
        return (descriptor, amd, arm);
    }

    public static string RandomHex(int bytes) => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(bytes));
}
