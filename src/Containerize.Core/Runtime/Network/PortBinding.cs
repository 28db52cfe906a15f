using System.Globalization;

namespace Containerize.Core.Runtime.Network;

/// <summary>
/// One published port: connections to <see cref="HostIp"/>:<see cref="HostPort"/> on the host reach
/// <see cref="ContainerPort"/>/<see cref="Protocol"/> in the container. A request not yet placed has HostPort 0
/// (any free port, as `-P` and `-p 8080` ask); <see cref="HostPortEnd"/> above HostPort is a range to pick one from.
/// </summary>
public sealed record PortBinding(string HostIp, int HostPort, int ContainerPort, string Protocol)
{
    public int HostPortEnd { get; init; } = 0;

    /// <summary>The image config's and docker's key: "8080/tcp".</summary>
    public string ContainerKey => ContainerPort.ToString(CultureInfo.InvariantCulture) + "/" + Protocol;

    /// <summary>Go's net.JoinHostPort: "0.0.0.0:32768", "[::1]:8080".</summary>
    public string HostEndpoint => JoinHostPort(HostIp, HostPort.ToString(CultureInfo.InvariantCulture));

    public static string JoinHostPort(string host, string port) => host.Contains(':', StringComparison.Ordinal) ? $"[{host}]:{port}" : $"{host}:{port}";
}
