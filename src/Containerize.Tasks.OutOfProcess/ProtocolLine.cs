using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace Containerize.Tasks.OutOfProcess;

/// <summary>
/// One line of the host's protocol (Core's <c>DiagnosticLines</c>): a flat JSON object of strings and numbers. The
/// netstandard2.0 task has no JSON library it could count on in every MSBuild, and needs no more than this.
/// </summary>
internal static class ProtocolLine
{
    /// <summary>The object's members, or null when the line is not one flat JSON object.</summary>
    public static Dictionary<string, string>? Parse(string line)
    {
        var p = new Parser(line);
        try
        {
            return p.Object();
        }
        catch (FormatException)
        {
            return null;
        }
    }

    private sealed class Parser(string text)
    {
        private int _at;

        public Dictionary<string, string> Object()
        {
            var result = new Dictionary<string, string>(StringComparer.Ordinal);
            Skip();
            Expect('{');
            Skip();
            if (Peek() == '}')
            {
                _at++;
                return End(result);
            }

            while (true)
            {
                Skip();
                var name = String();
                Skip();
                Expect(':');
                Skip();
                result[name] = Value();
                Skip();
                if (Peek() == ',')
                {
                    _at++;
                    continue;
                }

                Expect('}');
                return End(result);
            }
        }

        private Dictionary<string, string> End(Dictionary<string, string> result)
        {
            Skip();
            if (_at != text.Length) throw new FormatException();
            return result;
        }

        private string Value()
        {
            var c = Peek();
            if (c == '"') return String();
            var start = _at;
            while (_at < text.Length && (char.IsLetterOrDigit(text[_at]) || text[_at] is '-' or '+' or '.')) _at++;
            if (_at == start) throw new FormatException();
            return text.Substring(start, _at - start);
        }

        private string String()
        {
            Expect('"');
            var b = new StringBuilder();
            while (true)
            {
                if (_at >= text.Length) throw new FormatException();
                var c = text[_at++];
                if (c == '"') return b.ToString();
                if (c != '\\')
                {
                    b.Append(c);
                    continue;
                }

                if (_at >= text.Length) throw new FormatException();
                var e = text[_at++];
                switch (e)
                {
                    case '"': b.Append('"'); break;
                    case '\\': b.Append('\\'); break;
                    case '/': b.Append('/'); break;
                    case 'b': b.Append('\b'); break;
                    case 'f': b.Append('\f'); break;
                    case 'n': b.Append('\n'); break;
                    case 'r': b.Append('\r'); break;
                    case 't': b.Append('\t'); break;
                    case 'u':
                        if (_at + 4 > text.Length || !int.TryParse(text.Substring(_at, 4), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var code)) throw new FormatException();
                        b.Append((char)code);
                        _at += 4;
                        break;
                    default: throw new FormatException();
                }
            }
        }

        private char Peek() => _at < text.Length ? text[_at] : '\0';

        private void Expect(char c)
        {
            if (Peek() != c) throw new FormatException();
            _at++;
        }

        private void Skip()
        {
            while (_at < text.Length && char.IsWhiteSpace(text[_at])) _at++;
        }
    }
}
