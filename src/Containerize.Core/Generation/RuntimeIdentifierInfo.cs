using Containerize.Core.Diagnostics;
using Containerize.Core.Images.Oci;

namespace Containerize.Core.Generation;

/// <summary>
/// A portable runtime identifier split into the parts that matter to containers: <c>linux-musl-arm64</c> is
/// os <c>linux</c>, libc <c>musl</c>, architecture <c>arm64</c>.
/// </summary>
public sealed record RuntimeIdentifierInfo(string Rid, string Os, bool IsMusl, string Architecture)
{
    public static RuntimeIdentifierInfo Parse(string rid)
    {
        var parts = rid.Split('-');
        if (parts.Length < 2) return new RuntimeIdentifierInfo(rid, parts[0], false, "");
        return new RuntimeIdentifierInfo(rid, parts[0], rid.StartsWith("linux-musl", StringComparison.Ordinal), parts[^1]);
    }

    public bool IsLinux => Os == "linux";

    /// <summary>The OCI platform this RID runs on, or null for an architecture Linux images do not have.</summary>
    public Platform? Platform => Architecture switch
    {
        "x64" => new Platform { Os = "linux", Architecture = "amd64" },
        "arm64" => new Platform { Os = "linux", Architecture = "arm64", Variant = "v8" },
        "arm" => new Platform { Os = "linux", Architecture = "arm", Variant = "v7" },
        "x86" => new Platform { Os = "linux", Architecture = "386" },
        "s390x" => new Platform { Os = "linux", Architecture = "s390x" },
        "ppc64le" => new Platform { Os = "linux", Architecture = "ppc64le" },
        "riscv64" => new Platform { Os = "linux", Architecture = "riscv64" },
        "loongarch64" => new Platform { Os = "linux", Architecture = "loong64" },
        _ => null,
    };

    /// <summary>The architecture of the machine this process runs on, as RIDs spell it.</summary>
    public static string HostArchitecture => System.Runtime.InteropServices.RuntimeInformation.OSArchitecture switch
    {
        System.Runtime.InteropServices.Architecture.X64 => "x64",
        System.Runtime.InteropServices.Architecture.Arm64 => "arm64",
        System.Runtime.InteropServices.Architecture.Arm => "arm",
        System.Runtime.InteropServices.Architecture.X86 => "x86",
        System.Runtime.InteropServices.Architecture.S390x => "s390x",
        System.Runtime.InteropServices.Architecture.Ppc64le => "ppc64le",
        System.Runtime.InteropServices.Architecture.RiscV64 => "riscv64",
        System.Runtime.InteropServices.Architecture.LoongArch64 => "loongarch64",
        var other => other.ToString().ToLowerInvariant(),
    };

    internal static ContainerizeException Unsupported(string rid, string? file) =>
        new(GenerationErrors.UnsupportedRuntimeIdentifier, $"the runtime identifier '{rid}' has no Linux container image", file,
            hint: "containers need a Linux RID: linux-x64, linux-arm64, linux-musl-x64 ... (set ContainerRuntimeIdentifier)");
}
