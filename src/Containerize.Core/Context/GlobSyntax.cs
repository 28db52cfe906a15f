namespace Containerize.Core.Context;

/// <summary>
/// The syntax check Docker runs on every pattern: Go's <c>filepath.Match(pattern, ".")</c> fails exactly when the
/// pattern is malformed (an unclosed or empty class, a bad range, a trailing backslash), whatever the name. Only
/// the validation is reproduced here; matching itself goes through <see cref="IgnorePattern"/>.
/// </summary>
internal static class GlobSyntax
{
    /// <summary>Null when the pattern is well formed, else why not.</summary>
    public static string? Validate(string pattern)
    {
        var rest = pattern.AsSpan();
        while (rest.Length > 0)
        {
            // scanChunk: skip stars, then take up to the next star outside a class.
            while (rest.Length > 0 && rest[0] == '*') rest = rest[1..];
            var inRange = false;
            var i = 0;
            for (; i < rest.Length; i++)
            {
                var c = rest[i];
                if (c == '\\')
                {
                    if (i + 1 < rest.Length) i++;
                }
                else if (c == '[') inRange = true;
                else if (c == ']') inRange = false;
                else if (c == '*' && !inRange) break;
            }

            var error = ValidateChunk(rest[..i]);
            if (error is not null) return error;
            rest = rest[i..];
        }

        return null;
    }

    private static string? ValidateChunk(ReadOnlySpan<char> chunk)
    {
        while (chunk.Length > 0)
        {
            switch (chunk[0])
            {
                case '[':
                    chunk = chunk[1..];
                    if (chunk.Length > 0 && chunk[0] == '^') chunk = chunk[1..];
                    var ranges = 0;
                    while (true)
                    {
                        if (chunk.Length > 0 && chunk[0] == ']' && ranges > 0)
                        {
                            chunk = chunk[1..];
                            break;
                        }

                        if (!TakeClassChar(ref chunk)) return "malformed character class";
                        if (chunk[0] == '-')
                        {
                            chunk = chunk[1..];
                            if (!TakeClassChar(ref chunk)) return "malformed character range";
                        }

                        ranges++;
                    }

                    break;
                case '\\':
                    chunk = chunk[1..];
                    if (chunk.Length == 0) return "trailing backslash";
                    chunk = chunk[1..];
                    break;
                default:
                    chunk = chunk[1..];
                    break;
            }
        }

        return null;
    }

    // getEsc: one (possibly escaped) class character, which must be followed by more pattern.
    private static bool TakeClassChar(ref ReadOnlySpan<char> chunk)
    {
        if (chunk.Length == 0 || chunk[0] == '-' || chunk[0] == ']') return false;
        if (chunk[0] == '\\')
        {
            chunk = chunk[1..];
            if (chunk.Length == 0) return false;
        }

        var width = char.IsHighSurrogate(chunk[0]) && chunk.Length > 1 && char.IsLowSurrogate(chunk[1]) ? 2 : 1;
        chunk = chunk[width..];
        return chunk.Length > 0;
    }
}
