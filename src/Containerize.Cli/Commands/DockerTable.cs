namespace Containerize.Cli.Commands;

/// <summary>
/// The docker CLI's tables: Go's tabwriter with a minimum cell width of 10 and a padding of 3, the last column not
/// padded, so a script that cuts docker's columns cuts ours the same way.
/// </summary>
internal static class DockerTable
{
    public static void Write(TextWriter output, IReadOnlyList<string> header, IEnumerable<IReadOnlyList<string>> rows)
    {
        var all = rows.Prepend(header).ToList();
        var widths = header.Select((_, i) => Math.Max(10, all.Max(r => Width(r[i])) + 3)).ToArray();
        foreach (var row in all)
        {
            output.WriteLine(string.Concat(row.Select((c, i) => i == row.Count - 1 ? c : c + new string(' ', widths[i] - Width(c)))));
        }
    }

    private static int Width(string text) => text.EnumerateRunes().Count();
}
