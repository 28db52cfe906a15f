using System.Text;

namespace Containerize.Core.Dockerfiles.Shell;

/// <summary>
/// The state of one expansion: the scanner over the word, the variables looked up, the shared word buffer.
/// A new one per call keeps <see cref="ShellLexer"/> immutable and safe to share between threads.
/// The structure follows BuildKit's <c>shellWord</c> closely, because its quirks are Docker's behaviour.
/// </summary>
internal sealed class ShellWordProcessor
{
    private readonly ShellLexer _lexer;
    private readonly IReadOnlyDictionary<string, string> _env;
    private readonly RuneScanner _scanner;
    private readonly StringBuilder _wordsBuffer = new();
    private bool _rawEscapes;
    private int _depth;

    public ShellWordProcessor(ShellLexer lexer, string word, IReadOnlyDictionary<string, string> env)
    {
        _lexer = lexer;
        _env = env;
        _scanner = new RuneScanner(word);
        _rawEscapes = lexer.RawEscapes;
    }

    public HashSet<string> Matched { get; } = new(StringComparer.Ordinal);

    public HashSet<string> Unmatched { get; } = new(StringComparer.Ordinal);

    public (string Result, List<string> Words) Process() => ProcessStopOn(RuneScanner.Eof, _lexer.RawEscapes);

    /// <summary>Processes up to <paramref name="stopChar"/> (consumed) or the end of the input.</summary>
    private (string Result, List<string> Words) ProcessStopOn(int stopChar, bool rawEscapes)
    {
        var result = new StringBuilder();
        _wordsBuffer.Clear();
        var words = new WordSplitter(_wordsBuffer);
        var savedRawEscapes = _rawEscapes;
        _rawEscapes = rawEscapes;
        try
        {
            while (_scanner.Peek() != RuneScanner.Eof)
            {
                var ch = _scanner.Peek();
                if (stopChar != RuneScanner.Eof && ch == stopChar)
                {
                    _scanner.Next();
                    return (result.ToString(), words.GetWords());
                }

                var special = ch switch
                {
                    '$' => ProcessDollar(),
                    '<' => ProcessPossibleHeredoc(),
                    '\'' when !_lexer.SkipProcessQuotes => ProcessSingleQuote(),
                    '"' when !_lexer.SkipProcessQuotes => ProcessDoubleQuote(),
                    _ => null,
                };
                if (special is not null)
                {
                    result.Append(special);

                    // Only text from a variable splits into words; quoted text stays whole.
                    if (ch == '$') words.AddString(special);
                    else words.AddRawString(special);
                    continue;
                }

                ch = _scanner.Next();
                if (ch == _lexer.EscapeToken)
                {
                    if (_rawEscapes)
                    {
                        words.AddRawChar(ch);
                        RuneScanner.Append(result, ch);
                    }

                    // A lone escape character at the end is dropped.
                    ch = _scanner.Next();
                    if (ch == RuneScanner.Eof) break;
                    words.AddRawChar(ch);
                }
                else
                {
                    words.AddChar(ch);
                }

                RuneScanner.Append(result, ch);
            }

            if (stopChar != RuneScanner.Eof)
            {
                throw new ShellExpansionException(
                    stopChar == '/' ? ShellLexerErrors.MissingSlash : ShellLexerErrors.MissingBrace,
                    $"unexpected end of statement while looking for matching {RuneScanner.ToText(stopChar)}");
            }

            return (result.ToString(), words.GetWords());
        }
        finally
        {
            _rawEscapes = savedRawEscapes;
        }
    }

    /// <summary>Everything up to the next <c>'</c> is literal; a single quote cannot be escaped inside.</summary>
    private string ProcessSingleQuote()
    {
        var result = new StringBuilder();
        var ch = _scanner.Next();
        if (_lexer.RawQuotes) RuneScanner.Append(result, ch);
        while (true)
        {
            ch = _scanner.Next();
            if (ch == RuneScanner.Eof)
            {
                throw new ShellExpansionException(
                    ShellLexerErrors.UnterminatedQuote, "unexpected end of statement while looking for matching single-quote");
            }

            if (ch == '\'')
            {
                if (_lexer.RawQuotes) RuneScanner.Append(result, ch);
                return result.ToString();
            }

            RuneScanner.Append(result, ch);
        }
    }

    /// <summary>
    /// Literal up to the next <c>"</c> except for <c>$</c> substitutions; the escape character escapes only
    /// <c>"</c>, <c>$</c> and itself and is kept before anything else.
    /// </summary>
    private string ProcessDoubleQuote()
    {
        var result = new StringBuilder();
        var ch = _scanner.Next();
        if (_lexer.RawQuotes) RuneScanner.Append(result, ch);
        while (true)
        {
            switch (_scanner.Peek())
            {
                case RuneScanner.Eof:
                    throw new ShellExpansionException(
                        ShellLexerErrors.UnterminatedQuote, "unexpected end of statement while looking for matching double-quote");
                case '"':
                    ch = _scanner.Next();
                    if (_lexer.RawQuotes) RuneScanner.Append(result, ch);
                    return result.ToString();
                case '$':
                    result.Append(ProcessDollar());
                    break;
                default:
                    ch = _scanner.Next();
                    if (ch == _lexer.EscapeToken)
                    {
                        // With raw escapes an escape before an ordinary character comes out twice; BuildKit does the same.
                        if (_rawEscapes) RuneScanner.Append(result, ch);
                        var next = _scanner.Peek();
                        if (next == RuneScanner.Eof) continue;
                        if (next == '"' || next == '$' || next == _lexer.EscapeToken) ch = _scanner.Next();
                    }

                    RuneScanner.Append(result, ch);
                    break;
            }
        }
    }

    private string ProcessDollar()
    {
        _scanner.Next();

        if (_scanner.Peek() != '{')
        {
            var plainName = ProcessName();
            if (plainName.Length == 0) return "$";
            var (plainValue, found) = GetEnv(plainName);
            return !found && _lexer.SkipUnsetEnv ? "$" + plainName : plainValue;
        }

        _scanner.Next();
        switch (_scanner.Peek())
        {
            case RuneScanner.Eof:
                throw new ShellExpansionException(ShellLexerErrors.MissingBrace, "syntax error: missing '}'");
            case '{' or '}' or ':':
                throw new ShellExpansionException(ShellLexerErrors.BadSubstitution, "syntax error: bad substitution");
        }

        if (++_depth > ShellLexer.MaxNesting)
        {
            throw new ShellExpansionException(
                ShellLexerErrors.NestingTooDeep, $"substitutions nested deeper than {ShellLexer.MaxNesting} levels");
        }

        try
        {
            var name = ProcessName();
            var ch = _scanner.Next();
            var chs = RuneScanner.ToText(ch);
            switch (ch)
            {
                case '}':
                    var (value, set) = GetEnv(name);
                    return !set && _lexer.SkipUnsetEnv ? $"${{{name}}}" : value;
                case ':':
                    ch = _scanner.Next();
                    chs += RuneScanner.ToText(ch);
                    return ProcessModifier(name, ch, chs, nullIsUnset: true);
                case '+' or '-' or '?' or '#' or '%':
                    return ProcessModifier(name, ch, chs, nullIsUnset: false);
                case '/':
                    return ProcessReplace(name);
                case RuneScanner.Eof:
                    // BuildKit reports "unsupported modifier (\uFFFD)" here; the input simply ends inside ${...}.
                    throw new ShellExpansionException(ShellLexerErrors.MissingBrace, "syntax error: missing '}'");
                default:
                    throw UnsupportedModifier(chs);
            }
        }
        finally
        {
            _depth--;
        }
    }

    /// <summary><c>${V-w}</c> <c>${V+w}</c> <c>${V?w}</c> <c>${V#p}</c> <c>${V%p}</c> and their <c>:</c> forms.</summary>
    private string ProcessModifier(string name, int ch, string chs, bool nullIsUnset)
    {
        // Patterns keep their escapes: the pattern syntax gives \* \? \\ their meaning.
        var rawEscapes = ch is '#' or '%';
        if (nullIsUnset && rawEscapes) throw UnsupportedModifier(chs);

        var word = ProcessNested('}', rawEscapes, ShellLexerErrors.MissingBrace, "syntax error: missing '}'");
        var (value, set) = GetEnv(name);
        if (_lexer.SkipUnsetEnv && !set) return $"${{{name}{chs}{word}}}";

        var unsetOrNull = !set || (nullIsUnset && value.Length == 0);
        switch (ch)
        {
            case '-':
                return unsetOrNull ? word : value;
            case '+':
                return unsetOrNull ? "" : word;
            case '?':
                if (!set) throw RequiredVariable(name, word, "is not allowed to be unset");
                if (nullIsUnset && value.Length == 0) throw RequiredVariable(name, word, "is not allowed to be empty");
                return value;
            case '#' or '%':
                // A doubled operator (## or %%) takes the longest match; the check runs on the expanded word, as BuildKit's does.
                var greedy = word.Length > 0 && word[0] == ch;
                if (greedy) word = word[1..];
                return ch == '%' ? ShellPattern.TrimSuffix(word, value, greedy) : ShellPattern.TrimPrefix(word, value, greedy);
            default:
                throw UnsupportedModifier(chs);
        }
    }

    /// <summary><c>${V/p/r}</c> and <c>${V//p/r}</c>.</summary>
    private string ProcessReplace(string name)
    {
        var replaceAll = _scanner.Peek() == '/';
        if (replaceAll) _scanner.Next();

        var pattern = ProcessNested('/', true, ShellLexerErrors.MissingSlash, "syntax error: missing '/' in ${}");
        var replacement = ProcessNested('}', true, ShellLexerErrors.MissingBrace, "syntax error: missing '}'");

        var (value, set) = GetEnv(name);

        // BuildKit writes a single '/' back here even for the replace-all form.
        if (_lexer.SkipUnsetEnv && !set) return $"${{{name}/{pattern}/{replacement}}}";
        return ShellPattern.Replace(pattern, value, replacement, replaceAll);
    }

    /// <summary>A nested part of <c>${...}</c>; any error at the end of the input becomes the given one.</summary>
    private string ProcessNested(int stopChar, bool rawEscapes, string eofCode, string eofMessage)
    {
        try
        {
            return ProcessStopOn(stopChar, rawEscapes).Result;
        }
        catch (ShellExpansionException) when (_scanner.Peek() == RuneScanner.Eof)
        {
            throw new ShellExpansionException(eofCode, eofMessage);
        }
    }

    /// <summary>
    /// A name: letters, digits and underscores; or a run of digits (positional, <c>$999aaa</c> is <c>999</c>);
    /// or one special parameter character.
    /// </summary>
    private string ProcessName()
    {
        var name = new StringBuilder();
        while (_scanner.Peek() != RuneScanner.Eof)
        {
            var ch = _scanner.Peek();
            if (name.Length == 0 && RuneScanner.IsDigit(ch))
            {
                while (RuneScanner.IsDigit(_scanner.Peek())) RuneScanner.Append(name, _scanner.Next());
                return name.ToString();
            }

            if (name.Length == 0 && IsSpecialParam(ch)) return RuneScanner.ToText(_scanner.Next());
            if (!RuneScanner.IsLetter(ch) && !RuneScanner.IsDigit(ch) && ch != '_') break;
            RuneScanner.Append(name, _scanner.Next());
        }

        return name.ToString();
    }

    /// <summary><c>&lt;&lt;</c> and the white space after it stay one unit, so heredoc markers survive word splitting.</summary>
    private string ProcessPossibleHeredoc()
    {
        _scanner.Next();
        if (_scanner.Peek() != '<') return "<";
        _scanner.Next();
        var result = new StringBuilder("<<");
        while (_scanner.Peek() is '\t' or '\r' or ' ') RuneScanner.Append(result, _scanner.Next());
        return result.ToString();
    }

    private static bool IsSpecialParam(int ch) => ch is '@' or '*' or '#' or '?' or '-' or '$' or '!' or '0';

    private (string Value, bool Set) GetEnv(string name)
    {
        if (_env.TryGetValue(name, out var value))
        {
            Matched.Add(name);
            return (value, true);
        }

        Unmatched.Add(name);
        return ("", false);
    }

    private static ShellExpansionException UnsupportedModifier(string chs) =>
        new(ShellLexerErrors.UnsupportedModifier, $"unsupported modifier ({chs}) in substitution");

    private static ShellExpansionException RequiredVariable(string name, string word, string fallback) =>
        new(ShellLexerErrors.RequiredVariable, $"{name}: {(word.Length > 0 ? word : fallback)}");
}
