using System.Reflection;
using Containerize.Core.Diagnostics;
using Containerize.Core.Dockerfiles.Shell;
using Containerize.Tests.Infrastructure;

namespace Containerize.Tests.Dockerfiles.Shell;

/// <summary>
/// Behaviour the conformance data does not cover: the backtick escape character, the four options, the
/// error codes. Expected values were checked against BuildKit's own lexer (lex.go at the corpus commit).
/// </summary>
[TestClass]
public sealed class ShellLexerTests
{
    private static readonly IReadOnlyDictionary<string, string> Env = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["PWD"] = "/home",
        ["X"] = "1",
        ["EMPTY"] = "",
        ["SPACED"] = " a  b ",
    };

    private static string Word(string word, ShellLexer? lexer = null, IReadOnlyDictionary<string, string>? env = null) =>
        (lexer ?? new ShellLexer()).ProcessWord(word, env ?? Env).Result;

    private static string[] Words(string word, ShellLexer? lexer = null, IReadOnlyDictionary<string, string>? env = null) =>
        [.. (lexer ?? new ShellLexer()).ProcessWords(word, env ?? Env).Words];

    private static ContainerizeException Fails(string word, ShellLexer? lexer = null, IReadOnlyDictionary<string, string>? env = null) =>
        Assert.ThrowsExactly<ContainerizeException>(() => (lexer ?? new ShellLexer()).ProcessWord(word, env ?? Env));

    // --- the backtick escape character (# escape=`)

    [TestMethod]
    [DataRow("he`$PWD", "he$PWD")]
    [DataRow(@"he\$PWD", @"he\/home")]
    [DataRow("\"a`\"b\"", "a\"b")]
    [DataRow("\"a`tb\"", "a`tb")]
    [DataRow("'a`b'", "a`b")]
    [DataRow("hello`", "hello")]
    [DataRow("a``b", "a`b")]
    [DataRow("${NOPE:-a`}b}", "a}b")]
    [DataRow(@"C:\Windows\$X", @"C:\Windows\1")]
    public void Backtick_EscapesLikeBackslashAndBackslashIsPlain(string input, string expected) =>
        Assert.AreEqual(expected, Word(input, new ShellLexer('`')));

    [TestMethod]
    public void Backtick_EscapedSpaceDoesNotSplit() =>
        CollectionAssert.AreEqual(new[] { "a b", "c" }, Words("a` b c", new ShellLexer('`')));

    [TestMethod]
    public void Backtick_PatternEscapesStayBackslash()
    {
        // A pattern's own escapes are always '\', whatever the Dockerfile's escape character.
        var env = new Dictionary<string, string> { ["Z"] = "*x" };
        Assert.AreEqual("x", Word(@"${Z#\*}", new ShellLexer('`'), env));
        Assert.AreEqual("*x", Word("${Z#`*}", new ShellLexer('`'), env));
    }

    // --- RawQuotes

    [TestMethod]
    public void RawQuotes_KeepsQuotesButStillGroups()
    {
        var lexer = new ShellLexer { RawQuotes = true };
        Assert.AreEqual("a'b c'\"d 1\"", Word("a'b c'\"d $X\"", lexer));
        CollectionAssert.AreEqual(new[] { "a", "'b c'" }, Words("a 'b c'", lexer));
        Assert.AreEqual("ab c", Word("a'b c'"));
    }

    // --- RawEscapes

    [TestMethod]
    public void RawEscapes_KeepsEscapeCharacters()
    {
        var lexer = new ShellLexer { RawEscapes = true };
        Assert.AreEqual(@"a\ b", Word(@"a\ b", lexer));
        CollectionAssert.AreEqual(new[] { @"a\ b" }, Words(@"a\ b", lexer));
        Assert.AreEqual(@"\$X", Word(@"""\$X""", lexer));
        Assert.AreEqual("a b", Word(@"a\ b"));
    }

    [TestMethod]
    public void RawEscapes_BuildKitQuirks()
    {
        var lexer = new ShellLexer { RawEscapes = true };

        // Inside double quotes an escape before an ordinary character is written twice.
        Assert.AreEqual(@"\\t", Word(@"""\t""", lexer));

        // A default value is always processed with escapes applied.
        Assert.AreEqual("ab", Word(@"${NOPE:-a\b}", lexer));
    }

    // --- SkipUnsetEnv

    [TestMethod]
    public void SkipUnsetEnv_LeavesUnsetReferencesAsWritten()
    {
        var lexer = new ShellLexer { SkipUnsetEnv = true };
        var r = lexer.ProcessWord("$A ${B} ${C:-x} ${D#p} ${U?msg} $X", Env);
        Assert.AreEqual("$A ${B} ${C:-x} ${D#p} ${U?msg} 1", r.Result);
        CollectionAssert.AreEquivalent(new[] { "A", "B", "C", "D", "U" }, r.Unmatched.ToList());
        CollectionAssert.AreEquivalent(new[] { "X" }, r.Matched.ToList());
    }

    [TestMethod]
    public void SkipUnsetEnv_ReplaceAllIsWrittenBackWithOneSlash() =>
        Assert.AreEqual("${D/a/b}", Word("${D//a/b}", new ShellLexer { SkipUnsetEnv = true }));

    [TestMethod]
    public void SkipUnsetEnv_SetButEmptyStillExpands() =>
        Assert.AreEqual("[]", Word("[$EMPTY]", new ShellLexer { SkipUnsetEnv = true }));

    // --- SkipProcessQuotes

    [TestMethod]
    public void SkipProcessQuotes_QuotesArePlainCharacters()
    {
        var lexer = new ShellLexer { SkipProcessQuotes = true };
        Assert.AreEqual("'a b'", Word("'a b'", lexer));
        CollectionAssert.AreEqual(new[] { "'a", "b'" }, Words("'a b'", lexer));
        Assert.AreEqual("\"1\"", Word("\"$X\"", lexer));
        Assert.AreEqual("'1'", Word("'$X'", lexer));
    }

    // --- matches, names, splitting

    [TestMethod]
    public void NamesAreCaseSensitive()
    {
        var r = new ShellLexer().ProcessWord("$pwd $PWD", Env);
        Assert.AreEqual(" /home", r.Result);
        CollectionAssert.AreEquivalent(new[] { "PWD" }, r.Matched.ToList());
        CollectionAssert.AreEquivalent(new[] { "pwd" }, r.Unmatched.ToList());
    }

    [TestMethod]
    public void ProcessWords_ReportsVariablesToo()
    {
        var r = new ShellLexer().ProcessWords("$SPACED $NOPE", Env);
        CollectionAssert.AreEqual(new[] { "a", "b" }, r.Words.ToList());
        CollectionAssert.AreEquivalent(new[] { "SPACED" }, r.Matched.ToList());
        CollectionAssert.AreEquivalent(new[] { "NOPE" }, r.Unmatched.ToList());
    }

    [TestMethod]
    public void ProcessWords_NestedSubstitutionRestartsTheWord() =>
        // BuildKit quirk kept on purpose: the text before ${V:-...} in the same word is lost when splitting.
        CollectionAssert.AreEqual(new[] { "b" }, Words("a${NOPE:-b}"));

    [TestMethod]
    public void ProcessWords_HeredocMarkerStaysOneWord()
    {
        CollectionAssert.AreEqual(new[] { "cat", "<< EOF" }, Words("cat << EOF"));
        CollectionAssert.AreEqual(new[] { "cat", "<<-EOF", ">out" }, Words("cat <<-EOF >out"));
    }

    [TestMethod]
    public void ProcessWords_EmptyQuotesMakeNoWord() =>
        CollectionAssert.AreEqual(new[] { "a", "b" }, Words("a \"\" b"));

    [TestMethod]
    public void SpecialAndPositionalNamesAreLookedUp()
    {
        var env = new Dictionary<string, string> { ["99"] = "n", ["@"] = "at", ["#"] = "hash", ["$"] = "pid" };
        Assert.AreEqual("nbottles atx hash pid", Word("$99bottles $@x ${#} $$", env: env));
    }

    // --- patterns

    [TestMethod]
    [DataRow("${E#?}", "😀x", "x")]
    [DataRow("${E#*b}", "a\nb", "a\nb")]
    [DataRow("${E%%b*}", "abcb", "a")]
    [DataRow("${E%b*}", "abcb", "abc")]
    [DataRow("${E/#/y}", "abc#", "abcy")]
    [DataRow("${E//x/y}", "abc", "abc")]
    [DataRow("${E//a/y}", "banana", "bynyny")]
    public void Patterns(string input, string value, string expected) =>
        Assert.AreEqual(expected, Word(input, env: new Dictionary<string, string> { ["E"] = value }));

    [TestMethod]
    public void ReplaceAll_ExpandsGoTemplateInTheReplacement()
    {
        // ${V//p/r} goes through Go's ReplaceAllString, so $0 in a variable's value is the match; ${V/p/r} does not.
        var env = new Dictionary<string, string> { ["V"] = "banana", ["R"] = "[$0]" };
        Assert.AreEqual("b[a]n[a]n[a]", Word("${V//a/$R}", env: env));
        Assert.AreEqual("b[$0]nana", Word("${V/a/$R}", env: env));
    }

    [TestMethod]
    public void LongValuesWithManyStarsStayFast()
    {
        var env = new Dictionary<string, string> { ["V"] = new string('a', 100_000) };
        var sw = System.Diagnostics.Stopwatch.StartNew();
        Assert.AreEqual(env["V"], Word("${V#*a*a*a*a*b}", env: env));
        Assert.AreEqual(env["V"], Word("${V%%*a*a*a*a*b}", env: env));
        Assert.AreEqual("b", Word("${V//*a/b}", env: env));
        Assert.IsLessThan(10_000, sw.ElapsedMilliseconds);
    }

    [TestMethod]
    public void LeadingByteOrderMarkIsDropped() => Assert.AreEqual("1", Word("\uFEFF$X"));

    // --- error codes

    [TestMethod]
    [DataRow("'abc", ShellLexerErrors.UnterminatedQuote, "unexpected end of statement while looking for matching single-quote")]
    [DataRow("\"abc", ShellLexerErrors.UnterminatedQuote, "unexpected end of statement while looking for matching double-quote")]
    [DataRow("${A", ShellLexerErrors.MissingBrace, "syntax error: missing '}'")]
    [DataRow("${A:-b", ShellLexerErrors.MissingBrace, "syntax error: missing '}'")]
    [DataRow("${A:-'b}", ShellLexerErrors.MissingBrace, "syntax error: missing '}'")]
    [DataRow("${A/b", ShellLexerErrors.MissingSlash, "syntax error: missing '/' in ${}")]
    [DataRow("${}", ShellLexerErrors.BadSubstitution, "syntax error: bad substitution")]
    [DataRow("${:-x}", ShellLexerErrors.BadSubstitution, "syntax error: bad substitution")]
    [DataRow("${{A}", ShellLexerErrors.BadSubstitution, "syntax error: bad substitution")]
    [DataRow("${A:=b}", ShellLexerErrors.UnsupportedModifier, "unsupported modifier (:=) in substitution")]
    [DataRow("${A:#x}", ShellLexerErrors.UnsupportedModifier, "unsupported modifier (:#) in substitution")]
    [DataRow("${A!}", ShellLexerErrors.UnsupportedModifier, "unsupported modifier (!) in substitution")]
    [DataRow("${A:?need $X}", ShellLexerErrors.RequiredVariable, "A: need 1")]
    [DataRow("${A?}", ShellLexerErrors.RequiredVariable, "A: is not allowed to be unset")]
    [DataRow("${EMPTY:?}", ShellLexerErrors.RequiredVariable, "EMPTY: is not allowed to be empty")]
    [DataRow(@"${X#\x}", ShellLexerErrors.InvalidPattern, @"invalid pattern (\x) in substitution: invalid escape '\x'")]
    [DataRow(@"${X/\x/y}", ShellLexerErrors.InvalidPattern, @"invalid pattern (\x) in substitution: invalid escape '\x'")]
    public void Errors_AreCodedWithBuildKitsMessage(string input, string code, string detail)
    {
        var e = Fails(input);
        Assert.AreEqual(code, e.Code);
        Assert.AreEqual($"failed to process \"{input.Replace(@"\", @"\\").Replace("\"", "\\\"")}\": {detail}", e.Diagnostic.Message);
        Assert.IsNotNull(e.Diagnostic.Hint);
        Assert.AreEqual(Severity.Error, e.Diagnostic.Severity);
    }

    [TestMethod]
    public void Errors_NestingTooDeepIsCodedNotAStackOverflow()
    {
        static string Nest(int depth) => string.Concat(Enumerable.Repeat("${A:-", depth)) + "x" + new string('}', depth);
        Assert.AreEqual("x", Word(Nest(ShellLexer.MaxNesting)));
        Assert.AreEqual(ShellLexerErrors.NestingTooDeep, Fails(Nest(ShellLexer.MaxNesting + 1)).Code);
        Assert.AreEqual(ShellLexerErrors.NestingTooDeep, Fails(Nest(100_000)).Code);
    }

    [TestMethod]
    public void Errors_WordIsQuotedLikeGo() =>
        StringAssert.StartsWith(Fails("\t'\uFEFF").Diagnostic.Message, "failed to process \"\\t'\\ufeff\": ");

    [TestMethod]
    public void Errors_EveryCodeIsInItsRangeAndDocumented()
    {
        var docs = File.ReadAllText(Path.Combine(RepoPaths.Root, "docs", "errors.md"));
        var codes = typeof(ShellLexerErrors).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.IsLiteral)
            .Select(f => (string)f.GetRawConstantValue()!)
            .ToList();
        Assert.HasCount(8, codes);
        foreach (var code in codes)
        {
            Assert.IsTrue(int.Parse(code[3..]) is >= 1100 and <= 1149, code);
            StringAssert.Contains(docs, $"| {code} |", code);
        }
    }

    // --- environment helper

    [TestMethod]
    public void ShellEnvironment_FromList()
    {
        var env = ShellEnvironment.FromList(["A=1=2", "B", "C=", "A=3", "a=lower"]);
        Assert.AreEqual("3", env["A"]);
        Assert.AreEqual("", env["B"]);
        Assert.AreEqual("", env["C"]);
        Assert.AreEqual("lower", env["a"]);
        Assert.HasCount(4, env);
        Assert.AreEqual("1=2", ShellEnvironment.FromList(["A=1=2"])["A"]);
    }

    [TestMethod]
    public void LexerIsSafeToShareBetweenThreads()
    {
        var lexer = new ShellLexer();
        Parallel.For(0, 2000, i =>
        {
            var env = new Dictionary<string, string> { ["N"] = i.ToString(System.Globalization.CultureInfo.InvariantCulture) };
            var r = lexer.ProcessWord("n=${N:-none} ${M:-m}", env);
            Assert.AreEqual($"n={i} m", r.Result);
            CollectionAssert.AreEquivalent(new[] { "M" }, r.Unmatched.ToList());
        });
    }
}
