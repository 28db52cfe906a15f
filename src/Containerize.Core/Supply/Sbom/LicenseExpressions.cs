namespace Containerize.Core.Supply.Sbom;

/// <summary>
/// A conservative check of SPDX license expression syntax (ids, LicenseRef-, AND/OR/WITH, parentheses): a package's
/// declared text that is not one (an apk's "MIT BSD", a free-form nuspec) is kept as a comment instead, so the
/// document stays valid for strict readers.
/// </summary>
public static class LicenseExpressions
{
    public static bool IsValid(string? expression)
    {
        if (string.IsNullOrWhiteSpace(expression) || expression.Length > 1024) return false;
        var tokens = expression.Replace("(", " ( ").Replace(")", " ) ").Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var depth = 0;
        var expectOperand = true;
        foreach (var t in tokens)
        {
            if (t == "(")
            {
                if (!expectOperand) return false;
                depth++;
            }
            else if (t == ")")
            {
                if (expectOperand || --depth < 0) return false;
            }
            else if (t is "AND" or "OR" or "WITH")
            {
                if (expectOperand) return false;
                expectOperand = true;
            }
            else
            {
                if (!expectOperand || !IsId(t)) return false;
                expectOperand = false;
            }
        }

        return depth == 0 && !expectOperand;
    }

    private static bool IsId(string t)
    {
        var s = t.EndsWith('+') ? t[..^1] : t;
        return s.Length > 0 && s.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or ':');
    }
}
