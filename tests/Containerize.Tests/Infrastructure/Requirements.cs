using System.Diagnostics;

namespace Containerize.Tests.Infrastructure;

/// <summary>
/// Real components (runc, skopeo, umoci, the registry, dockerd) are installed by eng/setup. A test that needs
/// one that is missing fails loudly under CI=true and is Inconclusive, with its reason, elsewhere.
/// </summary>
public static class Requirements
{
    public static bool IsCI => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    public static bool IsRoot => Environment.UserName == "root" || GetEuid() == 0;

    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    public static void Missing(string reason)
    {
        if (IsCI) Assert.Fail("required component missing under CI=true: " + reason);
        Assert.Inconclusive(reason);
        throw new UnreachableException();
    }

    /// <summary>The full path of a program on PATH, or a Missing() outcome.</summary>
    public static string Tool(string name)
    {
        var found = FindOnPath(name);
        if (found is null) Missing($"'{name}' is not installed (bash eng/setup installs it)");
        return found!;
    }

    public static string? FindOnPath(string name)
    {
        if (Path.IsPathRooted(name)) return File.Exists(name) ? name : null;
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(dir, name);
            if (File.Exists(candidate)) return candidate;
        }

        return null;
    }

    public static void RequireRoot(string why)
    {
        if (!IsRoot) Missing($"needs root: {why}");
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "geteuid")]
    private static extern uint GetEuidNative();

    private static uint GetEuid()
    {
        try
        {
            return GetEuidNative();
        }
        catch (DllNotFoundException)
        {
            return uint.MaxValue;
        }
    }
}
