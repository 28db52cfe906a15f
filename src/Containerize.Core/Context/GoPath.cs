namespace Containerize.Core.Context;

/// <summary>
/// Go's <c>path/filepath.Clean</c> for '/'-separated paths. Docker cleans every pattern and path this way, so the
/// same lexical rules (collapse "//", drop ".", resolve "..", no trailing "/") must apply here or matching drifts.
/// </summary>
public static class GoPath
{
    public static string Clean(string path)
    {
        if (path.Length == 0) return ".";
        var rooted = path[0] == '/';
        var parts = new List<string>();
        var dotDots = 0; // leading ".." kept in a relative path
        foreach (var segment in path.Split('/'))
        {
            if (segment.Length == 0 || segment == ".") continue;
            if (segment == "..")
            {
                if (parts.Count > dotDots) parts.RemoveAt(parts.Count - 1);
                else if (!rooted)
                {
                    parts.Add("..");
                    dotDots++;
                }

                continue;
            }

            parts.Add(segment);
        }

        var joined = string.Join('/', parts);
        if (rooted) return "/" + joined;
        return joined.Length == 0 ? "." : joined;
    }

    /// <summary>Go's <c>filepath.Dir</c>: everything before the last '/', cleaned; "." when there is none.</summary>
    public static string Dir(string path)
    {
        var i = path.LastIndexOf('/');
        return i < 0 ? "." : Clean(path[..(i + 1)]);
    }

    /// <summary>
    /// Orders names as Go does (byte-wise on UTF-8). Ordinal UTF-16 order differs only where a surrogate pair meets
    /// a character in U+E000..U+FFFF, which this corrects.
    /// </summary>
    public static int CompareOrdinalUtf8(string a, string b)
    {
        var i = a.AsSpan().CommonPrefixLength(b);
        if (i == a.Length || i == b.Length) return a.Length.CompareTo(b.Length);
        var x = a[i];
        var y = b[i];
        return x >= 0xD800 && y >= 0xD800 ? Fix(x).CompareTo(Fix(y)) : x.CompareTo(y);

        // Surrogates encode code points above U+FFFF, which sort after U+E000..U+FFFF in UTF-8.
        static int Fix(char c) => c is >= '\uD800' and <= '\uDFFF' ? c + 0x2000 : c - 0x800;
    }

    public static readonly Comparer<string> Utf8Comparer = Comparer<string>.Create(CompareOrdinalUtf8);
}
