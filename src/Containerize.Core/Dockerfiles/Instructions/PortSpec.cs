using System.Globalization;
using System.Net;

namespace Containerize.Core.Dockerfiles.Instructions;

/// <summary>
/// One word of go-connections' nat.ParsePortSpec, the grammar both EXPOSE and `docker run -p` take:
/// <c>[ip:][hostPort:]containerPort[/proto]</c>, each port a number or a range <c>start-end</c> (0-65535), the protocol
/// tcp, udp or sctp (tcp when missing). No host port is <c>HostStart == HostEnd == 0</c>: any free port. The error
/// texts are Docker 26's, so the caller only adds its own code and context.
/// </summary>
public sealed record PortSpec(string HostIp, int HostStart, int HostEnd, int ContainerStart, int ContainerEnd, string Protocol)
{
    public bool HasHostPort => HostStart != 0 || HostEnd != 0;

    public static bool TryParse(string raw, out PortSpec spec, out string error)
    {
        spec = null!;
        error = "";
        var (ip, hostPort, containerPart) = SplitParts(raw);
        var (proto, containerPort) = SplitProtoPort(containerPart);
        if (ip.StartsWith('[') && ip.EndsWith(']')) ip = ip[1..^1];
        if (ip.Length > 0 && !IsGoIp(ip)) return Fail(out error, $"Invalid ip address: {ip}");
        if (containerPort.Length == 0) return Fail(out error, $"No port specified: {raw}<empty>");
        if (!TryParseRange(containerPort, out var start, out var end)) return Fail(out error, $"Invalid containerPort: {containerPort}");
        int hostStart = 0, hostEnd = 0;
        if (hostPort.Length > 0)
        {
            if (!TryParseRange(hostPort, out hostStart, out hostEnd)) return Fail(out error, $"Invalid hostPort: {hostPort}");
            // A host range is allowed for one container port; otherwise both ranges must be as long.
            if (end - start != hostEnd - hostStart && start != end)
            {
                return Fail(out error, $"Invalid ranges specified for container and host Ports: {containerPort} and {hostPort}");
            }
        }

        var protocol = proto.ToLowerInvariant();
        if (protocol is not ("tcp" or "udp" or "sctp")) return Fail(out error, $"Invalid proto: {proto}");
        spec = new PortSpec(ip, hostStart, hostEnd, start, end, protocol);
        return true;
    }

    private static bool Fail(out string error, string message)
    {
        error = message;
        return false;
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
}
