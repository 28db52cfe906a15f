using Containerize.Core.Building.Steps;
using Containerize.Core.Dockerfiles.Instructions;
using Containerize.Core.Images.Oci;

namespace Containerize.Tests.Building;

/// <summary>
/// BuildKit's Go formatting of created_by, on the texts Docker 26 wrote for the same instructions (copied from its
/// `docker history --no-trunc`); ImageLifecycleTests compares whole builds with Docker 26 itself.
/// </summary>
[TestClass]
public sealed class BuildKitHistoryTests
{
    [TestMethod]
    [DataRow("echo", "\"echo\"")]
    [DataRow("tab\there", "\"tab\\there\"")]
    [DataRow("q\"uote", "\"q\\\"uote\"")]
    [DataRow("a\\b", "\"a\\\\b\"")]
    [DataRow("ü", "\"ü\"")]
    [DataRow("\u0001", "\"\\x01\"")]
    [DataRow("\u00a0nbsp", "\"\\u00a0nbsp\"")]
    [DataRow("emoji😀", "\"emoji😀\"")]
    [DataRow("new\nline\u007f", "\"new\\nline\\x7f\"")]
    public void GoQuote_IsStrconvQuote(string value, string expected) => Assert.AreEqual(expected, BuildKitHistory.GoQuote(value));

    [TestMethod]
    [DataRow(0, "'\\x00'")]
    [DataRow(3, "'\\x03'")]
    [DataRow(10, "'\\n'")]
    [DataRow(65, "'A'")]
    [DataRow(39, "'\\''")]
    [DataRow(-1, "'�'")]
    public void GoQuoteRune_IsWhatPercentQGivesAnInt(int value, string expected) => Assert.AreEqual(expected, BuildKitHistory.GoQuoteRune(value));

    [TestMethod]
    public void Metadata_TextsAreDocker26s()
    {
        var config = new ContainerConfig { Cmd = ["/bin/sh", "-ec", "echo cmd $A"], WorkingDir = "/app/work" };
        Assert.AreEqual("CMD [\"/bin/sh\" \"-ec\" \"echo cmd $A\"]", BuildKitHistory.Metadata(new CmdInstruction(new CommandLine(["echo cmd $A"], true, [])), config));
        Assert.AreEqual("WORKDIR /app/work", BuildKitHistory.Metadata(new WorkdirInstruction("work"), config));
        Assert.AreEqual("EXPOSE map[7000/tcp:{} 7001/tcp:{} 80/tcp:{} 8080/tcp:{} 9090/udp:{}]",
            BuildKitHistory.Metadata(new ExposeInstruction(["8080", "9090/udp", "7000-7001", "80/tcp"]), config));
        Assert.AreEqual("VOLUME [/json vol /two]", BuildKitHistory.Metadata(new VolumeInstruction(["/json vol", "/two"]), config));
        Assert.AreEqual("SHELL [/bin/sh -ec]", BuildKitHistory.Metadata(new ShellInstruction(["/bin/sh", "-ec"]), config));
        Assert.AreEqual("LABEL tier=web quoted key=v a empty=",
            BuildKitHistory.Metadata(new LabelInstruction([new KeyValue("tier", "web"), new KeyValue("quoted key", "v a"), new KeyValue("empty", "")]), config));
        Assert.AreEqual("HEALTHCHECK &{[\"CMD-SHELL\" \"wget -q localhost || exit 1\"] \"30s\" \"5s\" \"0s\" \"0s\" '\\x03'}", BuildKitHistory.Metadata(
            new HealthcheckInstruction(["CMD-SHELL", "wget -q localhost || exit 1"], TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(5), TimeSpan.Zero, TimeSpan.Zero, 3), config));
        Assert.IsNull(BuildKitHistory.Metadata(new OnbuildInstruction("USER x", new UserInstruction("x")), config), "BuildKit records ONBUILD in the config only");
    }

    [TestMethod]
    public void Run_ListsTheStagesOwnArgsInOrderWithTheEnvironmentsValues()
    {
        string[] argv = ["/bin/sh", "-c", "echo built > /out.txt"];
        Assert.AreEqual("RUN /bin/sh -c echo built > /out.txt # buildkit", BuildKitHistory.Run(argv, [], ["V=1"]));
        Assert.AreEqual("RUN |4 V=envv W= GLOBAL=g1 TOKEN=zz /bin/sh -c echo built > /out.txt # buildkit",
            BuildKitHistory.Run(argv, ["V", "W", "GLOBAL", "TOKEN"], ["PATH=/bin", "V=envv", "GLOBAL=g1", "TOKEN=zz"]));
        Assert.AreEqual("ARG V=1 W", BuildKitHistory.Arg([new ArgDefinition("V", "1"), new ArgDefinition("W", null)]));
    }
}
