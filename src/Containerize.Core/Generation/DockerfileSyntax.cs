using System.Globalization;
using System.Text;

namespace Containerize.Core.Generation;

/// <summary>Quoting for the Dockerfile forms the generator writes: JSON arrays and double-quoted values.</summary>
internal static class DockerfileSyntax
{
    /// <summary>A JSON array, the exec form of ENTRYPOINT and CMD and the form of COPY that allows spaces.</summary>
    public static string JsonArray(IEnumerable<string> items) => "[" + string.Join(", ", items.Select(JsonString)) + "]";

    public static string JsonString(string s)
    {
        var b = new StringBuilder(s.Length + 2).Append('"');
        foreach (var ch in s)
        {
            switch (ch)
            {
                case '"': b.Append("\\\""); break;
                case '\\': b.Append("\\\\"); break;
                case '\n': b.Append("\\n"); break;
                case '\r': b.Append("\\r"); break;
                case '\t': b.Append("\\t"); break;
                case < ' ': b.Append("\\u").Append(((int)ch).ToString("x4", CultureInfo.InvariantCulture)); break;
                default: b.Append(ch); break;
            }
        }

        return b.Append('"').ToString();
    }

    /// <summary>
    /// A double-quoted word for ENV and LABEL: '\', '"' and '$' are escaped so the value is taken literally (no variable
    /// expansion), and line breaks become spaces because an instruction is one logical line.
    /// </summary>
    public static string Quote(string s)
    {
        var b = new StringBuilder(s.Length + 2).Append('"');
        var lastWasBreak = false;
        foreach (var ch in s)
        {
            if (ch is '\r' or '\n')
            {
                if (!lastWasBreak) b.Append(' ');
                lastWasBreak = true;
                continue;
            }

            lastWasBreak = false;
            if (ch is '\\' or '"' or '$') b.Append('\\');
            b.Append(ch);
        }

        return b.Append('"').ToString();
    }

    /// <summary>An argument for a shell-form RUN: left bare when it is plainly safe, else single-quoted.</summary>
    public static string ShellWord(string s) =>
        s.Length > 0 && s.All(ch => char.IsAsciiLetterOrDigit(ch) || ch is '/' or '.' or '-' or '_' or ':' or '=' or '+' or ',')
            ? s
            : "'" + s.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
}
