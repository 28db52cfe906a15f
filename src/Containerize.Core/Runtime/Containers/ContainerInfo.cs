using Containerize.Core.Os;
using System.Globalization;
using System.Text.Json;
using Containerize.Core.Runtime.Network;

namespace Containerize.Core.Runtime.Containers;

public enum ContainerStatus
{
    /// <summary>Prepared, not started yet (or its shim is still starting runc).</summary>
    Created,

    Running,

    Exited,
}

/// <summary>What `containerize ps` shows of a container: kept as container.json in its folder, written before it starts.</summary>
public sealed record ContainerInfo(string Id, string Name, string Image, string Command, DateTimeOffset Created)
{
    /// <summary>What `stop` sends first: the image's STOPSIGNAL, else SIGTERM (as docker stop).</summary>
    public string StopSignal { get; init; } = "SIGTERM";

    /// <summary>The image's id (its config digest): what `rmi` checks before deleting an image a container uses.</summary>
    public string ImageId { get; init; } = "";

    /// <summary>host, none or bridge (its own namespace through slirp4netns).</summary>
    public string Network { get; init; } = "host";

    /// <summary>The published ports, as placed on the host (what `port` and `ps` print).</summary>
    public IReadOnlyList<PortBinding> Ports { get; init; } = [];

    /// <summary>The image's EXPOSEd ports ("8080/tcp"): `ps` lists the unpublished ones of a bridge container, as docker.</summary>
    public IReadOnlyList<string> ExposedPorts { get; init; } = [];

    public const string FileName = "container.json";

    public string ShortId => Id[..12];

    public async Task WriteAsync(string folder, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteString("Id", Id);
            json.WriteString("Name", Name);
            json.WriteString("Image", Image);
            json.WriteString("Command", Command);
            json.WriteString("Created", Created.ToString("O", CultureInfo.InvariantCulture));
            json.WriteString("StopSignal", StopSignal);
            json.WriteString("ImageId", ImageId);
            json.WriteString("Network", Network);
            json.WriteStartArray("Ports");
            foreach (var p in Ports)
            {
                json.WriteStartObject();
                json.WriteString("HostIp", p.HostIp);
                json.WriteNumber("HostPort", p.HostPort);
                json.WriteNumber("ContainerPort", p.ContainerPort);
                json.WriteString("Protocol", p.Protocol);
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteStartArray("ExposedPorts");
            foreach (var e in ExposedPorts) json.WriteStringValue(e);
            json.WriteEndArray();
            json.WriteEndObject();
        }

        await AtomicFile.WriteAsync(Path.Combine(folder, FileName), buffer.ToArray(), AtomicWriteOptions.Cache, cancellationToken).ConfigureAwait(false);
    }

    public static ContainerInfo? Read(string folder)
    {
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(folder, FileName)));
            var r = doc.RootElement;
            return new ContainerInfo(r.GetProperty("Id").GetString()!, r.GetProperty("Name").GetString()!, r.GetProperty("Image").GetString()!,
                r.GetProperty("Command").GetString()!, DateTimeOffset.Parse(r.GetProperty("Created").GetString()!, CultureInfo.InvariantCulture))
            {
                StopSignal = r.TryGetProperty("StopSignal", out var signal) && signal.GetString() is { Length: > 0 } s ? s : "SIGTERM",
                ImageId = r.TryGetProperty("ImageId", out var imageId) && imageId.GetString() is { } iid ? iid : "",
                Network = r.TryGetProperty("Network", out var network) && network.GetString() is { Length: > 0 } n ? n : "host",
                Ports = r.TryGetProperty("Ports", out var ports) && ports.ValueKind == JsonValueKind.Array
                    ? [.. ports.EnumerateArray().Select(p => new PortBinding(p.GetProperty("HostIp").GetString()!, p.GetProperty("HostPort").GetInt32(),
                        p.GetProperty("ContainerPort").GetInt32(), p.GetProperty("Protocol").GetString()!))]
                    : [],
                ExposedPorts = r.TryGetProperty("ExposedPorts", out var exposed) && exposed.ValueKind == JsonValueKind.Array
                    ? [.. exposed.EnumerateArray().Select(e => e.GetString()!)]
                    : [],
            };
        }
        catch (Exception e) when (e is IOException or JsonException or KeyNotFoundException or FormatException or InvalidOperationException or UnauthorizedAccessException)
        {
            // A folder being created or removed right now.
            return null;
        }
    }
}
