using Containerize.Core.Diagnostics;
using Containerize.Core.Images.Oci;

namespace Containerize.Core.Images.Store;

/// <summary>One row of <c>containerize images</c>: a tagged image with its config's id, creation time and size.</summary>
public sealed record ImageSummary(
    string Repository,
    string Tag,
    Digest ImageId,
    DateTimeOffset? Created,
    long Size,
    IReadOnlyDictionary<string, string> Labels);

/// <summary>
/// Lists a store's tagged images as <c>docker images</c> does, with its <c>--filter label=K[=V]</c>.
/// SIZE is what the store holds for the image (config plus compressed layers), not the unpacked size Docker shows.
/// </summary>
public sealed class ImageLister(OciLayoutStore store)
{
    public Platform Platform { get; init; } = Platform.LinuxAmd64;

    public async Task<IReadOnlyList<ImageSummary>> ListAsync(IEnumerable<string> filters, CancellationToken cancellationToken = default)
    {
        var labelFilters = filters.Select(ParseFilter).ToList();
        var rows = new List<ImageSummary>();
        foreach (var tag in await store.ListTagsAsync(cancellationToken).ConfigureAwait(false))
        {
            if (tag.Reference is null) continue;
            Descriptor manifestDescriptor;
            ImageManifest manifest;
            ImageConfiguration config;
            try
            {
                manifestDescriptor = await ImageGraph.SelectManifestAsync(store, tag.Manifest, Platform, cancellationToken).ConfigureAwait(false);
                manifest = await store.ReadManifestAsync(manifestDescriptor, cancellationToken).ConfigureAwait(false);
                config = await store.ReadConfigAsync(manifest.Config, cancellationToken).ConfigureAwait(false);
            }
            catch (ContainerizeException)
            {
                // An image whose blobs are missing or corrupt is not listed; 'store check' reports it.
                continue;
            }

            var labels = config.Config?.Labels ?? new Dictionary<string, string>();
            if (!labelFilters.All(f => labels.TryGetValue(f.Key, out var v) && (f.Value is null || f.Value == v))) continue;
            var size = manifest.Config.Size + manifest.Layers.Sum(l => l.Size);
            rows.Add(new ImageSummary(tag.Reference.FamiliarName, tag.Reference.Tag ?? ImageReference.DefaultTag, manifest.Config.Digest, config.Created, size, labels));
        }

        return rows.OrderBy(r => r.Repository, StringComparer.Ordinal).ThenBy(r => r.Tag, StringComparer.Ordinal).ToList();
    }

    private static KeyValuePair<string, string?> ParseFilter(string filter)
    {
        if (!filter.StartsWith("label=", StringComparison.Ordinal) || filter.Length == "label=".Length)
        {
            throw new ContainerizeException(GeneralErrors.BadArguments, $"unsupported filter '{filter}'",
                hint: "filter with label=KEY or label=KEY=VALUE");
        }

        var rest = filter["label=".Length..];
        var eq = rest.IndexOf('=');
        return eq < 0 ? new(rest, null) : new(rest[..eq], rest[(eq + 1)..]);
    }
}

/// <summary>Sizes and ages as Docker prints them (go-units HumanSize and HumanDuration), and size arguments.</summary>
public static class HumanUnits
{
    public static string Size(long bytes)
    {
        string[] units = ["B", "kB", "MB", "GB", "TB", "PB"];
        double value = bytes;
        var i = 0;
        while (value >= 1000 && i < units.Length - 1)
        {
            value /= 1000;
            i++;
        }

        return FormatG3(value) + units[i];
    }

    private static string FormatG3(double value)
    {
        // Go's %.4g: four significant digits, trailing zeros dropped.
        var digits = value >= 1000 ? 0 : value >= 100 ? 1 : value >= 10 ? 2 : 3;
        return Math.Round(value, digits).ToString("0.###", System.Globalization.CultureInfo.InvariantCulture);
    }

    public static string Ago(DateTimeOffset? created, DateTimeOffset now)
    {
        if (created is null) return "N/A";
        var d = now - created.Value;
        var seconds = (long)d.TotalSeconds;
        var minutes = (long)d.TotalMinutes;
        var hours = (long)Math.Round(d.TotalHours);
        var text = seconds switch
        {
            < 1 => "Less than a second",
            1 => "1 second",
            < 60 => $"{seconds} seconds",
            _ when minutes == 1 => "About a minute",
            _ when minutes < 60 => $"{minutes} minutes",
            _ when hours == 1 => "About an hour",
            _ when hours < 48 => $"{hours} hours",
            _ when hours < 24 * 7 * 2 => $"{hours / 24} days",
            _ when hours < 24 * 30 * 2 => $"{hours / 24 / 7} weeks",
            _ when hours < 24 * 365 * 2 => $"{hours / 24 / 30} months",
            _ => $"{(long)(d.TotalHours / 24 / 365)} years",
        };
        return text + " ago";
    }

    /// <summary>Parses a size: bytes, or with a suffix k/m/g/t (powers of 1024), e.g. 500m, 10G, 1GiB.</summary>
    public static long ParseSize(string text)
    {
        var t = text.Trim().ToLowerInvariant().Replace("ib", "", StringComparison.Ordinal).TrimEnd('b');
        long factor = 1;
        if (t.Length > 0 && "kmgt".Contains(t[^1]))
        {
            factor = t[^1] switch { 'k' => 1L << 10, 'm' => 1L << 20, 'g' => 1L << 30, _ => 1L << 40 };
            t = t[..^1];
        }

        if (!double.TryParse(t, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var n) || n < 0)
        {
            throw new ContainerizeException(GeneralErrors.BadArguments, $"invalid size '{text}'", hint: "write a number of bytes, or with a suffix: 500M, 10G");
        }

        return (long)(n * factor);
    }
}
