using System.Text.RegularExpressions;
using Containerize.Core.Diagnostics;

namespace Containerize.Core.Handoff;

/// <summary>What a load did: the images the daemon reported, or that it was skipped because the daemon had the image.</summary>
public sealed record LoadResult(IReadOnlyList<string> LoadedReferences, IReadOnlyList<string> LoadedImageIds, bool Skipped, EngineClient Client);

/// <summary>
/// Loads one of our images into a real daemon: a docker-archive stream piped into <c>docker load</c> or
/// <c>podman load</c>. When the caller knows the image ID (the config digest) and the daemon already holds it,
/// the archive is not even produced, unless the tags still need setting, which <c>docker tag</c> does cheaply.
/// </summary>
public static partial class DaemonLoader
{
    public static async Task<LoadResult> LoadAsync(
        EngineKind kind,
        Func<Stream, CancellationToken, Task> writeArchive,
        string? imageId,
        IReadOnlyList<string> tags,
        EngineLocatorOptions? options,
        IDiagnosticSink sink,
        CancellationToken ct)
    {
        options = (options ?? new EngineLocatorOptions()) with { DaemonOnly = true, Preference = BuilderPreference.Classic };
        var client = await EngineLocator.FindAsync(kind, options, sink, ct);
        return await LoadAsync(client, writeArchive, imageId, tags, options.Environment, sink, ct);
    }

    public static async Task<LoadResult> LoadAsync(
        EngineClient client,
        Func<Stream, CancellationToken, Task> writeArchive,
        string? imageId,
        IReadOnlyList<string> tags,
        IReadOnlyDictionary<string, string?>? env,
        IDiagnosticSink sink,
        CancellationToken ct)
    {
        if (imageId is not null && await ImageIdAsync(client, imageId, env, ct) == imageId)
        {
            sink.Info($"{client.Kind.ToString().ToLowerInvariant()} already has {imageId}; not loading it again");
            foreach (var tag in tags)
            {
                var tagged = await EngineProcess.RunAsync(client.Path, ["tag", imageId, tag], env, cancellationToken: ct);
                if (tagged.ExitCode != 0) throw LoadFailed(client, $"tagging {imageId} as {tag}", tagged);
            }

            return new LoadResult(tags, [imageId], Skipped: true, client);
        }

        sink.Info($"loading into {client.Describe()}");
        var run = await EngineProcess.RunAsync(client.Path, ["load"], env, writeArchive, (line, _) => sink.Detail(line), ct);
        if (run.ExitCode != 0) throw LoadFailed(client, "load", run);
        var (references, ids) = ParseLoadOutput(run.StdOut.Concat(run.StdErr));
        if (references.Count == 0 && ids.Count == 0) throw LoadFailed(client, "load (no 'Loaded image' line)", run);
        foreach (var tag in tags.Where(t => !references.Contains(t)))
        {
            var source = imageId ?? ids.FirstOrDefault() ?? references[0];
            var tagged = await EngineProcess.RunAsync(client.Path, ["tag", source, tag], env, cancellationToken: ct);
            if (tagged.ExitCode != 0) throw LoadFailed(client, $"tagging {source} as {tag}", tagged);
        }

        return new LoadResult(references, ids, Skipped: false, client);
    }

    /// <summary>
    /// docker prints <c>Loaded image: NAME:TAG</c> per tag, or <c>Loaded image ID: sha256:...</c> for an untagged
    /// image; podman prints <c>Loaded image: NAME:TAG</c> (4.x) or <c>Loaded image(s): A,B</c> (older).
    /// </summary>
    public static (List<string> References, List<string> ImageIds) ParseLoadOutput(IEnumerable<string> lines)
    {
        var references = new List<string>();
        var ids = new List<string>();
        foreach (var line in lines)
        {
            var m = LoadedLine().Match(line.Trim());
            if (!m.Success) continue;
            var value = m.Groups["value"].Value.Trim();
            if (m.Groups["id"].Success)
            {
                ids.Add(value);
                continue;
            }

            foreach (var item in value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                if (item.StartsWith("sha256:", StringComparison.Ordinal)) ids.Add(item);
                else references.Add(item);
            }
        }

        return (references, ids);
    }

    /// <summary>The ID the daemon gives a reference or ID, or null when it has no such image.</summary>
    public static async Task<string?> ImageIdAsync(EngineClient client, string reference, IReadOnlyDictionary<string, string?>? env, CancellationToken ct)
    {
        var inspect = await EngineProcess.RunAsync(client.Path, ["image", "inspect", "--format", "{{.Id}}", reference], env, cancellationToken: ct);
        if (inspect.ExitCode != 0) return null;
        var id = inspect.StdOutText.Trim();
        return id.StartsWith("sha256:", StringComparison.Ordinal) ? id : "sha256:" + id;
    }

    private static ContainerizeException LoadFailed(EngineClient client, string what, EngineProcessResult run) => new(
        HandoffErrors.LoadFailed,
        $"{client.Kind.ToString().ToLowerInvariant()} {what} failed: {EngineLocator.FirstLine(run.StdErrText) ?? EngineLocator.FirstLine(run.StdOutText) ?? "exit code " + run.ExitCode}",
        hint: "check that the daemon runs and has space; or write the image to a registry or an OCI layout instead of loading it");

    [GeneratedRegex(@"^Loaded image(?:\(s\))?(?<id> ID)?: (?<value>.+)$")]
    private static partial Regex LoadedLine();
}
