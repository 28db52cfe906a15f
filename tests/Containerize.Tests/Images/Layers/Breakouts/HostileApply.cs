using Containerize.Core.Diagnostics;
using Containerize.Core.Images.Layers;

namespace Containerize.Tests.Images.Layers.Breakouts;

/// <summary>How applying a stack of layers ended.</summary>
/// <param name="EntriesApplied">Entries of the layers that were applied whole.</param>
/// <param name="Coded">The coded error that stopped it, if any.</param>
/// <param name="Unexpected">Any other exception that stopped it: always a defect of the applier.</param>
internal sealed record ApplyOutcome(int LayersApplied, long EntriesApplied, ContainerizeException? Coded, Exception? Unexpected)
{
    public bool Succeeded => Coded is null && Unexpected is null;

    public override string ToString() =>
        Unexpected is { } u ? $"uncoded {u.GetType().FullName} after {LayersApplied} layer(s): {u.Message}"
        : Coded is { } c ? $"{c.Code} after {LayersApplied} layer(s): {c.Message}"
        : $"applied {LayersApplied} layer(s), {EntriesApplied} entries";
}

/// <summary>Applies layers lowest first with the public entry point, stopping at the first failure as a pull would.</summary>
internal static class HostileApply
{
    public static async Task<ApplyOutcome> RunAsync(string root, IEnumerable<byte[]> layers)
    {
        var applied = 0;
        long entries = 0;
        foreach (var layer in layers)
        {
            try
            {
                using var input = new MemoryStream(layer, writable: false);
                entries += (await LayerApplier.ApplyAsync(root, input)).EntryCount;
                applied++;
            }
            catch (ContainerizeException e)
            {
                return new ApplyOutcome(applied, entries, e, null);
            }
            catch (Exception e)
            {
                return new ApplyOutcome(applied, entries, null, e);
            }
        }

        return new ApplyOutcome(applied, entries, null, null);
    }
}
