using System.Net;
using System.Net.Sockets;
using Containerize.Core.Diagnostics;

namespace Containerize.Core.Runtime.Network;

/// <summary>
/// Places port requests on the host before the container starts: a requested port is checked by binding it (so a busy
/// one is docker's "port is already allocated" before anything runs), a free one is the kernel's choice of an
/// ephemeral port, as docker's allocator takes one from the same range. slirp4netns binds them right after; a port taken
/// in between is retried by the caller.
/// </summary>
public static class PortAllocator
{
    public static IReadOnlyList<PortBinding> Allocate(IReadOnlyList<PortBinding> requests, IReadOnlySet<(string Ip, int Port, string Protocol)>? avoid = null)
    {
        var placed = new List<PortBinding>();
        var taken = new HashSet<(string, int, string)>(avoid ?? new HashSet<(string, int, string)>());
        foreach (var request in requests)
        {
            var address = ParseHostIp(request.HostIp);
            PortBinding binding;
            if (request.HostPort == 0)
            {
                binding = request with { HostPort = FreePort(address, request.Protocol, taken) };
            }
            else
            {
                var last = Math.Max(request.HostPort, request.HostPortEnd);
                var port = Enumerable.Range(request.HostPort, last - request.HostPort + 1)
                    .FirstOrDefault(p => !taken.Contains((request.HostIp, p, request.Protocol)) && IsFree(address, p, request.Protocol), -1);
                if (port < 0) throw Allocated(request.HostIp, request.HostPortEnd > request.HostPort ? $"{request.HostPort}-{request.HostPortEnd}" : request.HostPort.ToString(System.Globalization.CultureInfo.InvariantCulture));
                binding = request with { HostPort = port, HostPortEnd = 0 };
            }

            taken.Add((binding.HostIp, binding.HostPort, binding.Protocol));
            placed.Add(binding);
        }

        return placed;
    }

    /// <summary>Docker's message for a host port another process (or container) holds.</summary>
    public static ContainerizeException Allocated(string hostIp, string port) =>
        new(RuntimeErrors.PortAllocated, $"Bind for {PortBinding.JoinHostPort(hostIp, port)} failed: port is already allocated",
            hint: "another container or program listens there: choose another host port, or -p CONTAINER_PORT for any free one (containerize ps shows the containers' ports)");

    private static IPAddress ParseHostIp(string hostIp) =>
        IPAddress.TryParse(hostIp, out var address)
            ? address
            : throw new ContainerizeException(RuntimeErrors.InvalidPortSpec, $"invalid host address '{hostIp}'", hint: "give an IPv4 address, e.g. -p 127.0.0.1:8080:80");

    private static int FreePort(IPAddress address, string protocol, HashSet<(string, int, string)> taken)
    {
        for (var attempt = 0; attempt < 64; attempt++)
        {
            using var socket = Open(address, protocol);
            try
            {
                socket.Bind(new IPEndPoint(address, 0));
            }
            catch (SocketException e)
            {
                throw new ContainerizeException(RuntimeErrors.PortAllocated, $"no port can be bound on {address}: {e.Message}",
                    hint: "give a host address this machine has (-p 127.0.0.1::8080), or none for all of them");
            }

            var port = ((IPEndPoint)socket.LocalEndPoint!).Port;
            if (!taken.Contains((address.ToString(), port, protocol))) return port;
        }

        throw new ContainerizeException(RuntimeErrors.PortAllocated, $"no free {protocol} port on {address}", hint: "free some ports, or give host ports with -p");
    }

    private static bool IsFree(IPAddress address, int port, string protocol)
    {
        using var socket = Open(address, protocol);
        try
        {
            // Binding is the test: a listening or bound socket on the port makes it fail.
            socket.Bind(new IPEndPoint(address, port));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static Socket Open(IPAddress address, string protocol)
    {
        var socket = protocol == "udp"
            ? new Socket(address.AddressFamily, SocketType.Dgram, ProtocolType.Udp)
            : new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        // What slirp4netns does before binding: a port in TIME_WAIT from a removed container is free again.
        socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        return socket;
    }
}
