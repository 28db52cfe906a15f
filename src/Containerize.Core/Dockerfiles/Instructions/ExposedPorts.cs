using System.Globalization;
using System.Net;
using Containerize.Core.Diagnostics;

namespace Containerize.Core.Dockerfiles.Instructions;

/// <summary>
/// EXPOSE's words as the image config's ExposedPorts keys, by BuildKit's dispatchExpose, which hands them to
/// go-connections' nat.ParsePortSpecs: <c>[ip:][hostPort:]containerPort[/proto]</c>, where only the container port
/// (a number or a range <c>start-end</c>, each 0-65535) and the protocol (tcp, udp, sctp; tcp when missing) are kept,
/// and a range stands for each of its ports: <c>9000-9002</c> is 9000/tcp, 9001/tcp and 9002/tcp. The messages are
/// Docker 26's.
/// </summary>
public static class ExposedPorts
{
    /// <summary>The config keys ("9000/tcp") of the expanded EXPOSE words, in order, without repeats.</summary>
    /// <exception cref="ContainerizeException">CTZ1210 for a word Docker rejects (no file or line: the caller adds them).</exception>
    public static IReadOnlyList<string> Parse(IEnumerable<string> words)
    {
        var keys = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var word in words)
        {
            foreach (var key in ParseOne(word))
            {
                if (seen.Add(key)) keys.Add(key);
            }
        }

        return keys;
    }

    private static IEnumerable<string> ParseOne(string raw)
    {
        var (ip, hostPort, containerPart) = SplitParts(raw);
        var (proto, containerPort) = SplitProtoPort(containerPart);
        if (ip.StartsWith('[') && ip.EndsWith(']')) ip = ip[1..^1];
        if (ip.Length > 0 && !IsGoIp(ip)) throw Invalid(raw, $"Invalid ip address: {ip}");
        if (containerPort.Length == 0) throw Invalid(raw, $"No port specified: {raw}<empty>");
        if (!TryParseRange(containerPort, out var start, out var end)) throw Invalid(raw, $"Invalid containerPort: {containerPort}");
        if (hostPort.Length > 0)
        {
            if (!TryParseRange(hostPort, out var hostStart, out var hostEnd)) throw Invalid(raw, $"Invalid hostPort: {hostPort}");
            // A host range is allowed for one container port; otherwise both ranges must be as long.
            if (end - start != hostEnd - hostStart && start != end)
            {
                throw Invalid(raw, $"Invalid ranges specified for container and host Ports: {containerPort} and {hostPort}");
            }
        }

        var protocol = proto.ToLowerInvariant();
        if (protocol is not ("tcp" or "udp" or "sctp")) throw Invalid(raw, $"Invalid proto: {proto}");
        for (var port = start; port <= end; port++) yield return port.ToString(CultureInfo.InvariantCulture) + "/" + protocol;
    }

    /// <summary>Go's net.ParseIP: a dotted quad (no leading zeros) or an IPv6 address without a zone.</summary>
    private static bool IsGoIp(string text)
    {
        if (text.Contains(':', StringComparison.Ordinal))
        {
            return !text.Contains('%', StringComparison.Ordinal) && IPAddress.TryParse(text, out var v6) && v6.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6;
        }

        var parts = text.Split('.');
        return parts.Length == 4 && parts.All(p => p.Length is > 0 and <= 3 && p.All(char.IsAsciiDigit) && (p.Length == 1 || p[0] != '0')
            && int.Parse(p, CultureInfo.InvariantCulture) <= 255);
    }

    /// <summary>nat.splitParts: the last ':'-separated part is the container port, the one before it the host port, the rest the IP.</summary>
    private static (string Ip, string HostPort, string ContainerPort) SplitParts(string raw)
    {
        var parts = raw.Split(':');
        var n = parts.Length;
        return n switch
        {
            1 => ("", "", parts[0]),
            2 => ("", parts[0], parts[1]),
            3 => (parts[0], parts[1], parts[2]),
            _ => (string.Join(':', parts[..(n - 2)]), parts[n - 2], parts[n - 1]),
        };
    }

    /// <summary>nat.SplitProtoPort: "80" and "80/" are tcp; "80/udp/x" is udp (the rest is ignored); "/80" has no port.</summary>
    private static (string Proto, string Port) SplitProtoPort(string raw)
    {
        var parts = raw.Split('/');
        if (raw.Length == 0 || parts[0].Length == 0) return ("", "");
        if (parts.Length == 1 || parts[1].Length == 0) return ("tcp", parts[0]);
        return (parts[1], parts[0]);
    }

    /// <summary>nat.ParsePortRange: "N" or "N-M" (anything after a second '-' ignored), unsigned 16-bit decimals, M not below N.</summary>
    private static bool TryParseRange(string ports, out int start, out int end)
    {
        start = end = 0;
        var dash = ports.Split('-');
        if (!TryParsePort(dash[0], out start)) return false;
        if (dash.Length == 1)
        {
            end = start;
            return true;
        }

        return TryParsePort(dash[1], out end) && end >= start;
    }

    /// <summary>Go's strconv.ParseUint(s, 10, 16): ASCII digits only (no sign, no spaces, leading zeros allowed), at most 65535.</summary>
    private static bool TryParsePort(string text, out int port)
    {
        port = 0;
        if (text.Length == 0 || !text.All(char.IsAsciiDigit)) return false;
        var trimmed = text.TrimStart('0');
        if (trimmed.Length > 5) return false;
        port = trimmed.Length == 0 ? 0 : int.Parse(trimmed, CultureInfo.InvariantCulture);
        return port <= 65535;
    }

    private static ContainerizeException Invalid(string raw, string message) =>
        new(DockerfileErrors.InvalidExposedPort, $"EXPOSE {raw}: {message}", hint:
            "write EXPOSE port[/tcp|udp|sctp] or a range start-end[/proto] with ports 0-65535 and start not above end, e.g. EXPOSE 8080 9000-9002/udp");
}
