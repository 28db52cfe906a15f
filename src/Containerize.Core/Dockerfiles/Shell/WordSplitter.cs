using System.Text;

namespace Containerize.Core.Dockerfiles.Shell;

/// <summary>
/// Collects the words of <see cref="ShellLexer.ProcessWords"/>: white space from plain text or from a
/// variable's value ends a word, text from quotes or escapes never does.
/// </summary>
/// <remarks>
/// The buffer of the word being built is shared by every nesting level of one expansion, as in BuildKit,
/// where each nested <c>${...}</c> clears it: <c>a${X:-b}</c> splits to <c>b</c>, not <c>ab</c>. Docker behaves
/// so (EXPOSE and heredoc detection use this path), so we keep it.
/// </remarks>
internal sealed class WordSplitter(StringBuilder buffer)
{
    private readonly List<string> _words = [];
    private bool _inWord;

    public void AddChar(int rune)
    {
        if (RuneScanner.IsSpace(rune))
        {
            if (_inWord && buffer.Length != 0)
            {
                _words.Add(buffer.ToString());
                buffer.Clear();
                _inWord = false;
            }
        }
        else
        {
            AddRawChar(rune);
        }
    }

    public void AddRawChar(int rune)
    {
        RuneScanner.Append(buffer, rune);
        _inWord = true;
    }

    public void AddString(string text)
    {
        foreach (var rune in text.EnumerateRunes()) AddChar(rune.Value);
    }

    public void AddRawString(string text)
    {
        buffer.Append(text);
        _inWord = true;
    }

    public List<string> GetWords()
    {
        if (buffer.Length > 0)
        {
            _words.Add(buffer.ToString());
            buffer.Clear();
            _inWord = false;
        }

        return _words;
    }
}
