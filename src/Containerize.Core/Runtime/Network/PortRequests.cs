using System.Globalization;
using Containerize.Core.Diagnostics;
using Containerize.Core.Dockerfiles.Instructions;

namespace Containerize.Core.Runtime.Network;

/// <summary>
/// What `run -p` and `-P` ask for, as docker reads them (nat.ParsePortSpecs): <c>[ip:][hostPort:]containerPort[/proto]</c>
/// with ranges, an empty or missing host port meaning any free one, and -P publishing every EXPOSEd port of the image
/// that -p did not publish already, each on a free port.
/// </summary>
public static class PortRequests
{
    /// <summary>The bindings to make, in order; host port 0 means "any free port" (placed by <see cref="PortAllocator"/>).</summary>
    public static IReadOnlyList<PortBinding> Parse(IEnumerable<string> publish, bool publishAll, IEnumerable<string> exposedPorts)
    {
        var result = new List<PortBinding>();
        foreach (var raw in publish)
        {
            if (!PortSpec.TryParse(raw, out var spec, out var error)) throw Invalid(raw, error);
            if (spec.Protocol == "sctp") throw Invalid(raw, "sctp ports cannot be published (slirp4netns forwards tcp and udp)");
            if (spec.HostIp.Contains(':', StringComparison.Ordinal))
            {
                throw Invalid(raw, $"the IPv6 host address {spec.HostIp} cannot be published on (slirp4netns listens on IPv4 only)");
            }

            var hostIp = spec.HostIp.Length == 0 ? "0.0.0.0" : spec.HostIp;
            var count = spec.ContainerEnd - spec.ContainerStart + 1;
            for (var i = 0; i < count; i++)
            {
                var containerPort = spec.ContainerStart + i;
                if (containerPort == 0) throw Invalid(raw, "the container port cannot be 0");
                if (!spec.HasHostPort)
                {
                    result.Add(new PortBinding(hostIp, 0, containerPort, spec.Protocol));
                }
                else if (count == 1 && spec.HostEnd > spec.HostStart)
                {
                    // One container port and a host range: the first free port of the range (docker's allocator).
                    result.Add(new PortBinding(hostIp, spec.HostStart, containerPort, spec.Protocol) { HostPortEnd = spec.HostEnd });
                }
                else
                {
                    result.Add(new PortBinding(hostIp, spec.HostStart + i, containerPort, spec.Protocol));
                }
            }
        }

        if (publishAll)
        {
            foreach (var key in exposedPorts)
            {
                var slash = key.IndexOf('/', StringComparison.Ordinal);
                var proto = slash < 0 ? "tcp" : key[(slash + 1)..];
                if (!int.TryParse(slash < 0 ? key : key[..slash], NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is <= 0 or > 65535) continue;
                // sctp is exposed by some images; -P leaves it unpublished rather than failing the run.
                if (proto is not ("tcp" or "udp")) continue;
                if (result.Any(b => b.ContainerPort == port && b.Protocol == proto)) continue;
                result.Add(new PortBinding("0.0.0.0", 0, port, proto));
            }
        }

        return result;
    }

    private static ContainerizeException Invalid(string raw, string message) =>
        new(RuntimeErrors.InvalidPortSpec, $"invalid -p '{raw}': {message}",
            hint: "write -p [IP:][HOST_PORT:]CONTAINER_PORT[/tcp|udp], e.g. -p 8080:8080, -p 127.0.0.1::80, -p 9000-9002:9000-9002/udp");
}
