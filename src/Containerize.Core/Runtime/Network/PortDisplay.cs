using System.Globalization;

namespace Containerize.Core.Runtime.Network;

/// <summary>
/// A container's ports as docker prints them: the PORTS column of `ps` (docker/cli's DisplayablePorts: ports published
/// on the same number grouped into ranges, "0.0.0.0:8080->8080/tcp", others "0.0.0.0:32768->80/tcp", exposed ones
/// "8080/tcp") and the lines of `port` ("80/tcp -> 0.0.0.0:32768").
/// </summary>
public static class PortDisplay
{
    /// <summary>
    /// `ps`'s PORTS: <paramref name="exposed"/> that are not published show as "8080/tcp" (only a container with its own
    /// network has them: on the host's network docker shows nothing).
    /// </summary>
    public static string Column(IReadOnlyList<PortBinding> published, IEnumerable<string> exposed)
    {
        var ports = published.Select(p => (Ip: p.HostIp, Public: p.HostPort, Private: p.ContainerPort, Type: p.Protocol)).ToList();
        foreach (var key in exposed)
        {
            var slash = key.IndexOf('/', StringComparison.Ordinal);
            if (!int.TryParse(slash < 0 ? key : key[..slash], NumberStyles.None, CultureInfo.InvariantCulture, out var port)) continue;
            var type = slash < 0 ? "tcp" : key[(slash + 1)..];
            if (!ports.Any(p => p.Private == port && p.Type == type)) ports.Add(("", 0, port, type));
        }

        ports.Sort((a, b) => a.Private != b.Private ? a.Private.CompareTo(b.Private)
            : a.Ip != b.Ip ? string.CompareOrdinal(a.Ip, b.Ip)
            : a.Public != b.Public ? a.Public.CompareTo(b.Public)
            : string.CompareOrdinal(a.Type, b.Type));

        var groups = new Dictionary<string, (int First, int Last)>(StringComparer.Ordinal);
        var order = new List<string>();
        var result = new List<string>();
        var mappings = new List<string>();
        foreach (var p in ports)
        {
            var key = p.Type;
            if (p.Ip.Length > 0)
            {
                if (p.Public != p.Private)
                {
                    mappings.Add($"{PortBinding.JoinHostPort(p.Ip, p.Public.ToString(CultureInfo.InvariantCulture))}->{p.Private.ToString(CultureInfo.InvariantCulture)}/{p.Type}");
                    continue;
                }

                key = p.Ip + "/" + p.Type;
            }

            if (!groups.TryGetValue(key, out var group))
            {
                groups[key] = (p.Private, p.Private);
                order.Add(key);
                continue;
            }

            if (p.Private == group.Last + 1)
            {
                groups[key] = (group.First, p.Private);
                continue;
            }

            result.Add(Group(key, group.First, group.Last));
            groups[key] = (p.Private, p.Private);
        }

        result.AddRange(order.Select(k => Group(k, groups[k].First, groups[k].Last)));
        result.AddRange(mappings);
        return string.Join(", ", result);
    }

    /// <summary>`port CONTAINER`: one "80/tcp -> 0.0.0.0:32768" line per published port, by port and protocol.</summary>
    public static IEnumerable<string> Lines(IReadOnlyList<PortBinding> published) =>
        Sorted(published).Select(p => $"{p.ContainerKey} -> {p.HostEndpoint}");

    /// <summary>`port CONTAINER 80[/tcp]`: the host endpoints of that port (tcp when no protocol is given).</summary>
    public static IReadOnlyList<string> For(IReadOnlyList<PortBinding> published, string privatePort)
    {
        var key = privatePort.Contains('/', StringComparison.Ordinal) ? privatePort : privatePort + "/tcp";
        return [.. Sorted(published).Where(p => p.ContainerKey == key).Select(p => p.HostEndpoint)];
    }

    private static IEnumerable<PortBinding> Sorted(IEnumerable<PortBinding> published) =>
        published.OrderBy(p => p.ContainerPort).ThenBy(p => p.Protocol, StringComparer.Ordinal).ThenBy(p => p.HostIp, StringComparer.Ordinal).ThenBy(p => p.HostPort);

    private static string Group(string key, int first, int last)
    {
        var slash = key.LastIndexOf('/');
        var type = slash < 0 ? key : key[(slash + 1)..];
        var ip = slash < 0 ? "" : key[..slash];
        var ports = first == last ? first.ToString(CultureInfo.InvariantCulture) : $"{first.ToString(CultureInfo.InvariantCulture)}-{last.ToString(CultureInfo.InvariantCulture)}";
        return ip.Length > 0 ? $"{PortBinding.JoinHostPort(ip, ports)}->{ports}/{type}" : $"{ports}/{type}";
    }
}
