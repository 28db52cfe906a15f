using System.Runtime.InteropServices;

namespace Containerize.Core.Os;

/// <summary>The operating system whose rules the engine follows for paths, file modes and tool lookup.</summary>
public enum HostOs
{
    Linux,
    Windows,
    MacOS,

    /// <summary>Another Unix (FreeBSD, ...): Unix rules, no native file-system path.</summary>
    OtherUnix,
}

/// <summary>
/// What the engine assumes about the machine it runs on: whose path, file-mode and tool-lookup rules apply, and
/// whether the file system is read through <see cref="LibC"/> (the fast Linux path) or through .NET's portable
/// file-system API. The native path is chosen by probing what the C library really exports, not by OS name, so
/// musl without <c>statx</c> and old glibc get the portable path too.
/// <para>
/// CI runs on Linux only, so the other platforms' code paths are forced from there: <c>CTZ_HOST_OS=windows|macos|linux</c>
/// applies another OS's rules (path semantics, the mode rule for file systems without modes, PATH/PATHEXT lookup),
/// and <c>CTZ_FILESYSTEM=portable|native</c> picks the file-system path (native only where the probe allows it).
/// In-process tests use <see cref="Use"/>, which flows with the async context and does not leak into other tests.
/// </para>
/// </summary>
public sealed record HostRules(HostOs Os, bool NativeFileSystem)
{
    public const string OsVariable = "CTZ_HOST_OS";
    public const string FileSystemVariable = "CTZ_FILESYSTEM";

    private static readonly AsyncLocal<HostRules?> Override = new();
    private static readonly Lazy<HostRules> Process = new(() => FromVariables(Environment.GetEnvironmentVariable, ActualOs, NativeFileSystemAvailable));

    /// <summary>The rules in force: a test's <see cref="Use"/>, else the process's (probed once, then the variables).</summary>
    public static HostRules Current => Override.Value ?? Process.Value;

    /// <summary>The machine's own rules, with no variable applied.</summary>
    public static HostRules Actual => new(ActualOs, NativeFileSystemAvailable);

    /// <summary>Windows' rules on the portable path, as a Windows machine runs the engine.</summary>
    public static HostRules Windows => new(HostOs.Windows, false);

    /// <summary>macOS' rules on the portable path.</summary>
    public static HostRules MacOS => new(HostOs.MacOS, false);

    /// <summary>This machine's OS rules on the portable file-system path.</summary>
    public static HostRules Portable => new(ActualOs, false);

    /// <summary>True where this process can use the native path: Linux, and a C library that exports every call of it.</summary>
    public static bool NativeFileSystemAvailable => NativeProbe.Value;

    private static readonly Lazy<bool> NativeProbe = new(() => OperatingSystem.IsLinux() && LibC.MissingExports().Count == 0);

    public bool IsWindows => Os == HostOs.Windows;

    /// <summary>Unix file modes exist on the file system (not on Windows: the mode rule decides them).</summary>
    public bool HasUnixModes => Os != HostOs.Windows;

    /// <summary>How two full paths on this file system compare: Windows and macOS (by default) ignore case.</summary>
    public StringComparison PathComparison => Os is HostOs.Windows or HostOs.MacOS ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;

    public StringComparer PathComparer => Os is HostOs.Windows or HostOs.MacOS ? StringComparer.OrdinalIgnoreCase : StringComparer.Ordinal;

    /// <summary>The characters that separate folders in a host path.</summary>
    public IReadOnlyList<char> DirectorySeparators => IsWindows ? ['\\', '/'] : ['/'];

    /// <summary>The separator of PATH-like lists.</summary>
    public char PathListSeparator => IsWindows ? ';' : ':';

    /// <summary>Applies <paramref name="rules"/> to the current async flow until disposed (tests force other platforms with it).</summary>
    public static IDisposable Use(HostRules rules)
    {
        var previous = Override.Value;
        Override.Value = rules;
        return new Restore(previous);
    }

    private static HostOs ActualOs =>
        OperatingSystem.IsLinux() ? HostOs.Linux
        : OperatingSystem.IsWindows() ? HostOs.Windows
        : OperatingSystem.IsMacOS() ? HostOs.MacOS
        : HostOs.OtherUnix;

    /// <summary>The rules <see cref="OsVariable"/> and <see cref="FileSystemVariable"/> ask for on a machine of <paramref name="actual"/>.</summary>
    internal static HostRules FromVariables(Func<string, string?> variable, HostOs actual, bool nativeAvailable)
    {
        var os = variable(OsVariable)?.Trim().ToLowerInvariant() switch
        {
            "windows" => HostOs.Windows,
            "macos" or "osx" => HostOs.MacOS,
            "linux" => HostOs.Linux,
            _ => actual,
        };

        // Another OS's rules imply its file-system path: a Windows or macOS machine has no LibC path, and asking for
        // the native path cannot give one the C library does not have.
        var native = nativeAvailable && os is HostOs.Linux;
        var fs = variable(FileSystemVariable)?.Trim().ToLowerInvariant();
        if (fs == "portable") native = false;
        else if (fs == "native") native = nativeAvailable;
        return new HostRules(os, native);
    }

    /// <summary>For the detailed log: which rules and which file-system path this publish uses, and why.</summary>
    public string Describe() =>
        $"{Os} rules, {(NativeFileSystem ? "native file-system path" : "portable file-system path")}" +
        (NativeFileSystem || !OperatingSystem.IsLinux() || NativeFileSystemAvailable ? "" : $" (the C library lacks {string.Join(", ", LibC.MissingExports())})") +
        $" on {RuntimeInformation.OSDescription} {RuntimeInformation.ProcessArchitecture}";

    private sealed class Restore(HostRules? previous) : IDisposable
    {
        public void Dispose() => Override.Value = previous;
    }
}
