using Containerize.Core.Images.Layers;
using Containerize.Core.Images.Oci;

namespace Containerize.Tests.Images.Layers;

/// <summary>
/// A minimal OCI image layout written by hand (oci-layout, index.json, blobs/sha256) so umoci and skopeo can read
/// our layers. The store's layout writer is the real one; this only serves the layer tests.
/// </summary>
internal static class OciLayoutForTests
{
    public static async Task WriteAsync(string layoutDir, string tag, IReadOnlyList<(LayerResult Layer, byte[] Blob)> layers)
    {
        var blobs = Path.Combine(layoutDir, "blobs", "sha256");
        Directory.CreateDirectory(blobs);
        await File.WriteAllBytesAsync(Path.Combine(layoutDir, "oci-layout"), OciJson.Serialize(new ImageLayoutHeader()));
        foreach (var (layer, blob) in layers) await File.WriteAllBytesAsync(Path.Combine(blobs, layer.Blob.Digest.Encoded), blob);

        var config = OciJson.Serialize(new ImageConfiguration
        {
            Architecture = "amd64",
            Os = "linux",
            RootFs = new RootFs { Type = "layers", DiffIds = [.. layers.Select(l => l.Layer.DiffId)] },
        });
        var configDescriptor = await PutAsync(blobs, config, MediaTypes.OciConfig);
        var manifest = OciJson.Serialize(new ImageManifest { Config = configDescriptor, Layers = [.. layers.Select(l => l.Layer.Blob)] });
        var manifestDescriptor = await PutAsync(blobs, manifest, MediaTypes.OciManifest) with
        {
            Annotations = new Dictionary<string, string> { [AnnotationKeys.RefName] = tag },
        };
        await File.WriteAllBytesAsync(Path.Combine(layoutDir, "index.json"), OciJson.Serialize(new ImageIndex { Manifests = [manifestDescriptor] }));
    }

    private static async Task<Descriptor> PutAsync(string blobs, byte[] content, string mediaType)
    {
        var digest = Digest.Sha256(content);
        await File.WriteAllBytesAsync(Path.Combine(blobs, digest.Encoded), content);
        return new Descriptor { MediaType = mediaType, Digest = digest, Size = content.Length };
    }
}
