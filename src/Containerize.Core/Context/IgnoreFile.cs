using Containerize.Core.Os;
using System.Text;
using Containerize.Core.Diagnostics;

namespace Containerize.Core.Context;

/// <summary>One pattern line of an ignore file, with its 1-based line number.</summary>
public readonly record struct IgnoreLine(string Pattern, int Line);

/// <summary>
/// Reads a .dockerignore as moby/patternmatcher's <c>ignorefile.ReadAll</c> does, keeping line numbers so that
/// errors and explanations can point at the line.
/// </summary>
public static class IgnoreFile
{
    public const string DefaultName = ".dockerignore";

    // bufio.Scanner's default limit: upstream fails on a longer line, and so do we rather than guess.
    private const int MaxLineBytes = 64 * 1024;

    /// <summary>Parses ignore-file text. Null text (no file) gives no patterns.</summary>
    public static IReadOnlyList<IgnoreLine> Parse(string? text, string? file = null)
    {
        if (text is null) return [];
        var result = new List<IgnoreLine>();
        var lineNumber = 0;
        var start = 0;
        while (start < text.Length)
        {
            var end = text.IndexOf('\n', start);
            var line = end < 0 ? text[start..] : text[start..end];
            start = end < 0 ? text.Length : end + 1;
            if (line.EndsWith('\r')) line = line[..^1];
            if (lineNumber == 0 && line.StartsWith('\uFEFF')) line = line[1..];
            lineNumber++;
            if (Encoding.UTF8.GetByteCount(line) >= MaxLineBytes)
            {
                throw new ContainerizeException(ContextErrors.IgnoreFileUnreadable, "line too long", file, lineNumber,
                    "an ignore-file line must be shorter than 64 KiB");
            }

            // Only a '#' in the very first column starts a comment, before any trimming.
            if (line.StartsWith('#')) continue;
            var pattern = TrimGo(line);
            if (pattern.Length == 0) continue;
            var invert = pattern[0] == '!';
            if (invert) pattern = TrimGo(pattern[1..]);
            if (pattern.Length > 0)
            {
                pattern = GoPath.Clean(pattern);
                if (pattern.Length > 1 && pattern[0] == '/') pattern = pattern[1..];
            }

            result.Add(new IgnoreLine(invert ? "!" + pattern : pattern, lineNumber));
        }

        return result;
    }

    /// <summary>Reads and parses an ignore file; a missing file gives no patterns. Its symlinks are followed as the OS does: see <see cref="Locate"/>.</summary>
    public static async Task<IReadOnlyList<IgnoreLine>> ReadAsync(string path, CancellationToken cancellationToken)
    {
        byte[] bytes;
        try
        {
            bytes = await File.ReadAllBytesAsync(path, cancellationToken).ConfigureAwait(false);
        }
        catch (FileNotFoundException)
        {
            return [];
        }
        catch (DirectoryNotFoundException)
        {
            return [];
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ContainerizeException(ContextErrors.IgnoreFileUnreadable, $"cannot read the ignore file: {e.Message}", path, null,
                "check the file's permissions", e);
        }

        // Decoded without BOM detection: Parse strips a BOM on the first line itself, as upstream does.
        var text = new UTF8Encoding(false, false).GetString(bytes);
        return Parse(text, path);
    }

    /// <summary>
    /// Which ignore file applies, as BuildKit decides: <c>&lt;Dockerfile name&gt;.dockerignore</c> beside the
    /// Dockerfile when it exists, else <c>.dockerignore</c> at the context root; null when neither exists. Name is
    /// that file, Content the file its patterns are read from: BuildKit reads it from the folder as sent, so a symlink
    /// is followed inside that folder (the Dockerfile's, or the context root) and never on this machine; a link to a
    /// host file, or one that leads nowhere inside, is no ignore file.
    /// </summary>
    public static (string Name, string Content)? Locate(string contextDir, string? dockerfilePath)
    {
        if (dockerfilePath is not null && Inside(Path.GetDirectoryName(dockerfilePath)!, Path.GetFileName(dockerfilePath) + DefaultName) is { } specific)
        {
            return (dockerfilePath + DefaultName, specific);
        }

        return Inside(contextDir, DefaultName) is { } root ? (Path.Combine(contextDir, DefaultName), root) : null;
    }

    private static string? Inside(string folder, string name)
    {
        if (ScopedPath.ResolveOnDisk(folder, name) is not { Path.Length: > 0 } r) return null;
        var path = Path.Combine(folder, r.Path);
        return File.Exists(path) ? path : null;
    }

    // Go's strings.TrimSpace: Unicode white space, which .NET's Trim also uses.
    private static string TrimGo(string s) => s.Trim();
}
