using System.Net;

namespace Containerize.Core.Registry;

/// <summary>Rules about registry hosts: which are loopback, which are insecure.</summary>
public static class RegistryHost
{
    /// <summary>localhost, 127.0.0.0/8 and ::1, with or without a port.</summary>
    public static bool IsLoopback(string registry)
    {
        var host = HostWithoutPort(registry);
        if (host.Equals("localhost", StringComparison.OrdinalIgnoreCase) || host.EndsWith(".localhost", StringComparison.OrdinalIgnoreCase)) return true;
        return IPAddress.TryParse(host.Trim('[', ']'), out var ip) && IPAddress.IsLoopback(ip);
    }

    public static string HostWithoutPort(string registry)
    {
        if (registry.StartsWith('['))
        {
            var close = registry.IndexOf(']');
            return close > 0 ? registry[..(close + 1)] : registry;
        }

        var colon = registry.LastIndexOf(':');
        return colon > 0 ? registry[..colon] : registry;
    }

    /// <summary>
    /// Whether the user declared the registry insecure: DOTNET_CONTAINER_INSECURE_REGISTRIES (comma-separated, as
    /// the .NET SDK reads it), the options' list, or --insecure. An entry without a port matches every port.
    /// </summary>
    public static bool IsDeclaredInsecure(string registry, RegistryOptions options)
    {
        if (options.Insecure) return true;
        var fromEnv = options.GetEnvironment("DOTNET_CONTAINER_INSECURE_REGISTRIES") ?? "";
        var entries = fromEnv.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Concat(options.InsecureRegistries);
        var host = HostWithoutPort(registry);
        foreach (var raw in entries)
        {
            var entry = DockerCredentialProvider.NormalizeHost(raw);
            if (entry.Equals(registry, StringComparison.OrdinalIgnoreCase)) return true;
            if (!entry.Contains(':', StringComparison.Ordinal) && entry.Equals(host, StringComparison.OrdinalIgnoreCase)) return true;
        }

        return false;
    }
}
