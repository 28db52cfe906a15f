using Containerize.Core.Diagnostics;
using Containerize.Core.Dockerfiles.Shell;
using static Containerize.Tests.Dockerfiles.Shell.ShellLexerCorpus;

namespace Containerize.Tests.Dockerfiles.Shell;

/// <summary>BuildKit's shell-lexer data (../shared/conformance/shell-lexer), one test result per case.</summary>
[TestClass]
public sealed class ShellLexerConformanceTests
{
    private static readonly ShellLexer Lexer = new();

    public static IEnumerable<object[]> EnvVarRows => Rows(() => EnvVar, (_, c) => $"{c.Line}: {c.Input}");

    public static IEnumerable<object[]> WordsRows => Rows(() => Words, (_, c) => $"{c.Line}: {c.Input}");

    public static IEnumerable<object[]> MatchRows => Rows(() => ProcessWithMatches, (i, c) => $"{i}: {c.Input}");

    public static IEnumerable<object[]> MandatoryRows => Rows(() => MandatoryVars, (i, c) => $"{i}: {c.Input}");

    public static IEnumerable<object[]> PlatformRows => Rows(() => PlatformReleaseName, (i, c) => $"{i}: {c.Input}");

    public static IEnumerable<object[]> EnvLookupRows => Rows(() => EnvLookup, (i, c) => $"{i}: {c.Lookup} in [{string.Join(" ", c.Env)}]");

    public static string Name(System.Reflection.MethodInfo method, object[] data) => DisplayName(method, data);

    [TestMethod]
    public void Corpus_HasTheDocumentedSize()
    {
        Infrastructure.RepoPaths.Conformance(Folder);
        Assert.HasCount(230, AllEnvVar);
        Assert.HasCount(228, EnvVar);
        Assert.AreEqual(36, AllEnvVar.Count(c => c.Expected == "error"));
        Assert.HasCount(24, Words);
        Assert.HasCount(47, ProcessWithMatches);
        Assert.AreEqual(13, ProcessWithMatches.Count(c => c.Error));
        Assert.HasCount(6, MandatoryVars);
        Assert.HasCount(3, PlatformReleaseName);
        Assert.HasCount(7, EnvLookup);
    }

    [TestMethod]
    [DynamicData(nameof(EnvVarRows), DynamicDataDisplayName = nameof(Name))]
    public void Conformance_EnvVarTest(int index, string label)
    {
        RequireCorpus(index);
        var c = EnvVar[index];
        if (c.Expected == "error")
        {
            var e = Assert.ThrowsExactly<ContainerizeException>(() => Lexer.ProcessWord(c.Input, EnvVarEnvironment), label);
            StringAssert.StartsWith(e.Code, "CTZ11");
            return;
        }

        Assert.AreEqual(c.Expected, Lexer.ProcessWord(c.Input, EnvVarEnvironment).Result, label);
    }

    [TestMethod]
    [DynamicData(nameof(WordsRows), DynamicDataDisplayName = nameof(Name))]
    public void Conformance_WordsTest(int index, string label)
    {
        RequireCorpus(index);
        var c = Words[index];
        IReadOnlyList<string> actual;
        try
        {
            actual = Lexer.ProcessWords(c.Input, c.Env).Words;
        }
        catch (ContainerizeException)
        {
            actual = ["error"];
        }

        CollectionAssert.AreEqual(c.Expected.ToList(), actual.ToList(), $"{label}: got [{string.Join("|", actual)}]");
    }

    [TestMethod]
    [DynamicData(nameof(MatchRows), DynamicDataDisplayName = nameof(Name))]
    public void Conformance_ProcessWithMatches(int index, string label)
    {
        RequireCorpus(index);
        Check(ProcessWithMatches[index], label);
    }

    [TestMethod]
    [DynamicData(nameof(MandatoryRows), DynamicDataDisplayName = nameof(Name))]
    public void Conformance_MandatoryVars(int index, string label)
    {
        RequireCorpus(index);
        Check(MandatoryVars[index], label);
    }

    [TestMethod]
    [DynamicData(nameof(PlatformRows), DynamicDataDisplayName = nameof(Name))]
    public void Conformance_PlatformReleaseName(int index, string label)
    {
        RequireCorpus(index);
        Check(PlatformReleaseName[index], label);
    }

    [TestMethod]
    [DynamicData(nameof(EnvLookupRows), DynamicDataDisplayName = nameof(Name))]
    public void Conformance_EnvLookup(int index, string label)
    {
        RequireCorpus(index);
        var c = EnvLookup[index];
        var env = ShellEnvironment.FromList(c.Env);
        Assert.AreEqual(c.Value, env.GetValueOrDefault(c.Lookup, ""), label);

        // The lexer sees the same thing: $NAME expands to the looked-up value.
        Assert.AreEqual(c.Value, Lexer.ProcessWord("$" + c.Lookup, env).Result, label);
    }

    private static void Check(MatchCase c, string label)
    {
        if (c.Error)
        {
            var e = Assert.ThrowsExactly<ContainerizeException>(() => Lexer.ProcessWord(c.Input, c.Env), label);
            StringAssert.StartsWith(e.Code, "CTZ11");
            if (c.ErrorContains is not null) StringAssert.Contains(e.Diagnostic.Message, c.ErrorContains);
            return;
        }

        var r = Lexer.ProcessWord(c.Input, c.Env);
        Assert.AreEqual(c.Expected, r.Result, label);
        if (c.Matches is not null) AssertSet(c.Matches, r.Matched, "matched " + label);
        if (c.Unmatched is not null) AssertSet(c.Unmatched, r.Unmatched, "unmatched " + label);
    }

    private static void AssertSet(IReadOnlyList<string> expected, IReadOnlySet<string> actual, string message) =>
        CollectionAssert.AreEquivalent(expected.ToList(), actual.ToList(), $"{message}: got [{string.Join(",", actual.Order(StringComparer.Ordinal))}]");
}
