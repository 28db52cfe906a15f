using System.Text.Json;

namespace Containerize.Core.Supply.Sbom;

/// <summary>
/// The packages an app's <c>.deps.json</c> lists (the host's dependency manifest, written by the publish): its
/// <c>libraries</c> of type package, with the <c>sha512-</c> hash NuGet gave them. The file is the image's text: any
/// trouble means "no packages from it", never an exception.
/// </summary>
public static class DepsFile
{
    public sealed record Package(string Name, string Version, string? Sha512);

    public static IReadOnlyList<Package> Packages(string json)
    {
        try
        {
            using var doc = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = 64 });
            if (doc.RootElement.ValueKind != JsonValueKind.Object || !doc.RootElement.TryGetProperty("libraries", out var libraries) || libraries.ValueKind != JsonValueKind.Object) return [];
            var result = new List<Package>();
            foreach (var lib in libraries.EnumerateObject())
            {
                if (lib.Value.ValueKind != JsonValueKind.Object || !lib.Value.TryGetProperty("type", out var type) || type.ValueKind != JsonValueKind.String || type.GetString() != "package") continue;
                var slash = lib.Name.IndexOf('/');
                if (slash <= 0 || slash == lib.Name.Length - 1) continue;
                var sha = lib.Value.TryGetProperty("sha512", out var s) && s.ValueKind == JsonValueKind.String && s.GetString() is { } h && h.StartsWith("sha512-", StringComparison.Ordinal) ? h[7..] : null;
                result.Add(new Package(lib.Name[..slash], lib.Name[(slash + 1)..], sha));
            }

            return result;
        }
        catch (JsonException)
        {
            return [];
        }
    }
}
