using Containerize.Core.Building.Plan;
using Containerize.Core.Building;
using Containerize.Core.Images.Store;

namespace Containerize.Core.Publishing;

/// <summary>
/// Dates a built image with ContainerSourceDateEpoch: the config's <c>created</c> and the history entries this build
/// added. The engine commits every step at the fixed epoch so that its cache keys (parent digests) do not depend on
/// the commit time; only the final config and manifest are rewritten, which is no layer work.
/// </summary>
public static class CreatedStamp
{
    public static async Task<ImageState> ApplyAsync(OciLayoutStore store, BuildResult build, long? sourceDateEpoch, CancellationToken cancellationToken)
    {
        if (sourceDateEpoch is not { } epoch || build.Image.Manifest is null) return build.Image;
        var created = DateTimeOffset.FromUnixTimeSeconds(epoch);
        var image = build.Image;
        var history = image.Config.History ?? [];
        var added = Math.Min(history.Count, LayerAccounting.FinalStageSteps(build.Steps).Count(s => !IsArg(s.Text)));
        var config = image.Config with
        {
            Created = created,
            History = history.Select((h, i) => i >= history.Count - added ? h with { Created = created } : h).ToList(),
        };
        return await ImageCommitter.StoreAsync(store, config, image.Layers, cancellationToken).ConfigureAwait(false);
    }

    private static bool IsArg(string instruction) => instruction.TrimStart().StartsWith("ARG", StringComparison.OrdinalIgnoreCase) &&
        (instruction.TrimStart().Length == 3 || char.IsWhiteSpace(instruction.TrimStart()[3]));
}
