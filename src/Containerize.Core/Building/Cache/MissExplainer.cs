using Containerize.Core.Os;
using System.Security.Cryptography;
using System.Text;

namespace Containerize.Core.Building.Cache;

/// <summary>
/// Remembers the cache inputs each Dockerfile line last had (build-cache/steps/), so that a miss can say what changed:
/// the engine's results version, the parent (an earlier step ran), the instruction, a build arg or the source files.
/// </summary>
public sealed class MissExplainer(string cacheFolder)
{
    private string Folder => Path.Combine(cacheFolder, "steps");

    public async Task<string> ExplainAsync(string location, IReadOnlyList<string> inputs, CancellationToken cancellationToken)
    {
        var path = PathOf(location);
        if (!File.Exists(path)) return "first build of this step";
        var previous = (await File.ReadAllLinesAsync(path, cancellationToken).ConfigureAwait(false)).ToList();
        string? Changed(string prefix) =>
            previous.Where(l => l.StartsWith(prefix, StringComparison.Ordinal)).SequenceEqual(inputs.Where(l => l.StartsWith(prefix, StringComparison.Ordinal)))
                ? null : prefix;
        if (Changed("engine:") is not null) return "engine changed (cached results of an older containerize are not reused)";
        if (Changed("instruction:") is not null) return "instruction changed";
        if (Changed("arg:") is not null)
        {
            var names = previous.Concat(inputs).Where(l => l.StartsWith("arg:", StringComparison.Ordinal))
                .Except(previous.Intersect(inputs)).Select(l => l[4..].Split('=', 2)[0]).Distinct().Order(StringComparer.Ordinal);
            return "build arg changed: " + string.Join(", ", names);
        }

        if (Changed("input:") is not null)
        {
            var paths = inputs.Where(l => l.StartsWith("input:", StringComparison.Ordinal)).Except(previous)
                .Select(l => l[6..].Split(' ')[0]).Distinct().Take(3);
            return "source files changed: " + string.Join(", ", paths);
        }

        if (Changed("parent:") is not null) return "parent changed (an earlier step ran)";
        return "cache entry gone (pruned or --no-cache)";
    }

    public async Task RememberAsync(string location, IReadOnlyList<string> inputs, CancellationToken cancellationToken)
    {
        var path = PathOf(location);
        // A fully cached build usually finds what it would write: reading a few lines beats a write and a rename per step.
        if (File.Exists(path) && (await File.ReadAllLinesAsync(path, cancellationToken).ConfigureAwait(false)).SequenceEqual(inputs)) return;
        await AtomicFile.WriteTextAsync(path, string.Concat(inputs.Select(l => l + "\n")), AtomicWriteOptions.Cache, cancellationToken).ConfigureAwait(false);
    }

    private string PathOf(string location) =>
        Path.Combine(Folder, Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(location)))[..32]);
}
