namespace Containerize.Core.Images.Store;

/// <summary>
/// Where the local store lives: an explicit folder (the <c>--store</c> option or the ContainerizeStore property),
/// else CONTAINERIZE_STORE, else $XDG_CACHE_HOME/containerize/store, else ~/.cache/containerize/store.
/// </summary>
public static class StoreLocation
{
    public const string EnvironmentVariable = "CONTAINERIZE_STORE";

    public static string Resolve(string? explicitPath = null, Func<string, string?>? environment = null)
    {
        environment ??= Environment.GetEnvironmentVariable;
        if (!string.IsNullOrEmpty(explicitPath)) return Path.GetFullPath(explicitPath);
        if (environment(EnvironmentVariable) is { Length: > 0 } fromEnv) return Path.GetFullPath(fromEnv);

        // The XDG spec says a relative XDG_CACHE_HOME is invalid and must be ignored.
        var cache = environment("XDG_CACHE_HOME") is { Length: > 0 } xdg && Path.IsPathRooted(xdg)
            ? xdg
            : Path.Combine(environment("HOME") is { Length: > 0 } home ? home : Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");
        return Path.Combine(cache, "containerize", "store");
    }
}
