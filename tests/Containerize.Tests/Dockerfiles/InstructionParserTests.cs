using Containerize.Core.Diagnostics;
using Containerize.Core.Dockerfiles;
using Containerize.Core.Dockerfiles.Instructions;
using Containerize.Core.Dockerfiles.Parsing;

namespace Containerize.Tests.Dockerfiles;

/// <summary>Typed instructions: every kind, its flags, and every CTZ115x/116x/117x code.</summary>
[TestClass]
public sealed class InstructionParserTests
{
    private static Instruction One(string line)
    {
        var r = DockerfileParser.Parse("FROM a\n" + line + "\n", "Dockerfile");
        return InstructionParser.Parse(r.Instructions[1], "Dockerfile");
    }

    private static T One<T>(string line)
        where T : Instruction => (T)One(line);

    private static ContainerizeException Fails(string line) => Assert.ThrowsExactly<ContainerizeException>(() => One(line));

    [TestMethod]
    public void From()
    {
        var f = (FromInstruction)InstructionParser.Parse(DockerfileParser.Parse("from --platform=linux/arm64 golang:1.22 As Build\n").Instructions[0]);
        Assert.AreEqual(new FromInstruction("golang:1.22", "build", "linux/arm64") { StartLine = 1, EndLine = 1, Original = f.Original }, f);
    }

    [TestMethod]
    public void RunWithMountsNetworkSecurityAndHeredoc()
    {
        var r = (RunInstruction)InstructionParser.Parse(DockerfileParser.Parse(
            "FROM a\nRUN --mount=type=cache,target=/c,sharing=private --mount=type=secret,id=s,required --network=none --security=insecure <<EOF\necho\nEOF\n").Instructions[1]);
        Assert.HasCount(2, r.Mounts);
        Assert.AreEqual(new RunMount(MountType.Cache, null, null, "/c", false, 0, null, CacheSharing.Private, false, null, null, null, null), r.Mounts[0]);
        Assert.AreEqual(MountType.Secret, r.Mounts[1].Type);
        Assert.IsTrue(r.Mounts[1].Required);
        Assert.IsTrue(r.Mounts[1].ReadOnly);
        Assert.AreEqual("none", r.Network);
        Assert.AreEqual("insecure", r.Security);
        Assert.IsTrue(r.Command.PrependShell);
        CollectionAssert.AreEqual(new[] { "<<EOF" }, r.Command.Arguments.ToArray());
        Assert.AreEqual(new InlineFile("EOF", "echo\n", true, false), r.Command.Files.Single());
        Assert.AreEqual(2, r.StartLine);
        Assert.AreEqual(4, r.EndLine);
    }

    [TestMethod]
    public void MountDefaults()
    {
        Assert.AreEqual(new RunMount(MountType.Bind, null, null, "/x", true, 0, null, null, false, null, null, null, null), RunMount.Parse("target=/x"));
        var tmpfs = RunMount.Parse("type=tmpfs,dst=/t,size=64m");
        Assert.IsFalse(tmpfs.ReadOnly);
        Assert.AreEqual(64L << 20, tmpfs.SizeLimit);
        var ssh = RunMount.Parse("type=ssh,mode=0600,uid=1,gid=2,required=false");
        Assert.AreEqual(0x180u, ssh.Mode);
        Assert.AreEqual(1u, ssh.Uid);
        Assert.AreEqual(2u, ssh.Gid);
        Assert.AreEqual("T", RunMount.Parse("type=secret,id=x,env=T").Env);
        Assert.AreEqual("a,b", RunMount.Parse("\"target=a,b\"").Target);
    }

    [TestMethod]
    public void CmdEntrypointShell()
    {
        var cmd = One<CmdInstruction>("CMD [\"a\", \"b\"]");
        Assert.IsFalse(cmd.Command.PrependShell);
        CollectionAssert.AreEqual(new[] { "a", "b" }, cmd.Command.Arguments.ToArray());
        Assert.IsNull(One<EntrypointInstruction>("ENTRYPOINT []").Command);
        Assert.IsTrue(One<EntrypointInstruction>("ENTRYPOINT run me").Command!.PrependShell);
        CollectionAssert.AreEqual(new[] { "cmd", "/S", "/C" }, One<ShellInstruction>("SHELL [\"cmd\", \"/S\", \"/C\"]").Shell.ToArray());
    }

    [TestMethod]
    public void LabelEnvMaintainerExposeVolumeUserWorkdirStopsignal()
    {
        Assert.AreEqual(new KeyValue("a", "\"b c\""), One<LabelInstruction>("LABEL a=\"b c\"").Labels.Single());
        Assert.AreEqual(new KeyValue("K", "v w", true), One<EnvInstruction>("ENV K v w").Variables.Single());
        Assert.AreEqual("Me", One<MaintainerInstruction>("MAINTAINER Me").Maintainer);
        CollectionAssert.AreEqual(new[] { "443", "80/udp" }, One<ExposeInstruction>("EXPOSE 80/udp 443").Ports.ToArray());
        CollectionAssert.AreEqual(new[] { "/a", "/b" }, One<VolumeInstruction>("VOLUME [\"/a\", \"/b\"]").Volumes.ToArray());
        Assert.AreEqual("u:g", One<UserInstruction>("USER u:g").User);
        Assert.AreEqual("/w", One<WorkdirInstruction>("WORKDIR /w").Path);
        Assert.AreEqual("SIGINT", One<StopSignalInstruction>("STOPSIGNAL SIGINT").Signal);
    }

    [TestMethod]
    public void ArgForms()
    {
        var a = One<ArgInstruction>("ARG A B=2 C=");
        CollectionAssert.AreEqual(new[] { new ArgDefinition("A", null), new ArgDefinition("B", "2"), new ArgDefinition("C", "") }, a.Args.ToArray());
    }

    [TestMethod]
    public void AddAndCopyFlags()
    {
        var add = One<AddInstruction>("ADD --chown=u --chmod=600 --checksum=sha256:abc --keep-git-dir --link --unpack=false --exclude=a --exclude=b src dst");
        Assert.AreEqual("u", add.Chown);
        Assert.AreEqual("600", add.Chmod);
        Assert.AreEqual("sha256:abc", add.Checksum);
        Assert.IsTrue(add.KeepGitDir);
        Assert.IsTrue(add.Link);
        Assert.IsFalse(add.Unpack);
        CollectionAssert.AreEqual(new[] { "a", "b" }, add.Excludes.ToArray());
        Assert.AreEqual(new SourcesAndDest(["src"], [], "dst").DestPath, add.Paths.DestPath);

        var copy = One<CopyInstruction>("COPY --from=b --chown=1 --chmod=755 --link=false --parents --exclude=*.md a b /d/");
        Assert.AreEqual("b", copy.From);
        Assert.IsFalse(copy.Link);
        Assert.IsTrue(copy.Parents);
        CollectionAssert.AreEqual(new[] { "a", "b" }, copy.Paths.SourcePaths.ToArray());
        Assert.IsNull(One<CopyInstruction>("COPY a b").From);
    }

    [TestMethod]
    public void CopyHeredocSources()
    {
        var node = DockerfileParser.Parse("FROM a\nCOPY <<-one <<two /d/\n\tx\none\ny\ntwo\n").Instructions[1];
        var copy = (CopyInstruction)InstructionParser.Parse(node);
        Assert.IsEmpty(copy.Paths.SourcePaths);
        CollectionAssert.AreEqual(new[] { new InlineFile("one", "x\n", true, true), new InlineFile("two", "y\n", true, false) }, copy.Paths.SourceContents.ToArray());
    }

    [TestMethod]
    public void Healthcheck()
    {
        var h = One<HealthcheckInstruction>("HEALTHCHECK --interval=1m30s --timeout=500ms --start-period=0 --start-interval=2s --retries=4 CMD curl x");
        CollectionAssert.AreEqual(new[] { "CMD-SHELL", "curl x" }, h.Test.ToArray());
        Assert.AreEqual(TimeSpan.FromSeconds(90), h.Interval);
        Assert.AreEqual(TimeSpan.FromMilliseconds(500), h.Timeout);
        Assert.AreEqual(TimeSpan.Zero, h.StartPeriod);
        Assert.AreEqual(TimeSpan.FromSeconds(2), h.StartInterval);
        Assert.AreEqual(4, h.Retries);
        CollectionAssert.AreEqual(new[] { "CMD", "a", "b" }, One<HealthcheckInstruction>("HEALTHCHECK CMD [\"a\", \"b\"]").Test.ToArray());
        CollectionAssert.AreEqual(new[] { "NONE" }, One<HealthcheckInstruction>("HEALTHCHECK none").Test.ToArray());
        Assert.AreEqual("1m30s", GoDuration.Format(h.Interval));
    }

    [TestMethod]
    public void Onbuild()
    {
        var o = One<OnbuildInstruction>("ONBUILD COPY --from=x a b");
        Assert.AreEqual("COPY --from=x a b", o.Expression);
        Assert.AreEqual("x", ((CopyInstruction)o.Trigger).From);

        var node = DockerfileParser.Parse("FROM a\nonbuild RUN <<EOF\nhi\nEOF\n").Instructions[1];
        var withDoc = (OnbuildInstruction)InstructionParser.Parse(node);
        Assert.AreEqual("RUN <<EOF\nhi\nEOF", withDoc.Expression);
        Assert.AreEqual("hi\n", ((RunInstruction)withDoc.Trigger).Command.Files.Single().Data);
    }

    [TestMethod]
    public void Error_UnknownInstruction_CTZ1150()
    {
        var e = Fails("RUNN echo");
        Assert.AreEqual(DockerfileErrors.UnknownInstruction, e.Code);
        Assert.AreEqual("unknown instruction: RUNN", e.Diagnostic.Message);
        Assert.AreEqual("did you mean RUN?", e.Diagnostic.Hint);
        Assert.AreEqual(2, e.Diagnostic.Line);
        Assert.AreEqual("Dockerfile", e.Diagnostic.File);
    }

    [TestMethod]
    public void Error_UnknownFlag_CTZ1151()
    {
        var e = Fails("COPY --frm=a b c");
        Assert.AreEqual(DockerfileErrors.UnknownFlag, e.Code);
        Assert.AreEqual("unknown flag: --frm", e.Diagnostic.Message);
        StringAssert.Contains(e.Diagnostic.Hint!, "--from");
        Assert.AreEqual(DockerfileErrors.UnknownFlag, Fails("USER --x=1 me").Code);
        Assert.AreEqual(DockerfileErrors.UnknownFlag, Fails("RUN --chown=1 x").Code);
    }

    [TestMethod]
    public void Error_DuplicateFlag_CTZ1152()
    {
        var e = Fails("COPY --from=a --from=b x y");
        Assert.AreEqual(DockerfileErrors.DuplicateFlag, e.Code);
        Assert.AreEqual("duplicate flag specified: --from", e.Diagnostic.Message);
    }

    [TestMethod]
    public void Error_BadFlagValue_CTZ1153()
    {
        Assert.AreEqual("missing a value on flag: --chown", Fails("COPY --chown a b").Diagnostic.Message);
        Assert.AreEqual("expecting boolean value for flag --link, not: yes", Fails("COPY --link=yes a b").Diagnostic.Message);
        Assert.AreEqual(DockerfileErrors.BadFlagValue, Fails("COPY --link= a b").Code);
    }

    [TestMethod]
    public void Error_MissingArguments_CTZ1154()
    {
        foreach (var line in new[] { "COPY onlyone", "ADD x", "EXPOSE", "VOLUME", "ARG", "ONBUILD", "HEALTHCHECK", "USER", "ENV", "LABEL", "SHELL []" })
        {
            Assert.AreEqual(DockerfileErrors.MissingArguments, Fails(line).Code, line);
        }

        Assert.AreEqual("COPY requires at least two arguments, but only one was provided. Destination could not be determined", Fails("COPY x").Diagnostic.Message);
    }

    [TestMethod]
    public void Error_WrongArgumentCount_CTZ1155()
    {
        Assert.AreEqual("FROM requires either one or three arguments", Fails("FROM a b").Diagnostic.Message);
        Assert.AreEqual(DockerfileErrors.WrongArgumentCount, Fails("FROM a b").Code);
        Assert.AreEqual(DockerfileErrors.WrongArgumentCount, Fails("FROM a to b").Code);
        Assert.AreEqual(DockerfileErrors.WrongArgumentCount, Fails("FROM a AS b c").Code);
    }

    [TestMethod]
    public void Error_InvalidStageName_CTZ1156()
    {
        var e = Fails("FROM a AS 1st");
        Assert.AreEqual(DockerfileErrors.InvalidStageName, e.Code);
        Assert.AreEqual("invalid name for build stage: \"1st\", name can't start with a number or contain symbols", e.Diagnostic.Message);
    }

    [TestMethod]
    public void Error_BlankName_CTZ1157()
    {
        Assert.AreEqual(DockerfileErrors.BlankName, Fails("ARG =x").Code);
        Assert.AreEqual(DockerfileErrors.BlankName, Fails("ENV =x").Code);
    }

    [TestMethod]
    public void Error_OnbuildTrigger_CTZ1158()
    {
        Assert.AreEqual("Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed", Fails("ONBUILD ONBUILD RUN x").Diagnostic.Message);
        Assert.AreEqual("FROM isn't allowed as an ONBUILD trigger", Fails("ONBUILD from x").Diagnostic.Message);
        Assert.AreEqual(DockerfileErrors.OnbuildTriggerNotAllowed, Fails("ONBUILD MAINTAINER x").Code);
    }

    [TestMethod]
    public void Error_Healthcheck_CTZ1159()
    {
        foreach (var line in new[] { "HEALTHCHECK NONE x", "HEALTHCHECK CMD", "HEALTHCHECK FOO x", "HEALTHCHECK --interval=1 CMD x",
                     "HEALTHCHECK --interval=1ns CMD x", "HEALTHCHECK --retries=-1 CMD x", "HEALTHCHECK --retries=x CMD x" })
        {
            Assert.AreEqual(DockerfileErrors.InvalidHealthcheck, Fails(line).Code, line);
        }

        Assert.AreEqual("Unknown type \"FOO\" in HEALTHCHECK (try CMD)", Fails("HEALTHCHECK FOO x").Diagnostic.Message);
        Assert.AreEqual(DockerfileErrors.UnknownFlag, Fails("HEALTHCHECK --foo=1 CMD x").Code);
    }

    [TestMethod]
    public void Error_ShellNotJson_CTZ1160()
    {
        Assert.AreEqual(DockerfileErrors.ShellNotJson, Fails("SHELL /bin/sh -c").Code);
    }

    [TestMethod]
    public void Error_InvalidMount_CTZ1161()
    {
        foreach (var m in new[] { "type=foo", "target", "type=bind,size=1", "type=bind,mode=0600", "type=secret", "type=secret,id=a,source=b",
                     "type=secret,id=a,from=x", "type=bind,sharing=shared", "type=cache,sharing=maybe", "type=cache,target=/x,bogus=1",
                     "type=bind,required", "type=tmpfs,size=lots", "type=cache,uid=x", "ro=maybe", "from=$X" })
        {
            var e = Fails($"RUN --mount={m} x");
            Assert.AreEqual(DockerfileErrors.InvalidMount, e.Code, m);
            Assert.AreEqual(2, e.Diagnostic.Line);
        }
    }

    [TestMethod]
    public void Error_InvalidRunOption_CTZ1162()
    {
        Assert.AreEqual("unsupported network mode \"bridge\"", Fails("RUN --network=bridge x").Diagnostic.Message);
        Assert.AreEqual(DockerfileErrors.InvalidRunOption, Fails("RUN --security=privileged x").Code);
    }

    [TestMethod]
    public void Error_HeredocAsDestination_CTZ1163()
    {
        var node = DockerfileParser.Parse("FROM a\nCOPY a <<EOF\nx\nEOF\n").Instructions[1];
        var e = Assert.ThrowsExactly<ContainerizeException>(() => InstructionParser.Parse(node));
        Assert.AreEqual(DockerfileErrors.HeredocAsDestination, e.Code);
        Assert.AreEqual("COPY cannot accept a heredoc as a destination", e.Diagnostic.Message);
    }

    [TestMethod]
    public void Error_EmptyVolume_CTZ1164()
    {
        Assert.AreEqual(DockerfileErrors.EmptyVolume, Fails("VOLUME [\"/a\", \" \"]").Code);
    }

    [TestMethod]
    public void Warning_MultipleInstructions_CTZ1170()
    {
        var model = Core.Dockerfiles.Stages.DockerfileModel.Parse("FROM a\nCMD a\nENTRYPOINT b\nCMD c\nFROM b\nCMD d\n", "Dockerfile");
        var w = model.Warnings.Single();
        Assert.AreEqual(DockerfileErrors.MultipleInstructions, w.Code);
        Assert.AreEqual(Severity.Warning, w.Severity);
        Assert.AreEqual(2, w.Line);
        Assert.AreEqual("Dockerfile:2: warning CTZ1170: Multiple CMD instructions should not be used in the same stage because only the last one will be used", w.ToString());
    }
}
