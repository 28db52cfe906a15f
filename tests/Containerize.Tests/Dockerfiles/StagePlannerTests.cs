using Containerize.Core.Diagnostics;
using Containerize.Core.Dockerfiles;
using Containerize.Core.Dockerfiles.Instructions;
using Containerize.Core.Dockerfiles.Stages;

namespace Containerize.Tests.Dockerfiles;

[TestClass]
public sealed class StagePlannerTests
{
    private static BuildPlan Plan(string dockerfile, BuildOptions? options = null)
    {
        var model = DockerfileModel.Parse(dockerfile, "Dockerfile");
        return new StagePlanner(new ShellWordExpander(model.EscapeToken)).Plan(model, options);
    }

    private static ContainerizeException Fails(string dockerfile, BuildOptions? options = null) =>
        Assert.ThrowsExactly<ContainerizeException>(() => Plan(dockerfile, options));

    private static T Single<T>(ResolvedStage stage)
        where T : Instruction => stage.Instructions.Select(i => i.Instruction).OfType<T>().Single();

    private const string ThreeStages = """
        FROM alpine AS builder
        RUN make
        FROM alpine AS tests
        RUN make test
        FROM scratch
        COPY --from=builder /out /app
        COPY --from=0 /lib /lib
        """;

    [TestMethod]
    public void Stage_ByNameAndIndex_UnusedSkipped()
    {
        var plan = Plan(ThreeStages);
        CollectionAssert.AreEqual(new[] { 0, 2 }, plan.Stages.Select(s => s.Index).ToArray());
        Assert.AreEqual(2, plan.Target.Index);
        Assert.AreEqual("stage-2", plan.Target.Stage.DisplayName);
        var deps = plan.Target.Dependencies;
        Assert.HasCount(2, deps);
        Assert.IsTrue(deps.All(d => d.Kind == DependencyKind.CopyFrom && d.StageIndex == 0));
    }

    [TestMethod]
    public void Stage_NamesAreCaseInsensitive()
    {
        var plan = Plan("FROM alpine AS Builder\nRUN x\nFROM scratch\nCOPY --from=BUILDER /a /b\n");
        Assert.AreEqual("builder", plan.Stages[0].Stage.Name);
        Assert.AreEqual(0, plan.Target.Dependencies.Single().StageIndex);
    }

    [TestMethod]
    public void Stage_Target()
    {
        var plan = Plan(ThreeStages, new BuildOptions { Target = "Tests" });
        Assert.AreEqual(1, plan.Target.Index);
        Assert.HasCount(1, plan.Stages);
    }

    [TestMethod]
    public void Stage_UnknownTarget_CTZ1201()
    {
        var e = Fails(ThreeStages, new BuildOptions { Target = "nope" });
        Assert.AreEqual(DockerfileErrors.UnknownTarget, e.Code);
        Assert.AreEqual("target stage \"nope\" could not be found", e.Diagnostic.Message);
        StringAssert.Contains(e.Diagnostic.Hint!, "builder, tests");
    }

    [TestMethod]
    public void Stage_FromEarlierStage_ContinuesItsEnvAndArgs()
    {
        // Checked against Docker 26: BuildKit's child stage starts from the parent's llb state, ARG values included.
        var plan = Plan("FROM alpine AS builder\nARG A=1\nENV E=2\nFROM builder AS final\nRUN true\nENV X=$E-$A-$B\n");
        CollectionAssert.AreEqual(new[] { 0, 1 }, plan.Stages.Select(s => s.Index).ToArray());
        Assert.AreEqual(0, plan.Target.BaseStageIndex);
        Assert.AreEqual(DependencyKind.Base, plan.Target.Dependencies.Single().Kind);
        Assert.AreEqual("2-1-", plan.Target.Env["X"]);
        Assert.AreEqual("1", plan.Target.Args["A"]);
        Assert.IsFalse(plan.Target.Env.ContainsKey("A"), "an ARG is not part of the image config");
        var env = plan.Target.Instructions[1];
        CollectionAssert.AreEquivalent(new[] { "E", "A" }, env.UsedVariables.ToArray());
        CollectionAssert.AreEquivalent(new[] { "B" }, env.UnsetVariables.ToArray());
        CollectionAssert.AreEquivalent(new[] { "A" }, plan.Target.Instructions[0].UsedVariables.ToArray(), "RUN's environment has the inherited ARG");
    }

    [TestMethod]
    public void Stage_FromLaterStageNameIsAnImage()
    {
        var plan = Plan("FROM final AS first\nFROM alpine AS final\n", new BuildOptions { Target = "first" });
        Assert.IsNull(plan.Target.BaseStageIndex);
        Assert.AreEqual("final", plan.Target.BaseName);
        Assert.HasCount(1, plan.Stages);
    }

    [TestMethod]
    public void Stage_ForwardCopyReferenceIsAllowedWhenAcyclic()
    {
        // BuildKit resolves --from against every stage, so a later stage can be copied from if that makes no cycle.
        var plan = Plan("FROM alpine AS a\nCOPY --from=b /x /x\nFROM alpine AS b\nFROM scratch\nCOPY --from=a /x /x\n");
        CollectionAssert.AreEqual(new[] { 1, 0, 2 }, plan.Stages.Select(s => s.Index).ToArray());
    }

    [TestMethod]
    public void Stage_CopyFromUnknownNameIsAnImage()
    {
        var plan = Plan("FROM scratch\nCOPY --from=busybox:1.36 /bin/busybox /bb\n");
        var d = plan.Target.Dependencies.Single();
        Assert.IsNull(d.StageIndex);
        Assert.AreEqual("busybox:1.36", d.Reference);
    }

    [TestMethod]
    public void Stage_Circular_CTZ1203()
    {
        var e = Fails("FROM alpine AS a\nCOPY --from=b /x /x\nFROM alpine AS b\nCOPY --from=a /y /y\n");
        Assert.AreEqual(DockerfileErrors.CircularDependency, e.Code);
        StringAssert.StartsWith(e.Diagnostic.Message, "circular dependency detected on stage: ");
    }

    [TestMethod]
    public void Stage_SelfReferenceThroughMount_CTZ1203()
    {
        var e = Fails("FROM alpine AS build\nRUN --mount=from=build,target=/x ls\n");
        Assert.AreEqual(DockerfileErrors.CircularDependency, e.Code);
        Assert.AreEqual(2, e.Diagnostic.Line);
    }

    [TestMethod]
    public void Stage_InvalidIndex_CTZ1204()
    {
        var e = Fails("FROM alpine\nCOPY --from=5 /x /x\n");
        Assert.AreEqual(DockerfileErrors.InvalidStageIndex, e.Code);
        Assert.AreEqual("invalid stage index 5", e.Diagnostic.Message);
        Assert.AreEqual(2, e.Diagnostic.Line);
    }

    [TestMethod]
    public void Stage_CopyFromVariable_CTZ1205()
    {
        var e = Fails("ARG SRC=alpine\nFROM scratch\nCOPY --from=$SRC /x /x\n");
        Assert.AreEqual(DockerfileErrors.FromVariableNotSupported, e.Code);
        Assert.AreEqual(3, e.Diagnostic.Line);
    }

    [TestMethod]
    public void Stage_BlankBaseName_CTZ1206()
    {
        var e = Fails("ARG IMAGE\nFROM $IMAGE\n");
        Assert.AreEqual(DockerfileErrors.BlankBaseName, e.Code);
        Assert.AreEqual("base name ($IMAGE) should not be blank", e.Diagnostic.Message);
        Assert.AreEqual("alpine", Plan("ARG IMAGE\nFROM $IMAGE\n", new BuildOptions { BuildArgs = new Dictionary<string, string> { ["IMAGE"] = "alpine" } }).Target.BaseName);
    }

    [TestMethod]
    public void Stage_InstructionBeforeFrom_CTZ1200()
    {
        var e = Fails("ARG A=1\nRUN echo\nFROM alpine\n");
        Assert.AreEqual(DockerfileErrors.InstructionBeforeFrom, e.Code);
        Assert.AreEqual("no build stage in current context", e.Diagnostic.Message);
        Assert.AreEqual(2, e.Diagnostic.Line);
    }

    [TestMethod]
    public void Stage_DuplicateName_CTZ1202_LastWins()
    {
        var plan = Plan("FROM alpine AS x\nFROM busybox AS x\nFROM scratch\nCOPY --from=x /a /a\n");
        Assert.AreEqual(1, plan.Target.Dependencies.Single().StageIndex);
        var w = plan.Warnings.Single(w => w.Code == DockerfileErrors.DuplicateStageName);
        Assert.AreEqual(Severity.Warning, w.Severity);
        Assert.AreEqual(2, w.Line);
    }

    [TestMethod]
    public void Args_GlobalArgNeedsRedeclaration()
    {
        var plan = Plan("ARG V=1\nARG IMG=alpine:$V\nFROM $IMG\nENV A=$V\nARG V\nENV B=$V\n");
        Assert.AreEqual("alpine:1", plan.Target.BaseName);
        CollectionAssert.AreEquivalent(new[] { "IMG" }, plan.Target.FromVariables.ToArray());
        var envs = plan.Target.Instructions.Select(i => i.Instruction).OfType<EnvInstruction>().ToList();
        Assert.AreEqual("", envs[0].Variables[0].Value);
        Assert.AreEqual("1", envs[1].Variables[0].Value);
        Assert.AreEqual("1", plan.GlobalArgs["V"]);
        Assert.AreEqual("alpine:1", plan.GlobalArgs["IMG"]);
    }

    [TestMethod]
    public void Args_BuildArgOverridesDefaults()
    {
        var options = new BuildOptions { BuildArgs = new Dictionary<string, string> { ["V"] = "9", ["S"] = "s9" } };
        var plan = Plan("ARG V=1\nFROM alpine:$V\nARG V\nARG S=s1\nLABEL v=$V s=$S\n", options);
        Assert.AreEqual("alpine:9", plan.Target.BaseName);
        var label = Single<LabelInstruction>(plan.Target);
        Assert.AreEqual("9", label.Labels[0].Value);
        Assert.AreEqual("s9", label.Labels[1].Value);
        Assert.IsEmpty(plan.Warnings);
    }

    [TestMethod]
    public void Args_UnusedBuildArg_CTZ1209()
    {
        var plan = Plan("FROM alpine\n", new BuildOptions { BuildArgs = new Dictionary<string, string> { ["NOPE"] = "1" } });
        var w = plan.Warnings.Single();
        Assert.AreEqual(DockerfileErrors.UnusedBuildArg, w.Code);
        Assert.AreEqual("One or more build-args [NOPE] were not consumed", w.Message);
    }

    [TestMethod]
    public void Args_PlatformArgsAreAutomatic()
    {
        var plan = Plan("FROM --platform=$BUILDPLATFORM golang AS b\nARG TARGETARCH\nARG TARGETVARIANT\nENV A=$TARGETARCH O=$TARGETOS V=$TARGETVARIANT\n",
            new BuildOptions { TargetPlatform = "linux/arm/v7" });
        Assert.AreEqual("linux/amd64", plan.Target.Platform);
        var env = Single<EnvInstruction>(plan.Target).Variables;
        Assert.AreEqual("arm", env[0].Value);
        Assert.AreEqual("", env[1].Value, "TARGETOS was not redeclared in the stage");
        Assert.AreEqual("v7", env[2].Value);
    }

    [TestMethod]
    public void Args_InvalidPlatform_CTZ1208()
    {
        Assert.AreEqual(DockerfileErrors.InvalidBuildArg, Fails("FROM alpine\n", new BuildOptions { TargetPlatform = "linux" }).Code);
    }

    [TestMethod]
    public void EnvAndArgShareOneEnvironment_LastWins()
    {
        // Checked against Docker 26: ENV then ARG with a value gives the ARG's value; a bare ARG changes nothing.
        var plan = Plan("FROM alpine\nENV X=env\nARG X=arg\nENV Y=$X A=1 B=$A\nENV Z=env\nARG Z\nWORKDIR /$X/$Z\n");
        var env = plan.Target.Instructions[2].Instruction as EnvInstruction;
        Assert.AreEqual("arg", env!.Variables[0].Value);
        Assert.AreEqual("", env.Variables[2].Value, "an ENV line expands with the values before it");
        Assert.AreEqual("/arg/env", Single<WorkdirInstruction>(plan.Target).Path);
        Assert.AreEqual("env", plan.Target.Env["X"], "the image config keeps the ENV value");
        Assert.AreEqual("arg", plan.Target.Variables["X"]);
    }

    [TestMethod]
    public void Arg_DefaultsExpandBeforeAnyApplies_AndKeepTheirWrittenFormForHistory()
    {
        // Checked against Docker 26: `ARG A=1 B=$A` gives B empty (history "ARG A=1 B=", RUN "|2 A=1 B= ..."); a build
        // arg beats the default in the environment, not in the ARG's history text; a bare ARG stays bare there.
        var plan = Plan("ARG G=g\nFROM alpine\nARG X=x\nARG A=1 B=$A C=$X\nARG G\nARG O=${X}o\n",
            new BuildOptions { BuildArgs = new Dictionary<string, string> { ["O"] = "over" } });
        var steps = plan.Target.Instructions;
        var abc = steps[1];
        CollectionAssert.AreEqual(new[] { "1", "", "x" }, ((ArgInstruction)abc.Instruction).Args.Select(a => a.Value).ToArray());
        CollectionAssert.AreEqual(new[] { "1", "", "x" }, abc.DeclaredArgs!.Select(a => a.Value).ToArray());
        Assert.AreEqual("", plan.Target.Args["B"]);
        Assert.AreEqual("g", ((ArgInstruction)steps[2].Instruction).Args[0].Value, "a bare ARG takes the global value");
        Assert.IsNull(steps[2].DeclaredArgs![0].Value, "and is written bare");
        Assert.AreEqual("over", plan.Target.Args["O"]);
        Assert.AreEqual("xo", steps[3].DeclaredArgs![0].Value, "the written default, expanded");
    }

    [TestMethod]
    public void Expansion_OnlyTheInstructionsBuildKitExpands()
    {
        var plan = Plan("""
            FROM alpine
            ARG P=8080 Q="80 443" U=app D=/data S=SIGTERM F=f.txt
            EXPOSE $P $Q
            USER $U
            VOLUME $D
            STOPSIGNAL $S
            COPY --chown=$U $F /dst/$F
            ADD --chmod=$P $F /dst/
            LABEL k=$U
            RUN echo $U
            CMD echo $U
            ENTRYPOINT ["$U"]
            HEALTHCHECK CMD check $U
            ONBUILD RUN $U
            SHELL ["/bin/$U"]
            """);
        string Text(int i) => InstructionText.Format(plan.Target.Instructions[i].Instruction);
        Assert.AreEqual("EXPOSE 8080 80 443", Text(1));
        Assert.AreEqual("USER app", Text(2));
        Assert.AreEqual("VOLUME [\"/data\"]", Text(3));
        Assert.AreEqual("STOPSIGNAL SIGTERM", Text(4));
        Assert.AreEqual("COPY --chown=app f.txt /dst/f.txt", Text(5));
        Assert.AreEqual("ADD --chmod=8080 f.txt /dst/", Text(6));
        Assert.AreEqual("LABEL k=app", Text(7));
        Assert.AreEqual("RUN echo $U", Text(8));
        Assert.AreEqual("CMD echo $U", Text(9));
        Assert.AreEqual("ENTRYPOINT [\"$U\"]", Text(10));
        Assert.AreEqual("HEALTHCHECK CMD check $U", Text(11));
        Assert.AreEqual("ONBUILD RUN $U", Text(12));
        Assert.AreEqual("SHELL [\"/bin/$U\"]", Text(13));
        CollectionAssert.AreEquivalent(new[] { "U", "F" }, plan.Target.Instructions[5].UsedVariables.ToArray());
        CollectionAssert.AreEquivalent(new[] { "P", "Q", "U", "D", "S", "F" }, plan.Target.Instructions[8].UsedVariables.ToArray(), "RUN sees every build arg");
    }

    [TestMethod]
    public void Expansion_RunMountsAreExpanded()
    {
        var plan = Plan("FROM alpine\nARG DIR=/cache ID=c1\nRUN --mount=type=cache,target=$DIR,id=$ID make\n");
        var mount = Single<RunInstruction>(plan.Target).Mounts.Single();
        Assert.AreEqual(MountType.Cache, mount.Type);
        Assert.AreEqual("/cache", mount.Target);
        Assert.AreEqual("c1", mount.CacheId);
    }

    [TestMethod]
    public void Expansion_BacktickEscape()
    {
        var plan = Plan("# escape=`\nFROM alpine\nARG A=x\nENV B=`$A C=$A\n");
        var env = Single<EnvInstruction>(plan.Target).Variables;
        Assert.AreEqual("$A", env[0].Value);
        Assert.AreEqual("x", env[1].Value);
    }

    [TestMethod]
    public void Expansion_LexerErrorHasFileAndLine()
    {
        var e = Fails("FROM alpine\nENV A=${B\n");
        StringAssert.StartsWith(e.Code, "CTZ11");
        Assert.AreEqual("Dockerfile", e.Diagnostic.File);
        Assert.AreEqual(2, e.Diagnostic.Line);
    }

    [TestMethod]
    public void Onbuild_TriggersRunInTheChildStage()
    {
        var plan = Plan("FROM alpine AS tools\nFROM alpine AS base\nONBUILD COPY --from=tools /t /t\nFROM base\nRUN x\n");
        CollectionAssert.AreEqual(new[] { 0, 1, 2 }, plan.Stages.Select(s => s.Index).ToArray());
        var first = plan.Target.Instructions[0];
        Assert.IsTrue(first.FromOnbuild);
        Assert.IsInstanceOfType<CopyInstruction>(first.Instruction);
        Assert.IsTrue(plan.Target.Dependencies.Any(d => d.Kind == DependencyKind.CopyFrom && d.StageIndex == 0));
    }

    [TestMethod]
    public void Onbuild_BaseImageTriggersComeFirstExpandedAndCanNeedAStage()
    {
        var options = new BuildOptions
        {
            BaseImageOnBuild = new Dictionary<string, IReadOnlyList<string>> { ["img:1"] = ["COPY --from=tools /t /t", "ENV FROM_TRIGGER=$V"] },
        };
        var plan = Plan("FROM alpine AS tools\nFROM img:1\nARG V=2\nRUN x\n", options);
        CollectionAssert.AreEqual(new[] { 0, 1 }, plan.Stages.Select(s => s.Index).ToArray(), "the trigger's --from makes tools needed");
        var steps = plan.Target.Instructions;
        Assert.IsTrue(steps[0].FromOnbuild && steps[1].FromOnbuild && !steps[2].FromOnbuild);
        Assert.AreEqual(2, steps[0].Source.StartLine, "a trigger sits on the FROM line");
        Assert.AreEqual("FROM_TRIGGER", ((EnvInstruction)steps[1].Instruction).Variables[0].Key);
        Assert.AreEqual("", ((EnvInstruction)steps[1].Instruction).Variables[0].Value, "triggers run before the stage's own ARG");
    }

    [TestMethod]
    public void Onbuild_BadBaseImageTriggerIsAnErrorAtTheFromLine()
    {
        var options = new BuildOptions { BaseImageOnBuild = new Dictionary<string, IReadOnlyList<string>> { ["img:1"] = ["ONBUILD RUN x"] } };
        var e = Fails("# base\nFROM img:1\n", options);
        Assert.AreEqual(DockerfileErrors.OnbuildTriggerNotAllowed, e.Code);
        Assert.AreEqual(2, e.Diagnostic.Line);
        StringAssert.Contains(e.Diagnostic.Message, "ONBUILD trigger 'ONBUILD RUN x' of base image 'img:1'");
    }

    [TestMethod]
    public void Expansion_HeredocSourcesOfCopy()
    {
        var plan = Plan("FROM alpine\nARG A=1\nCOPY <<EOF <<'RAW' /d/\n$A \"q\" ${A:-x}\nEOF\n$A\nRAW\n");
        var files = Single<CopyInstruction>(plan.Target).Paths.SourceContents;
        Assert.AreEqual("1 \"q\" 1\n", files[0].Data);
        Assert.AreEqual("$A\n", files[1].Data, "a quoted terminator keeps the body literal");
        CollectionAssert.AreEquivalent(new[] { "A" }, plan.Target.Instructions[1].UsedVariables.ToArray());
    }

    [TestMethod]
    public void Stage_FromNameIsMatchedAsWritten()
    {
        // BuildKit keys stages by their lower-cased name and looks FROM up as written, so "FROM Build" is an image.
        Assert.IsNull(Plan("FROM alpine AS Build\nFROM Build\n").Target.BaseStageIndex);
        Assert.AreEqual(0, Plan("FROM alpine AS Build\nFROM build\n").Target.BaseStageIndex);
    }
}
