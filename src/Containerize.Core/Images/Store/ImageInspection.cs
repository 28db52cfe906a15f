using System.Globalization;
using System.Text.Json.Nodes;
using Containerize.Core.Images.Oci;

namespace Containerize.Core.Images.Store;

/// <summary>
/// <c>docker image inspect</c>'s document for a stored image, field for field in Docker 26's order (API 1.45): Id
/// (the config digest), RepoTags, RepoDigests (empty: the store records no registry digest), Comment (the last
/// history entry's, as Docker), Created, Config (Docker's container config: the fields Docker always prints, null or
/// empty when unset, and the optional ones only when set), Architecture, Variant, Os, Size (the unpacked size of
/// every layer, as Docker's overlay2 counts it), RootFS, Metadata. GraphDriver is left out: there is none.
/// </summary>
public static class ImageInspection
{
    public static async Task<JsonObject> InspectAsync(OciLayoutStore store, StoredImage image, Platform platform, CancellationToken cancellationToken = default)
    {
        var manifestDescriptor = await ImageGraph.SelectManifestAsync(store, image.Primary.Entry, platform, cancellationToken).ConfigureAwait(false);
        var manifest = await store.ReadManifestAsync(manifestDescriptor, cancellationToken).ConfigureAwait(false);
        var config = await store.ReadConfigAsync(manifest.Config, cancellationToken).ConfigureAwait(false);
        var size = await LayerContentSize.OfImageAsync(store, manifest, config, cancellationToken).ConfigureAwait(false);

        var doc = new JsonObject
        {
            ["Id"] = image.Id.ToString(),
            ["RepoTags"] = Strings(image.RepoTags),
            ["RepoDigests"] = new JsonArray(),
            ["Parent"] = "",
            ["Comment"] = config.History is { Count: > 0 } h ? h[^1].Comment ?? "" : "",
            ["Created"] = config.Created is { } created ? GoTime(created) : "0001-01-01T00:00:00Z",
            ["DockerVersion"] = "",
            ["Author"] = config.Author ?? "",
            ["Config"] = Config(config.Config ?? new ContainerConfig()),
            ["Architecture"] = config.Architecture,
        };
        if (config.Variant is { Length: > 0 } variant) doc["Variant"] = variant;
        doc["Os"] = config.Os;
        if (config.OsVersion is { Length: > 0 } osVersion) doc["OsVersion"] = osVersion;
        doc["Size"] = size;
        doc["RootFS"] = new JsonObject { ["Type"] = config.RootFs.Type, ["Layers"] = Strings(config.RootFs.DiffIds.Select(d => d.ToString())) };
        doc["Metadata"] = new JsonObject { ["LastTagTime"] = "0001-01-01T00:00:00Z" };
        return doc;
    }

    private static JsonObject Config(ContainerConfig c)
    {
        var o = new JsonObject
        {
            ["Hostname"] = "",
            ["Domainname"] = "",
            ["User"] = c.User ?? "",
            ["AttachStdin"] = false,
            ["AttachStdout"] = false,
            ["AttachStderr"] = false,
        };
        if (c.ExposedPorts is { Count: > 0 } ports) o["ExposedPorts"] = Set(ports.Keys);
        o["Tty"] = false;
        o["OpenStdin"] = false;
        o["StdinOnce"] = false;
        o["Env"] = Strings(c.Env);
        o["Cmd"] = Strings(c.Cmd);
        if (c.Healthcheck is { } health) o["Healthcheck"] = Health(health);
        if (c.ArgsEscaped == true) o["ArgsEscaped"] = true;
        o["Image"] = "";
        o["Volumes"] = c.Volumes is { Count: > 0 } volumes ? Set(volumes.Keys) : null;
        o["WorkingDir"] = c.WorkingDir ?? "";
        o["Entrypoint"] = Strings(c.Entrypoint);
        o["OnBuild"] = Strings(c.OnBuild);
        o["Labels"] = c.Labels is null ? null : new JsonObject(c.Labels.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)kv.Value)));
        if (c.StopSignal is { Length: > 0 } signal) o["StopSignal"] = signal;
        if (c.Shell is { Count: > 0 }) o["Shell"] = Strings(c.Shell);
        return o;
    }

    private static JsonObject Health(HealthConfig h)
    {
        var o = new JsonObject { ["Test"] = Strings(h.Test) };
        if (h.Interval is { } i and not 0) o["Interval"] = i;
        if (h.Timeout is { } t and not 0) o["Timeout"] = t;
        if (h.StartPeriod is { } s and not 0) o["StartPeriod"] = s;
        if (h.StartInterval is { } si and not 0) o["StartInterval"] = si;
        if (h.Retries is { } r and not 0) o["Retries"] = r;
        return o;
    }

    private static JsonArray? Strings(IEnumerable<string>? values) => values is null ? null : new JsonArray(values.Select(v => (JsonNode?)JsonValue.Create(v)).ToArray());

    private static JsonObject Set(IEnumerable<string> keys) =>
        new(keys.Order(StringComparer.Ordinal).Select(k => KeyValuePair.Create(k, (JsonNode?)new JsonObject())));

    /// <summary>Go's time.RFC3339Nano in UTC: fractional seconds without trailing zeros, none when whole.</summary>
    public static string GoTime(DateTimeOffset time)
    {
        var utc = time.UtcDateTime;
        var fraction = (utc.Ticks % TimeSpan.TicksPerSecond).ToString("0000000", CultureInfo.InvariantCulture).TrimEnd('0');
        return utc.ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture) + (fraction.Length > 0 ? "." + fraction : "") + "Z";
    }
}
