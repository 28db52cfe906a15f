using System.Formats.Tar;
using System.Security.Cryptography;
using System.Text.Json.Nodes;

namespace Containerize.Tests.Images.Layers.Differential;

/// <summary>
/// Writes a docker-archive (`docker save`'s format: manifest.json, the config and each layer as an uncompressed tar
/// named by its digest) by hand, so that Docker and our engine load the very same layer bytes and nothing of ours
/// shapes them.
/// </summary>
internal static class DockerArchiveFile
{
    public static async Task WriteAsync(string path, string repoTag, IReadOnlyList<byte[]> layers)
    {
        var diffIds = layers.Select(l => "sha256:" + Convert.ToHexStringLower(SHA256.HashData(l))).ToList();
        var config = new JsonObject
        {
            ["architecture"] = "amd64",
            ["os"] = "linux",
            // docker create needs a command; nothing ever runs it.
            ["config"] = new JsonObject { ["Cmd"] = new JsonArray("/nonexistent") },
            ["rootfs"] = new JsonObject { ["type"] = "layers", ["diff_ids"] = new JsonArray([.. diffIds.Select(d => (JsonNode)d)]) },
        };
        var configBytes = System.Text.Encoding.UTF8.GetBytes(config.ToJsonString());
        var configName = "blobs/sha256/" + Convert.ToHexStringLower(SHA256.HashData(configBytes));
        var layerNames = diffIds.Select(d => "blobs/sha256/" + d["sha256:".Length..]).ToList();
        var manifest = new JsonArray(new JsonObject
        {
            ["Config"] = configName,
            ["RepoTags"] = new JsonArray(repoTag),
            ["Layers"] = new JsonArray([.. layerNames.Select(n => (JsonNode)n)]),
        });

        await using var file = File.Create(path);
        await using var writer = new TarWriter(file, TarEntryFormat.Ustar);
        await writer.WriteEntryAsync(new UstarTarEntry(TarEntryType.Directory, "blobs/") { Mode = (UnixFileMode)0x1ED });
        await writer.WriteEntryAsync(new UstarTarEntry(TarEntryType.Directory, "blobs/sha256/") { Mode = (UnixFileMode)0x1ED });
        foreach (var (name, bytes) in layerNames.Zip(layers).DistinctBy(l => l.First).Append((configName, configBytes)))
        {
            await writer.WriteEntryAsync(new UstarTarEntry(TarEntryType.RegularFile, name) { Mode = (UnixFileMode)0x1A4, DataStream = new MemoryStream(bytes) });
        }

        await writer.WriteEntryAsync(new UstarTarEntry(TarEntryType.RegularFile, "manifest.json")
        {
            Mode = (UnixFileMode)0x1A4,
            DataStream = new MemoryStream(System.Text.Encoding.UTF8.GetBytes(manifest.ToJsonString())),
        });
    }
}
