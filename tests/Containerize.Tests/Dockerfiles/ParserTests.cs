using System.Text;
using Containerize.Core.Diagnostics;
using Containerize.Core.Dockerfiles;
using Containerize.Core.Dockerfiles.Parsing;

namespace Containerize.Tests.Dockerfiles;

/// <summary>Parser behaviour the upstream vectors do not cover, and every parser error code.</summary>
[TestClass]
public sealed class ParserTests
{
    private static string Dump(string text) => DockerfileParser.Parse(text).Dump();

    private static ContainerizeException Fails(string text) => Assert.ThrowsExactly<ContainerizeException>(() => DockerfileParser.Parse(text, "Dockerfile"));

    [TestMethod]
    public void KeywordsInAnyCaseKeepTheirSpellingInValue()
    {
        var r = DockerfileParser.Parse("from alpine\nRun echo hi\ncOpY a b\n");
        Assert.AreEqual("(from \"alpine\")\n(run \"echo hi\")\n(copy \"a\" \"b\")\n", r.Dump());
        Assert.AreEqual("Run", r.Instructions[1].Value);
    }

    [TestMethod]
    public void MaintainerShellStopsignalAndFromAs()
    {
        Assert.AreEqual(
            "(from \"golang:1.22\" \"AS\" \"build\")\n(maintainer \"Me <me@x.org>\")\n(shell \"/bin/bash\" \"-c\")\n(stopsignal \"SIGKILL\")\n",
            Dump("FROM golang:1.22 AS build\nMAINTAINER Me <me@x.org>\nSHELL [\"/bin/bash\", \"-c\"]\nSTOPSIGNAL SIGKILL\n"));
    }

    [TestMethod]
    public void UnknownInstructionKeepsAnEmptyArgument()
    {
        var r = DockerfileParser.Parse("FROM a\nFOO bar baz\n");
        Assert.AreEqual("(from \"a\")\n(foo \"\")\n", r.Dump());
    }

    [TestMethod]
    public void RunMountFlagsAndHeredoc()
    {
        var r = DockerfileParser.Parse("FROM a\nRUN --mount=type=cache,target=/foo <<MOUNT\necho hello\nMOUNT\nRUN x\n");
        Assert.AreEqual("(from \"a\")\n(run [\"--mount=type=cache,target=/foo\"] \"<<MOUNT\")\n(run \"x\")\n", r.Dump());
        Assert.AreEqual(new Heredoc("MOUNT", 0, true, false, "echo hello\n"), r.Instructions[1].Heredocs.Single());
        Assert.AreEqual(2, r.Instructions[1].StartLine);
        Assert.AreEqual(4, r.Instructions[1].EndLine);
        Assert.AreEqual(5, r.Instructions[2].StartLine);
    }

    [TestMethod]
    public void HeredocInsideOnbuildBelongsToTheOnbuildNode()
    {
        var r = DockerfileParser.Parse("FROM a\nONBUILD RUN <<EOF\necho x\nEOF\n");
        Assert.AreEqual("(from \"a\")\n(onbuild (run \"<<EOF\"))\n", r.Dump());
        Assert.AreEqual("echo x\n", r.Instructions[1].Heredocs.Single().Content);
    }

    [TestMethod]
    public void HeredocOnlyOnRunCopyAdd()
    {
        var r = DockerfileParser.Parse("FROM a\nUSER <<EOF\nEOF\n");
        Assert.HasCount(3, r.Instructions);
        Assert.IsEmpty(r.Instructions[1].Heredocs);
        Assert.AreEqual("eof \"\"", r.Instructions[2].Dump());
    }

    [TestMethod]
    public void Utf8BomIsDropped()
    {
        var bytes = new byte[] { 0xEF, 0xBB, 0xBF }.Concat(Encoding.UTF8.GetBytes("# escape=`\nFROM a\nRUN b `\n c\n")).ToArray();
        var r = DockerfileParser.Parse(bytes);
        Assert.AreEqual('`', r.EscapeToken);
        Assert.AreEqual("(from \"a\")\n(run \"b  c\")\n", r.Dump());
    }

    [TestMethod]
    public void CrLfLineEndings()
    {
        Assert.AreEqual("(from \"a\")\n(run \"b c\")\n", Dump("FROM a\r\nRUN b \\\r\nc\r\n"));
    }

    [TestMethod]
    public void DirectivesOnlyAtTheTop()
    {
        var r = DockerfileParser.Parse("# syntax=docker/dockerfile:1\n# check=skip=all\nFROM a\n# escape=`\nRUN b \\\nc\n");
        CollectionAssert.AreEqual(new[] { "syntax", "check" }, r.Directives.Select(d => d.Name).ToArray());
        Assert.AreEqual('\\', r.EscapeToken);
        Assert.AreEqual("(from \"a\")\n(run \"b c\")\n", r.Dump());
    }

    [TestMethod]
    public void CommentBeforeDirectiveEndsDirectives()
    {
        var r = DockerfileParser.Parse("# hello\n# escape=`\nFROM a\n");
        Assert.IsEmpty(r.Directives);
        Assert.AreEqual('\\', r.EscapeToken);
    }

    [TestMethod]
    public void NonAsciiInFlagIsDoubleEncodedLikeBuildKit()
    {
        // BuildKit reads flag text byte by byte: "é" (C3 A9) becomes "Ã©".
        Assert.AreEqual("copy [\"--chown=Ã©\"] \"a\" \"b\"", DockerfileParser.Parse("COPY --chown=é a b\n").Instructions[0].Dump());
    }

    [TestMethod]
    public void GoQuoteEscapes()
    {
        Assert.AreEqual("\"a\\x00\\x7f\\u00a0\\ufeff\\t♥\\U000e0001\"", GoQuote.Quote("a\0\u007f\u00a0\ufeff\t♥\U000E0001"));
    }

    [TestMethod]
    public void Error_NoInstructions_CTZ1001()
    {
        var e = Fails("# only a comment\n\n");
        Assert.AreEqual(DockerfileErrors.NoInstructions, e.Code);
        Assert.AreEqual("file with no instructions", e.Diagnostic.Message);
    }

    [TestMethod]
    public void Error_LineTooLong_CTZ1002()
    {
        var e = Fails("FROM a\nRUN " + new string('x', 65532) + "\n");
        Assert.AreEqual(DockerfileErrors.LineTooLong, e.Code);
        Assert.AreEqual(2, e.Diagnostic.Line);

        // Exactly 65535 bytes is still allowed.
        DockerfileParser.Parse("FROM a\nRUN " + new string('x', 65531) + "\n");
    }

    [TestMethod]
    public void Error_InvalidEscapeToken_CTZ1003()
    {
        var e = Fails("# escape=x\nFROM a\n");
        Assert.AreEqual(DockerfileErrors.InvalidEscapeToken, e.Code);
        Assert.AreEqual("invalid escape token 'x' does not match ` or \\", e.Diagnostic.Message);
        Assert.AreEqual(1, e.Diagnostic.Line);
    }

    [TestMethod]
    public void Error_DuplicateDirective_CTZ1004()
    {
        var e = Fails("# syntax=a\n# SYNTAX=b\nFROM a\n");
        Assert.AreEqual(DockerfileErrors.DuplicateDirective, e.Code);
        Assert.AreEqual("only one syntax parser directive can be used", e.Diagnostic.Message);
        Assert.AreEqual(2, e.Diagnostic.Line);
    }

    [TestMethod]
    public void Error_UnterminatedHeredoc_CTZ1005()
    {
        var e = Fails("FROM a\nRUN <<EOF\necho\n");
        Assert.AreEqual(DockerfileErrors.UnterminatedHeredoc, e.Code);
        Assert.AreEqual(2, e.Diagnostic.Line);
    }

    [TestMethod]
    public void Error_JsonNotStringArray_CTZ1006()
    {
        Assert.AreEqual(DockerfileErrors.JsonNotStringArray, Fails("FROM a\nCOPY [\"a\", true]\n").Code);
    }

    [TestMethod]
    public void Error_EnvMissingValue_CTZ1007()
    {
        var e = Fails("FROM a\nLABEL onlykey\n");
        Assert.AreEqual(DockerfileErrors.KeyValueMissingValue, e.Code);
        Assert.AreEqual("LABEL must have two arguments", e.Diagnostic.Message);
    }

    [TestMethod]
    public void Error_KeyValueMissingEquals_CTZ1008()
    {
        var e = Fails("FROM a\nENV a=b c\n");
        Assert.AreEqual(DockerfileErrors.KeyValueMissingEquals, e.Code);
        Assert.AreEqual("Syntax error - can't find = in \"c\". Must be of the form: name=value", e.Diagnostic.Message);
    }

    [TestMethod]
    public void Error_InvalidHeredoc_CTZ1009()
    {
        // In a whole line BuildKit ignores the lexer's error (no heredoc at all); the word-level check reports it.
        Assert.IsEmpty(DockerfileParser.Parse("FROM a\nRUN <<EOF' x\n").Instructions[1].Heredocs);
        var e = Assert.ThrowsExactly<ContainerizeException>(() => HeredocWords.Parse("<<EOF'", "Dockerfile", 7));
        Assert.AreEqual(DockerfileErrors.InvalidHeredoc, e.Code);
        Assert.AreEqual(7, e.Diagnostic.Line);
    }

    [TestMethod]
    public void Warning_EmptyContinuation_CTZ1050()
    {
        var r = DockerfileParser.Parse("FROM a\nRUN a \\\n   \nb\n", "Dockerfile");
        var w = r.Warnings.Single();
        Assert.AreEqual(DockerfileErrors.EmptyContinuationLine, w.Code);
        Assert.AreEqual(4, w.Line);
        Assert.AreEqual("Dockerfile:4: warning CTZ1050: Empty continuation line found in: RUN a b", w.ToDiagnostic("Dockerfile").ToString());
    }
}
