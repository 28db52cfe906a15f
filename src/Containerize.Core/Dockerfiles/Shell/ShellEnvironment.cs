namespace Containerize.Core.Dockerfiles.Shell;

/// <summary>Builds the variable map the lexer reads from the <c>KEY[=VALUE]</c> lists Docker passes around.</summary>
public static class ShellEnvironment
{
    public static IReadOnlyDictionary<string, string> Empty { get; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>
    /// Splits each entry at its first <c>=</c>; an entry without <c>=</c> is a variable set to the empty string;
    /// a later duplicate replaces an earlier one. Names are case-sensitive, as on Linux.
    /// </summary>
    public static IReadOnlyDictionary<string, string> FromList(IEnumerable<string> entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        var env = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var entry in entries)
        {
            var eq = entry.IndexOf('=', StringComparison.Ordinal);
            if (eq < 0) env[entry] = "";
            else env[entry[..eq]] = entry[(eq + 1)..];
        }

        return env;
    }
}
