namespace Containerize.Core.Context;

/// <summary>The per-user cache folder: CONTAINERIZE_CACHE_DIR, else $XDG_CACHE_HOME/containerize, else ~/.cache/containerize.</summary>
public static class UserCache
{
    public static string Root
    {
        get
        {
            if (Environment.GetEnvironmentVariable("CONTAINERIZE_CACHE_DIR") is { Length: > 0 } explicitDir) return explicitDir;
            if (Environment.GetEnvironmentVariable("XDG_CACHE_HOME") is { Length: > 0 } xdg) return Path.Combine(xdg, "containerize");
            var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
            return Path.Combine(home.Length > 0 ? home : Path.GetTempPath(), ".cache", "containerize");
        }
    }
}
