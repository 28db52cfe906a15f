using System.Globalization;
using Containerize.Core.Diagnostics;

namespace Containerize.Core.Dockerfiles.Instructions;

/// <summary>
/// EXPOSE's words as the image config's ExposedPorts keys, by BuildKit's dispatchExpose, which hands them to
/// go-connections' nat.ParsePortSpecs (<see cref="PortSpec"/>): only the container port and the protocol are kept,
/// and a range stands for each of its ports: <c>9000-9002</c> is 9000/tcp, 9001/tcp and 9002/tcp.
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
        if (!PortSpec.TryParse(raw, out var spec, out var error)) throw Invalid(raw, error);
        for (var port = spec.ContainerStart; port <= spec.ContainerEnd; port++) yield return port.ToString(CultureInfo.InvariantCulture) + "/" + spec.Protocol;
    }

    private static ContainerizeException Invalid(string raw, string message) =>
        new(DockerfileErrors.InvalidExposedPort, $"EXPOSE {raw}: {message}", hint:
            "write EXPOSE port[/tcp|udp|sctp] or a range start-end[/proto] with ports 0-65535 and start not above end, e.g. EXPOSE 8080 9000-9002/udp");
}
