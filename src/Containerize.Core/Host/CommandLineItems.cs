using Containerize.Core.Diagnostics;
using Containerize.Core.Generation;

namespace Containerize.Core.Host;

/// <summary>
/// ContainerEnv, ContainerLabels and ContainerPorts: environment variables, labels and ports as ';'-lists in one property,
/// which a command line can set (items cannot be; the SDK's issue #451). Entries join the items of the same kind, after them.
/// </summary>
public static class CommandLineItems
{
    /// <summary><c>A=1;B=2</c>: each entry NAME=VALUE, the value may be empty and may hold '='.</summary>
    public static IReadOnlyList<NameValueItem> ParsePairs(string? list, string property, string? projectPath = null)
    {
        var result = new List<NameValueItem>();
        foreach (var entry in Entries(list))
        {
            var eq = entry.IndexOf('=');
            if (eq <= 0)
            {
                throw new ContainerizeException(GenerationErrors.InvalidCommandLineItem, $"{property} entry '{entry}' is not NAME=VALUE", projectPath,
                    hint: $"quote the whole list for the shell: '-p:{property}=\"A=1;B=2\"'");
            }

            result.Add(new NameValueItem(entry[..eq].Trim(), entry[(eq + 1)..]));
        }

        return result;
    }

    /// <summary><c>8080;53/udp</c>: the number and an optional /tcp or /udp, validated with the ContainerPort items.</summary>
    public static IReadOnlyList<ContainerPortItem> ParsePorts(string? list) => Entries(list).Select(e => new ContainerPortItem(e)).ToList();

    private static IEnumerable<string> Entries(string? list) =>
        (list ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
