using System.Text.Json.Serialization;
using System.Text.Json;
using Containerize.Core.Diagnostics;
using Containerize.Core.Os;
using Containerize.Core.Publishing;

namespace Containerize.Core.Host;

/// <summary>
/// A <see cref="ContainerPublishRequest"/> as JSON: what the MSBuild task hands to the native publish host, on its
/// standard input as one line (<see cref="PublishRequestWriter"/>). The host keeps a copy in
/// <c>obj/container/request.json</c>, so that <c>containerize msbuild-host --request</c> replays the same publish outside MSBuild.
/// </summary>
public static class PublishRequestFile
{
    public const string FileName = "request.json";

    public static ContainerPublishRequest Parse(ReadOnlySpan<byte> json, string source)
    {
        try
        {
            return JsonSerializer.Deserialize(json, PublishRequestJsonContext.Default.ContainerPublishRequest) ?? throw new JsonException("null document");
        }
        catch (JsonException e)
        {
            throw new ContainerizeException(GeneralErrors.BadArguments, $"malformed publish request: {e.Message}", source,
                hint: "the request was written by another version of Containerize.Sdk; run the publish again");
        }
    }

    public static async Task<ContainerPublishRequest> ReadAsync(string path, CancellationToken cancellationToken)
    {
        byte[] json;
        try
        {
            json = await File.ReadAllBytesAsync(path, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new ContainerizeException(GeneralErrors.FileNotFound, $"no publish request at {path}", path,
                hint: "a publish with -p:ContainerBuild=true writes obj/container/request.json; run it first");
        }

        return Parse(json, path);
    }

    /// <summary>Keeps the request beside the publish's other files. No fsync: it is a record for replay, not state.</summary>
    public static async Task SaveAsync(ContainerPublishRequest request, ReadOnlyMemory<byte> json, CancellationToken cancellationToken)
    {
        var path = Path.Combine(request.ContainerDirectory, FileName);
        await AtomicFile.WriteAsync(path, json, AtomicWriteOptions.Cache, cancellationToken).ConfigureAwait(false);
    }
}

// Computed members (ProjectDirectory, IsAspNetCore, ...) are read-only and follow from the others: they are not
// written. Enums are numbers, as PublishRequestWriter writes them.
[JsonSourceGenerationOptions(IgnoreReadOnlyProperties = true)]
[JsonSerializable(typeof(ContainerPublishRequest))]
internal sealed partial class PublishRequestJsonContext : JsonSerializerContext;
