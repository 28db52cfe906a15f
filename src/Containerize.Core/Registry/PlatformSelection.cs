using System.Runtime.InteropServices;
using Containerize.Core.Diagnostics;
using Containerize.Core.Images.Oci;

namespace Containerize.Core.Registry;

/// <summary>Maps .NET runtime identifiers to OCI platforms, and picks a platform's manifest out of an index.</summary>
public static class PlatformSelection
{
    /// <summary>
    /// The OCI platform of a Linux RID: <c>linux-x64</c> is linux/amd64, <c>linux-musl-arm64</c> linux/arm64/v8,
    /// <c>linux-arm</c> linux/arm/v7. The C library (musl, bionic) or a distro prefix does not change the platform:
    /// only the architecture after the last dash counts.
    /// </summary>
    public static Platform FromRuntimeIdentifier(string rid)
    {
        var text = rid.Trim().ToLowerInvariant();
        var dash = text.LastIndexOf('-');
        var os = dash > 0 ? text[..dash] : "";
        var arch = dash > 0 ? text[(dash + 1)..] : text;
        if (os.StartsWith("win", StringComparison.Ordinal) || os.StartsWith("osx", StringComparison.Ordinal) || os.StartsWith("maccatalyst", StringComparison.Ordinal) ||
            os.StartsWith("ios", StringComparison.Ordinal) || os.StartsWith("android", StringComparison.Ordinal) || os.StartsWith("browser", StringComparison.Ordinal) ||
            os.StartsWith("freebsd", StringComparison.Ordinal) || os.Length == 0 || rid.Length == 0)
        {
            throw Unknown(rid);
        }

        return arch switch
        {
            "x64" => new Platform { Os = "linux", Architecture = "amd64" },
            "arm64" => new Platform { Os = "linux", Architecture = "arm64", Variant = "v8" },
            "arm" => new Platform { Os = "linux", Architecture = "arm", Variant = "v7" },
            "armel" or "armv6" => new Platform { Os = "linux", Architecture = "arm", Variant = "v6" },
            "x86" => new Platform { Os = "linux", Architecture = "386" },
            "s390x" => new Platform { Os = "linux", Architecture = "s390x" },
            "ppc64le" => new Platform { Os = "linux", Architecture = "ppc64le" },
            "riscv64" => new Platform { Os = "linux", Architecture = "riscv64" },
            "loongarch64" => new Platform { Os = "linux", Architecture = "loong64" },
            _ => throw Unknown(rid),
        };
    }

    /// <summary>The platform of the machine we run on: the default when nothing is asked for.</summary>
    public static Platform Host => RuntimeInformation.OSArchitecture switch
    {
        Architecture.Arm64 => Platform.LinuxArm64,
        Architecture.Arm => new Platform { Os = "linux", Architecture = "arm", Variant = "v7" },
        Architecture.X86 => new Platform { Os = "linux", Architecture = "386" },
        _ => Platform.LinuxAmd64,
    };

    /// <summary>
    /// The index entry for <paramref name="wanted"/>: OS and architecture must match; an exact variant wins, then an entry
    /// without variant (arm64's v8 is implied), then for arm the highest lower variant (a v7 host runs v6 images).
    /// </summary>
    public static Descriptor Select(ImageIndex index, Platform wanted, string what)
    {
        var candidates = index.Manifests
            .Where(m => m.Platform is { } p && p.Os == wanted.Os && p.Architecture == wanted.Architecture && MediaTypes.IsManifest(m.MediaType ?? MediaTypes.OciManifest))
            .ToList();
        var exact = candidates.FirstOrDefault(m => m.Platform!.Variant == wanted.Variant)
            ?? candidates.FirstOrDefault(m => m.Platform!.Variant is null || wanted.Variant is null)
            ?? candidates.FirstOrDefault(m => wanted.Architecture == "arm64" && m.Platform!.Variant is "v8")
            ?? candidates.Where(m => wanted.Architecture == "arm" && string.CompareOrdinal(m.Platform!.Variant, wanted.Variant) < 0)
                .OrderByDescending(m => m.Platform!.Variant, StringComparer.Ordinal).FirstOrDefault();
        if (exact is not null) return exact;
        var available = string.Join(", ", index.Manifests.Where(m => m.Platform is { Os: not "unknown" }).Select(m => m.Platform!.ToString()).Distinct());
        throw new ContainerizeException(RegistryErrors.NoMatchingPlatform, $"{what} has no image for {wanted} (it has: {(available.Length > 0 ? available : "none")})",
            hint: "pick one of the platforms it has (--platform, or a RuntimeIdentifier that maps to it), or another base image");
    }

    private static ContainerizeException Unknown(string rid) =>
        new(RegistryErrors.UnknownRuntimeIdentifier, $"the runtime identifier '{rid}' names no Linux platform a container can run",
            hint: "use a Linux RID such as linux-x64, linux-arm64, linux-arm, linux-musl-x64 or linux-musl-arm64");
}
