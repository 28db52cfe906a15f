using System.Runtime.InteropServices;
using Containerize.Core.Diagnostics;
using Containerize.Core.Images.Oci;

namespace Containerize.Core.Building.Plan;

/// <summary>The build's platforms: this machine's (BUILDPLATFORM, what RUN can execute) and the `--platform` target.</summary>
public static class BuildPlatforms
{
    /// <summary>This machine: linux and the process architecture in OCI's names.</summary>
    public static Platform Host { get; } = new()
    {
        Os = "linux",
        Architecture = RuntimeInformation.OSArchitecture switch
        {
            Architecture.X64 => "amd64",
            Architecture.Arm64 => "arm64",
            Architecture.Arm => "arm",
            Architecture.X86 => "386",
            Architecture.S390x => "s390x",
            Architecture.Ppc64le => "ppc64le",
            Architecture.RiscV64 => "riscv64",
            var other => other.ToString().ToLowerInvariant(),
        },
        Variant = RuntimeInformation.OSArchitecture switch
        {
            Architecture.Arm64 => "v8",
            Architecture.Arm => "v7",
            _ => null,
        },
    };

    public static Platform Parse(string text)
    {
        try
        {
            return Platform.Parse(text);
        }
        catch (ContainerizeException e)
        {
            throw new ContainerizeException(BuildErrors.BadPlatform, $"invalid --platform '{text}'",
                hint: "write os/arch[/variant], for example linux/amd64 or linux/arm64", inner: e);
        }
    }

    /// <summary>The value of TARGETPLATFORM / BUILDPLATFORM: containerd's normalised form, where arm64's v8 is implied.</summary>
    public static string ArgValue(Platform p) =>
        p.Architecture == "arm64" && p.Variant == "v8" ? $"{p.Os}/{p.Architecture}" : p.ToString();

    /// <summary>Whether this machine can execute a RUN for the image's platform: no binfmt/qemu emulation is used.</summary>
    public static bool CanRun(ImageConfiguration config) =>
        string.Equals(config.Os, Host.Os, StringComparison.Ordinal) && string.Equals(config.Architecture, Host.Architecture, StringComparison.Ordinal);
}
