using Containerize.Core.Dockerfiles.Shell;

namespace Containerize.Core.Dockerfiles.Stages;

/// <summary>The production <see cref="IWordExpander"/>: BuildKit's shell lexer with the Dockerfile's escape character.</summary>
public sealed class ShellWordExpander(char escapeToken = '\\') : IWordExpander
{
    private readonly ShellLexer _lexer = new(escapeToken);

    // BuildKit expands heredoc bodies with a fresh lexer: backslash escape whatever the directive, quotes kept.
    private readonly ShellLexer _raw = new('\\') { SkipProcessQuotes = true };

    public WordExpansion ExpandWord(string word, IReadOnlyDictionary<string, string> env)
    {
        var r = _lexer.ProcessWord(word, env);
        return new WordExpansion(r.Result, r.Matched, r.Unmatched);
    }

    public WordsExpansion ExpandWords(string word, IReadOnlyDictionary<string, string> env)
    {
        var r = _lexer.ProcessWords(word, env);
        return new WordsExpansion(r.Words, r.Matched, r.Unmatched);
    }

    public WordExpansion ExpandRaw(string text, IReadOnlyDictionary<string, string> env)
    {
        var r = _raw.ProcessWord(text, env);
        return new WordExpansion(r.Result, r.Matched, r.Unmatched);
    }
}
