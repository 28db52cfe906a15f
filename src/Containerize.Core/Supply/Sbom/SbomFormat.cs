using Containerize.Core.Diagnostics;

namespace Containerize.Core.Supply.Sbom;

[Flags]
public enum SbomFormats
{
    None = 0,
    Spdx = 1,
    CycloneDx = 2,
}

/// <summary>The SBOM formats and their OCI artifact types (the IANA media types, as ko, cosign and oras attach them).</summary>
public static class SbomFormat
{
    public const string SpdxMediaType = "application/spdx+json";
    public const string CycloneDxMediaType = "application/vnd.cyclonedx+json";

    /// <summary>ContainerSbomFormat / --sbom-format: <c>spdx</c> (the default, as BuildKit and ko), <c>cyclonedx</c>, or both separated by ';' or ','.</summary>
    public static SbomFormats Parse(string? value, string? file = null)
    {
        if (string.IsNullOrWhiteSpace(value)) return SbomFormats.Spdx;
        var formats = SbomFormats.None;
        foreach (var part in value.Split([';', ','], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            formats |= part.ToLowerInvariant() switch
            {
                "spdx" or "spdx-json" => SbomFormats.Spdx,
                "cyclonedx" or "cyclonedx-json" or "cdx" => SbomFormats.CycloneDx,
                _ => throw new ContainerizeException(SupplyErrors.UnknownSbomFormat, $"ContainerSbomFormat has the invalid value '{value}'", file,
                    hint: "use spdx, cyclonedx, or spdx;cyclonedx for both"),
            };
        }

        return formats == SbomFormats.None ? SbomFormats.Spdx : formats;
    }
}
