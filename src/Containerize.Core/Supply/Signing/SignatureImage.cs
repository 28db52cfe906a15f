using System.Text;
using Containerize.Core.Images.Oci;

namespace Containerize.Core.Supply.Signing;

/// <summary>
/// The signature image cosign writes: an OCI manifest whose layers are the signatures (payload blobs with the
/// signature annotation) and whose config is the one go-containerregistry computes when layers are appended to its
/// empty image: no platform, the zero time, one empty history entry and one diff ID (the blob's own digest, as a
/// payload is not compressed) per layer.
/// </summary>
internal static class SignatureImage
{
    /// <summary>The config blob of a signature image with these layers, byte for byte as cosign writes it.</summary>
    public static byte[] Config(IReadOnlyList<Descriptor> layers)
    {
        const string ZeroTime = "0001-01-01T00:00:00Z";
        var text = new StringBuilder("{\"architecture\":\"\",\"created\":\"").Append(ZeroTime).Append('"');
        if (layers.Count > 0)
        {
            text.Append(",\"history\":[")
                .AppendJoin(',', layers.Select(_ => "{\"created\":\"" + ZeroTime + "\"}"))
                .Append(']');
        }

        text.Append(",\"os\":\"\",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[")
            .AppendJoin(',', layers.Select(l => "\"" + l.Digest + "\""))
            .Append("]},\"config\":{}}");
        return Encoding.UTF8.GetBytes(text.ToString());
    }

    /// <summary>The manifest of a signature image with these layers and the config <see cref="Config"/> gives for them.</summary>
    public static (byte[] Manifest, byte[] Config, Descriptor ConfigDescriptor) Build(IReadOnlyList<Descriptor> layers)
    {
        var config = Config(layers);
        var configDescriptor = new Descriptor { MediaType = MediaTypes.OciConfig, Digest = Digest.Sha256(config), Size = config.Length };
        var manifest = new ImageManifest { MediaType = MediaTypes.OciManifest, Config = configDescriptor, Layers = layers };
        return (OciJson.Serialize(manifest), config, configDescriptor);
    }

    /// <summary>The layer of one signature: the payload blob, annotated with the base64 DER signature.</summary>
    public static Descriptor Layer(byte[] payload, byte[] signature) => new()
    {
        MediaType = CosignFormat.SimpleSigningMediaType,
        Digest = Digest.Sha256(payload),
        Size = payload.Length,
        Annotations = new Dictionary<string, string>(StringComparer.Ordinal) { [CosignFormat.SignatureAnnotation] = Convert.ToBase64String(signature) },
    };
}
