using Containerize.Core.Os;
using System.Globalization;
using System.Text.Json;

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
            };
        }
        catch (Exception e) when (e is IOException or JsonException or KeyNotFoundException or FormatException or InvalidOperationException or UnauthorizedAccessException)
        {
            // A folder being created or removed right now.
            return null;
        }
    }
}
