namespace Containerize.Core.Dockerfiles.Stages;

/// <summary>A word after variable expansion, with the variables it named that were set (Matched) and unset (Unmatched).</summary>
public sealed record WordExpansion(string Result, IReadOnlySet<string> Matched, IReadOnlySet<string> Unmatched);

/// <summary>Words after expansion and word splitting (EXPOSE), with the variables they named.</summary>
public sealed record WordsExpansion(IReadOnlyList<string> Words, IReadOnlySet<string> Matched, IReadOnlySet<string> Unmatched);

/// <summary>
/// Variable expansion as BuildKit's shell lexer does it. The stage planner depends on this seam rather than on the lexer
/// directly, so a test can substitute it and the lexer can evolve on its own.
/// </summary>
public interface IWordExpander
{
    WordExpansion ExpandWord(string word, IReadOnlyDictionary<string, string> env);

    WordsExpansion ExpandWords(string word, IReadOnlyDictionary<string, string> env);

    /// <summary>Expansion of heredoc content (COPY/ADD with an unquoted terminator): quotes are ordinary characters.</summary>
    WordExpansion ExpandRaw(string text, IReadOnlyDictionary<string, string> env);
}
