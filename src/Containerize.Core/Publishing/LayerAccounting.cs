using Containerize.Core.Building.Output;
using Containerize.Core.Building.Plan;

namespace Containerize.Core.Publishing;

/// <summary>
/// Which of the image's layers the build added and whether the cache gave each: the final stage's COPY, ADD and RUN
/// steps each commit one layer, in order, on top of the base image's.
/// </summary>
public static class LayerAccounting
{
    /// <summary>The steps after the last FROM: the final stage's instructions (the FROM itself excluded).</summary>
    public static IReadOnlyList<StepRecord> FinalStageSteps(IReadOnlyList<StepRecord> steps)
    {
        var lastFrom = -1;
        for (var i = 0; i < steps.Count; i++)
        {
            if (Keyword(steps[i].Text) == "FROM") lastFrom = i;
        }

        return steps.Skip(lastFrom + 1).ToList();
    }

    public static (IReadOnlyList<ImageLayerResult> Added, int BaseLayers) Layers(ImageState image, IReadOnlyList<StepRecord> steps)
    {
        var layerSteps = FinalStageSteps(steps).Where(s => Keyword(s.Text) is "COPY" or "ADD" or "RUN").ToList();
        var count = image.Layers.Count;
        if (layerSteps.Count > count) return ([], count);
        var baseLayers = count - layerSteps.Count;
        var added = layerSteps.Select((s, i) =>
        {
            var blob = image.Layers[baseLayers + i];
            return new ImageLayerResult(s.Text, blob.Digest.ToString(), blob.Size, s.CacheHit);
        }).ToList();
        return (added, baseLayers);
    }

    private static string Keyword(string text)
    {
        var t = text.TrimStart();
        var end = 0;
        while (end < t.Length && !char.IsWhiteSpace(t[end])) end++;
        return t[..end].ToUpperInvariant();
    }
}
