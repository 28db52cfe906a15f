using System.Text.Json;
using System.Text;
using Containerize.Core.Diagnostics;
using Containerize.Core.Generation;

namespace Containerize.Core.Publishing;

/// <summary>
/// obj/container/image.json: the <see cref="ContainerImageResult"/> for CI and for the next, skipped, publish (which
/// sets MSBuild's outputs from it). Written with Utf8JsonWriter, read with JsonDocument: no reflection, so Core stays
/// trimmable. Always rewritten (atomically) after a build: its time is the incremental build's output stamp.
/// </summary>
public static class ImageMetadataFile
{
    public const string FileName = "image.json";

    public static async Task WriteAsync(string path, ContainerImageResult r, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteString("reference", r.Reference);
            w.WriteStartArray("names");
            foreach (var n in r.Names) w.WriteStringValue(n);
            w.WriteEndArray();
            if (r.ManifestDigest is not null) w.WriteString("manifestDigest", r.ManifestDigest);
            if (r.ManifestMediaType is not null) w.WriteString("manifestMediaType", r.ManifestMediaType);
            w.WriteString("imageId", r.ImageId);
            w.WriteNumber("size", r.Size);
            w.WriteNumber("baseLayers", r.BaseLayerCount);
            w.WriteNumber("layersReused", r.LayersReused);
            w.WriteNumber("layersRebuilt", r.LayersRebuilt);
            w.WriteStartArray("layers");
            foreach (var l in r.Layers)
            {
                w.WriteStartObject();
                w.WriteString("instruction", l.Instruction);
                w.WriteString("digest", l.Digest);
                w.WriteNumber("size", l.Size);
                w.WriteBoolean("reused", l.Reused);
                w.WriteEndObject();
            }

            w.WriteEndArray();
            if (r.BaseImage is not null) w.WriteString("baseImage", r.BaseImage);
            if (r.PreviousBaseDigest is not null) w.WriteString("previousBaseDigest", r.PreviousBaseDigest);
            w.WriteString("dockerfile", r.DockerfilePath);
            if (r.ArchivePath is not null) w.WriteString("archive", r.ArchivePath);
            w.WriteStartArray("pushed");
            foreach (var p in r.Pushed) w.WriteStringValue(p);
            w.WriteEndArray();
            w.WriteNumber("bytesUploaded", r.BytesUploaded);
            if (r.LoadedInto is not null) w.WriteString("loadedInto", r.LoadedInto);
            if (r.Attestations.Count > 0)
            {
                // The artifacts attached to the image by the referrers tag schema (or the referrers API).
                w.WriteStartArray("attestations");
                foreach (var a in r.Attestations)
                {
                    w.WriteStartObject();
                    w.WriteString("artifactType", a.ArtifactType);
                    w.WriteString("digest", a.Digest);
                    w.WriteEndObject();
                }

                w.WriteEndArray();
            }

            if (r.Platforms.Count > 0)
            {
                w.WriteStartArray("platforms");
                foreach (var p in r.Platforms)
                {
                    w.WriteStartObject();
                    w.WriteString("runtimeIdentifier", p.RuntimeIdentifier);
                    w.WriteString("platform", p.Platform);
                    w.WriteString("manifestDigest", p.ManifestDigest);
                    w.WriteString("manifestMediaType", p.ManifestMediaType);
                    w.WriteString("imageId", p.ImageId);
                    w.WriteNumber("size", p.Size);
                    w.WriteEndObject();
                }

                w.WriteEndArray();
            }

            w.WriteEndObject();
        }

        buffer.WriteByte((byte)'\n');
        var text = Encoding.UTF8.GetString(buffer.ToArray());
        if (!await OutputFiles.WriteTextIfChangedAsync(path, text, cancellationToken).ConfigureAwait(false))
        {
            // Same content: still move its time, the output stamp MSBuild compares the inputs with.
            File.SetLastWriteTimeUtc(path, DateTime.UtcNow);
        }
    }

    public static async Task<ContainerImageResult> ReadAsync(string path, CancellationToken cancellationToken)
    {
        try
        {
            await using var stream = File.OpenRead(path);
            using var doc = await JsonDocument.ParseAsync(stream, cancellationToken: cancellationToken).ConfigureAwait(false);
            var root = doc.RootElement;
            string? Str(string name) => root.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
            long Num(string name) => root.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetInt64() : 0;
            IReadOnlyList<string> Strings(string name) =>
                root.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Array ? v.EnumerateArray().Select(e => e.GetString() ?? "").ToList() : [];
            var layers = root.TryGetProperty("layers", out var ls) && ls.ValueKind == JsonValueKind.Array
                ? ls.EnumerateArray().Select(l => new ImageLayerResult(
                    l.GetProperty("instruction").GetString() ?? "", l.GetProperty("digest").GetString() ?? "", l.GetProperty("size").GetInt64(), l.GetProperty("reused").GetBoolean())).ToList()
                : [];
            var platforms = root.TryGetProperty("platforms", out var ps) && ps.ValueKind == JsonValueKind.Array
                ? ps.EnumerateArray().Select(p => new PlatformImageResult(
                    p.GetProperty("runtimeIdentifier").GetString() ?? "", p.GetProperty("platform").GetString() ?? "", p.GetProperty("manifestDigest").GetString() ?? "",
                    p.GetProperty("manifestMediaType").GetString() ?? "", p.GetProperty("imageId").GetString() ?? "", p.GetProperty("size").GetInt64())).ToList()
                : [];
            var attestations = root.TryGetProperty("attestations", out var at) && at.ValueKind == JsonValueKind.Array
                ? at.EnumerateArray().Select(a => new AttestationResult(a.GetProperty("artifactType").GetString() ?? "", a.GetProperty("digest").GetString() ?? "")).ToList()
                : [];
            return new ContainerImageResult
            {
                Reference = Str("reference") ?? "",
                Names = Strings("names"),
                ManifestDigest = Str("manifestDigest"),
                ManifestMediaType = Str("manifestMediaType"),
                ImageId = Str("imageId") ?? "",
                Size = Num("size"),
                BaseLayerCount = (int)Num("baseLayers"),
                Layers = layers,
                DockerfilePath = Str("dockerfile") ?? "",
                BaseImage = Str("baseImage"),
                PreviousBaseDigest = Str("previousBaseDigest"),
                ArchivePath = Str("archive"),
                Pushed = Strings("pushed"),
                BytesUploaded = Num("bytesUploaded"),
                LoadedInto = Str("loadedInto"),
                Platforms = platforms,
                Attestations = attestations,
            };
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException or KeyNotFoundException or InvalidOperationException)
        {
            throw new ContainerizeException(GenerationErrors.MetadataMissing, $"the image metadata {path} could not be read: {e.Message}", path,
                hint: "publish again with -p:ContainerBuild=true; delete obj/container to force a rebuild", inner: e);
        }
    }
}
