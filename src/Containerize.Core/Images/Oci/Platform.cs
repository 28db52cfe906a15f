using System.Text.Json.Serialization;

namespace Containerize.Core.Images.Oci;

/// <summary>The platform an image runs on, as in an index entry or an image config.</summary>
public sealed record Platform
{
    [JsonPropertyName("architecture")]
    public required string Architecture { get; init; }

    [JsonPropertyName("os")]
    public required string Os { get; init; }

    [JsonPropertyName("os.version")]
    public string? OsVersion { get; init; }

    [JsonPropertyName("os.features")]
    public IReadOnlyList<string>? OsFeatures { get; init; }

    [JsonPropertyName("variant")]
    public string? Variant { get; init; }

    public static Platform LinuxAmd64 { get; } = new() { Os = "linux", Architecture = "amd64" };

    public static Platform LinuxArm64 { get; } = new() { Os = "linux", Architecture = "arm64", Variant = "v8" };

    /// <summary><c>os/arch[/variant]</c>, the form of <c>--platform</c>.</summary>
    public override string ToString() => Variant is null ? $"{Os}/{Architecture}" : $"{Os}/{Architecture}/{Variant}";

    /// <summary>Parses <c>os/arch[/variant]</c>, normalising architecture aliases as containerd does.</summary>
    public static Platform Parse(string text)
    {
        var parts = text.Trim().ToLowerInvariant().Split('/');
        if (parts.Length is < 2 or > 3 || parts.Any(string.IsNullOrEmpty))
        {
            throw new Diagnostics.ContainerizeException(ImageErrors.InvalidPlatform, $"invalid platform '{text}'",
                hint: "write the platform as os/architecture[/variant], for example linux/amd64 or linux/arm64/v8");
        }

        var (arch, variant) = NormalizeArchitecture(parts[1], parts.Length == 3 ? parts[2] : null);
        return new Platform { Os = parts[0], Architecture = arch, Variant = variant };
    }

    public bool Matches(Platform other) =>
        Os == other.Os && Architecture == other.Architecture &&
        (Variant is null || other.Variant is null || Variant == other.Variant);

    private static (string Arch, string? Variant) NormalizeArchitecture(string arch, string? variant) => arch switch
    {
        "x86_64" or "x86-64" or "amd64" => ("amd64", variant == "v1" ? null : variant),
        "aarch64" or "arm64" => ("arm64", variant is null or "8" or "v8" ? "v8" : variant),
        "armhf" => ("arm", "v7"),
        "armel" => ("arm", "v6"),
        "arm" => ("arm", variant ?? "v7"),
        "i386" or "i686" or "386" => ("386", variant),
        _ => (arch, variant),
    };
}
