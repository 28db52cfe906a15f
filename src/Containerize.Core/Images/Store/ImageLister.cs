using Containerize.Core.Diagnostics;
using Containerize.Core.Images.Oci;

namespace Containerize.Core.Images.Store;

/// <summary>
/// One row of <c>containerize images</c>: a tagged image (or a dangling one, <c>&lt;none&gt;</c>) with its config's
/// id, creation time and size. <paramref name="Entry"/> is the index.json entry (a manifest, or an index for a
/// multi-platform image), <paramref name="RefName"/> its name (null when dangling).
/// </summary>
public sealed record ImageSummary(
    string Repository,
    string Tag,
    Digest ImageId,
    DateTimeOffset? Created,
    long Size,
    IReadOnlyDictionary<string, string> Labels,
    Descriptor Entry,
    string? RefName = null,
    ImageReference? Reference = null)
{
    public bool Dangling => RefName is null;
}

/// <summary>
/// Lists a store's images as <c>docker images</c> does: the tagged ones and the dangling ones, with the filters
/// <c>label=K[=V]</c>, <c>dangling=true|false</c> and <c>reference=PATTERN</c> (Go's path.Match on the familiar
/// name, with or without the tag, as Docker's reference filter). SIZE is Docker's, the unpacked size
/// (<see cref="LayerContentSize"/>: each layer is read once, then its size is kept beside the blobs).
/// </summary>
public sealed class ImageLister(OciLayoutStore store)
{
    public Platform Platform { get; init; } = Platform.LinuxAmd64;

    public async Task<IReadOnlyList<ImageSummary>> ListAsync(IEnumerable<string> filters, CancellationToken cancellationToken = default)
    {
        var filter = ImageFilter.Parse(filters);
        var rows = new List<ImageSummary>();
        foreach (var entry in (await store.ReadIndexAsync(cancellationToken).ConfigureAwait(false)).Manifests)
        {
            var refName = entry.Annotation(AnnotationKeys.RefName);
            ImageReference? reference = null;
            if (refName is null ? !DanglingImages.IsDangling(entry) : !ImageReference.TryParse(refName, out reference) || reference is null) continue;
            Descriptor manifestDescriptor;
            ImageManifest manifest;
            ImageConfiguration config;
            try
            {
                manifestDescriptor = await ImageGraph.SelectManifestAsync(store, entry, Platform, cancellationToken).ConfigureAwait(false);
                manifest = await store.ReadManifestAsync(manifestDescriptor, cancellationToken).ConfigureAwait(false);
                config = await store.ReadConfigAsync(manifest.Config, cancellationToken).ConfigureAwait(false);
            }
            catch (ContainerizeException)
            {
                // An image whose blobs are missing or corrupt is not listed; 'store check' reports it.
                continue;
            }

            var labels = config.Config?.Labels ?? new Dictionary<string, string>();
            long size;
            try
            {
                size = await LayerContentSize.OfImageAsync(store, manifest, config, cancellationToken).ConfigureAwait(false);
            }
            catch (ContainerizeException)
            {
                // A layer that cannot be read is listed by what the store holds; 'store check' reports it.
                size = manifest.Config.Size + manifest.Layers.Sum(l => l.Size);
            }

            var row = reference is null
                ? new ImageSummary("<none>", "<none>", manifest.Config.Digest, config.Created, size, labels, entry with { Annotations = null })
                : new ImageSummary(reference.FamiliarName, reference.Tag ?? ImageReference.DefaultTag, manifest.Config.Digest, config.Created, size, labels,
                    entry with { Annotations = null }, refName, reference);
            if (filter.Matches(row)) rows.Add(row);
        }

        return rows
            .OrderBy(r => r.Dangling)
            .ThenBy(r => r.Repository, StringComparer.Ordinal).ThenBy(r => r.Tag, StringComparer.Ordinal)
            .ThenBy(r => r.ImageId.ToString(), StringComparer.Ordinal)
            .ToList();
    }
}

/// <summary>The <c>--filter</c> of <c>images</c> and <c>rmi</c>: every given condition must hold (several reference= any one).</summary>
public sealed record ImageFilter(IReadOnlyList<KeyValuePair<string, string?>> Labels, bool? Dangling, IReadOnlyList<string> References)
{
    public static ImageFilter Parse(IEnumerable<string> filters)
    {
        var labels = new List<KeyValuePair<string, string?>>();
        bool? dangling = null;
        var references = new List<string>();
        foreach (var filter in filters)
        {
            var eq = filter.IndexOf('=');
            var (key, value) = eq < 0 ? (filter, "") : (filter[..eq], filter[(eq + 1)..]);
            switch (key)
            {
                case "label" when value.Length > 0:
                    var e = value.IndexOf('=');
                    labels.Add(e < 0 ? new(value, null) : new(value[..e], value[(e + 1)..]));
                    break;
                case "dangling" when value is "true" or "false" or "1" or "0":
                    var wanted = value is "true" or "1";
                    if (dangling is { } d && d != wanted) throw Bad(filter, "give dangling=true or dangling=false, not both");
                    dangling = wanted;
                    break;
                case "reference" when value.Length > 0:
                    references.Add(value);
                    break;
                default:
                    throw Bad(filter, "filter with label=KEY, label=KEY=VALUE, dangling=true|false or reference=PATTERN");
            }
        }

        return new ImageFilter(labels, dangling, references);
    }

    public bool IsEmpty => Labels.Count == 0 && Dangling is null && References.Count == 0;

    public bool Matches(ImageSummary row) =>
        Labels.All(f => row.Labels.TryGetValue(f.Key, out var v) && (f.Value is null || f.Value == v))
        && (Dangling is not { } d || d == row.Dangling)
        && (References.Count == 0 || (row.Reference is { } r && References.Any(p => ReferenceMatches(p, r))));

    /// <summary>Docker's reference filter (distribution's FamiliarMatch): the pattern against NAME:TAG, and NAME alone.</summary>
    public static bool ReferenceMatches(string pattern, ImageReference reference)
    {
        var regex = GlobRegex(pattern);
        return regex.IsMatch(reference.FamiliarName + ":" + (reference.Tag ?? ImageReference.DefaultTag)) || regex.IsMatch(reference.FamiliarName);
    }

    /// <summary>Go's path.Match as a regular expression: '*' and '?' never cross '/', '[...]' classes ('^' or '!' negate).</summary>
    private static System.Text.RegularExpressions.Regex GlobRegex(string pattern)
    {
        var text = new System.Text.StringBuilder("^");
        for (var i = 0; i < pattern.Length; i++)
        {
            var c = pattern[i];
            switch (c)
            {
                case '*': text.Append("[^/]*"); break;
                case '?': text.Append("[^/]"); break;
                case '\\' when i + 1 < pattern.Length: text.Append(System.Text.RegularExpressions.Regex.Escape(pattern[++i].ToString())); break;
                case '[':
                    var close = pattern.IndexOf(']', i + 1);
                    if (close < 0) throw Bad("reference=" + pattern, "the pattern has '[' without ']'");
                    var body = pattern[(i + 1)..close];
                    if (body.StartsWith('^') || body.StartsWith('!')) body = "^" + body[1..];
                    text.Append('[').Append(body).Append(']');
                    i = close;
                    break;
                default: text.Append(System.Text.RegularExpressions.Regex.Escape(c.ToString())); break;
            }
        }

        return new System.Text.RegularExpressions.Regex(text.Append('$').ToString(), System.Text.RegularExpressions.RegexOptions.CultureInvariant);
    }

    private static ContainerizeException Bad(string filter, string hint) =>
        new(GeneralErrors.BadArguments, $"unsupported filter '{filter}'", hint: hint);
}

/// <summary>Sizes and ages as Docker prints them (go-units HumanSize and HumanDuration), and size arguments.</summary>
public static class HumanUnits
{
    /// <summary>go-units HumanSizeWithPrecision: <paramref name="precision"/> significant digits as Go's %g (4 for
    /// HumanSize; docker images and docker history print 3).</summary>
    public static string Size(long bytes, int precision = 4)
    {
        string[] units = ["B", "kB", "MB", "GB", "TB", "PB"];
        double value = bytes;
        var i = 0;
        while (value >= 1000 && i < units.Length - 1)
        {
            value /= 1000;
            i++;
        }

        return GoG(value, precision) + units[i];
    }

    /// <summary>Go's %.Ng: N significant digits, trailing zeros dropped, exponent form when the exponent is &lt; -4 or &gt;= N.</summary>
    private static string GoG(double value, int precision)
    {
        if (value == 0) return "0";
        var e = value.ToString("E" + (precision - 1), System.Globalization.CultureInfo.InvariantCulture);
        var mark = e.IndexOf('E');
        var exponent = int.Parse(e[(mark + 1)..], System.Globalization.CultureInfo.InvariantCulture);
        if (exponent < -4 || exponent >= precision)
        {
            var mantissa = e[..mark].Contains('.') ? e[..mark].TrimEnd('0').TrimEnd('.') : e[..mark];
            return $"{mantissa}e{(exponent < 0 ? '-' : '+')}{Math.Abs(exponent):00}";
        }

        var fixedText = value.ToString("F" + Math.Max(0, precision - 1 - exponent), System.Globalization.CultureInfo.InvariantCulture);
        return fixedText.Contains('.') ? fixedText.TrimEnd('0').TrimEnd('.') : fixedText;
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
