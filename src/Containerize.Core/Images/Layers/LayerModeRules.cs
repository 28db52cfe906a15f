using System.Globalization;
using Containerize.Core.Diagnostics;

namespace Containerize.Core.Images.Layers;

/// <summary>Ready-made <see cref="LayerWriterOptions.ModeRule"/> functions.</summary>
public static class LayerModeRules
{
    /// <summary>Every file and folder gets the same mode, as <c>COPY --chmod=755</c>.</summary>
    public static Func<LayerEntry, UnixFileMode, UnixFileMode> Fixed(UnixFileMode mode) => (_, _) => mode;

    /// <summary>Parses a --chmod value: an octal mode of 1 to 4 digits ("644", "0755", "1777").</summary>
    public static UnixFileMode ParseOctal(string text)
    {
        if (text.Length is 0 or > 4 || !int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out _) || text.Any(c => c > '7'))
        {
            throw new ContainerizeException(LayerErrors.InvalidMode, $"invalid mode '{text}'", hint: "write an octal mode such as 644, 0755 or 1777");
        }

        return (UnixFileMode)Convert.ToInt32(text, 8);
    }
}
