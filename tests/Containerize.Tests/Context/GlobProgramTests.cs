using System.Text.RegularExpressions;
using Containerize.Core.Context;

namespace Containerize.Tests.Context;

/// <summary>The direct matcher must agree with the regular expression upstream builds, on every pattern and path.</summary>
[TestClass]
public sealed class GlobProgramTests
{
    [TestMethod]
    public void GlobProgramAgreesWithTheRegularExpressionOnRandomPatternsAndPaths()
    {
        string[] patternParts = ["a", "b", "/", "*", "?", "**", "**/", "[ab]", "[^a]", "[a-c]", "\\*", ".", "é", "\U0001F600"];
        string[] pathParts = ["a", "b", "c", "/", ".", "*", "é", "\U0001F600", "\n"];
        var random = new Random(12345);
        var checkedPrograms = 0;
        for (var p = 0; p < 3000; p++)
        {
            var pattern = string.Concat(Enumerable.Range(0, random.Next(1, 7)).Select(_ => patternParts[random.Next(patternParts.Length)]));
            var (kind, _, dotnet) = IgnorePattern.Compile(pattern, '/');
            if (kind != PatternKind.Regex) continue;
            var program = GlobProgram.TryCreate(pattern);
            Assert.IsNotNull(program, pattern);
            checkedPrograms++;
            var regex = new Regex(dotnet!, RegexOptions.CultureInvariant);
            for (var i = 0; i < 40; i++)
            {
                var path = string.Concat(Enumerable.Range(0, random.Next(0, 9)).Select(_ => pathParts[random.Next(pathParts.Length)]));

                // .NET classes match UTF-16 units, Go's match runes: our answer is Go's, so the oracle cannot judge these.
                if (pattern.Contains('[') && path.Any(char.IsSurrogate)) continue;
                Assert.AreEqual(regex.IsMatch(path), program.IsMatch(path), $"pattern '{pattern}' vs '{path}'");
            }
        }

        Assert.IsGreaterThan(1000, checkedPrograms);
    }

    [TestMethod]
    public void ClassesMatchWholeRunesAsGoDoes()
    {
        Assert.IsTrue(GlobProgram.TryCreate("[^a][ab]")!.IsMatch("\U0001F600a"));
        Assert.IsTrue(PatternMatcher.Create(["x[^/]"]).MatchesOrParentMatches("x\U0001F600"));
    }

    [TestMethod]
    public void UnusualClassesFallBackToTheRegularExpression()
    {
        Assert.IsNull(GlobProgram.TryCreate("[\\d]"));
        Assert.IsNull(GlobProgram.TryCreate("a^b"));
        Assert.IsNull(GlobProgram.TryCreate("[Local-Only]"));
        var m = PatternMatcher.Create(["[\\d]x"]);
        Assert.IsTrue(m.MatchesOrParentMatches("1x"));
    }
}
