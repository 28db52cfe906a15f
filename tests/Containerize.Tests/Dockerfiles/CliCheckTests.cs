using Containerize.Tests.Infrastructure;

namespace Containerize.Tests.Dockerfiles;

[TestClass]
public sealed class CliCheckTests
{
    private const string Dockerfile = """
        ARG DOTNET=10.0
        FROM mcr.microsoft.com/dotnet/sdk:${DOTNET} AS build
        ARG CONFIG=Release
        WORKDIR /src
        COPY src/ /app/$CONFIG/
        FROM build AS unused
        RUN false
        FROM mcr.microsoft.com/dotnet/runtime:${DOTNET}
        COPY --from=build /app /app
        CMD ["dotnet", "app.dll"]
        CMD ["dotnet", "app.dll", "--again"]
        """;

    [TestMethod]
    public async Task Cli_Check_PrintsNeededStagesExpanded()
    {
        using var tmp = new TempDir();
        tmp.Write("Dockerfile", Dockerfile);
        var r = await CliRunner.RunAsync(tmp.Path, "dockerfile", "check", "Dockerfile", "--build-arg", "CONFIG=Debug", "--build-arg", "DOTNET=9.0");
        Assert.AreEqual(0, r.ExitCode, r.StdErr);
        Assert.AreEqual("""
            target stage-2: 2 of 3 stages (skipped: unused)
            stage 0 build (FROM mcr.microsoft.com/dotnet/sdk:9.0 AS build)
              3: ARG CONFIG=Debug
              4: WORKDIR /src
              5: COPY src/ /app/Debug/
            stage 2 stage-2 (FROM mcr.microsoft.com/dotnet/runtime:9.0)
              9: COPY --from=build /app /app
              10: CMD ["dotnet", "app.dll"]
              11: CMD ["dotnet", "app.dll", "--again"]

            """.Replace("\r\n", "\n", StringComparison.Ordinal), r.StdOut);
        Assert.AreEqual("Dockerfile:10: warning CTZ1170: Multiple CMD instructions should not be used in the same stage because only the last one will be used\n", r.StdErr);
    }

    [TestMethod]
    public async Task Cli_Check_Target()
    {
        using var tmp = new TempDir();
        tmp.Write("Dockerfile", Dockerfile);
        var r = await CliRunner.RunAsync(tmp.Path, "dockerfile", "check", "Dockerfile", "--target", "unused");
        Assert.AreEqual(0, r.ExitCode, r.StdErr);
        StringAssert.StartsWith(r.StdOut, "target unused: 2 of 3 stages (skipped: stage-2)\nstage 0 build");
        StringAssert.Contains(r.StdOut, "stage 1 unused (FROM build AS unused)\n  7: RUN false\n");
    }

    [TestMethod]
    public async Task Cli_Check_UnknownTargetIsACodedError()
    {
        using var tmp = new TempDir();
        tmp.Write("Dockerfile", Dockerfile);
        var r = await CliRunner.RunAsync(tmp.Path, "dockerfile", "check", "Dockerfile", "--target", "nope");
        Assert.AreEqual(1, r.ExitCode);
        StringAssert.StartsWith(r.StdErr, "Dockerfile: CTZ1201 target stage \"nope\" could not be found");
        Assert.AreEqual("", r.StdOut);
    }

    [TestMethod]
    public async Task Cli_Check_InstructionErrorHasLine()
    {
        using var tmp = new TempDir();
        tmp.Write("Dockerfile", "FROM alpine\nCOPY --form=x a b\n");
        var r = await CliRunner.RunAsync(tmp.Path, "dockerfile", "check", "Dockerfile");
        Assert.AreEqual(1, r.ExitCode);
        StringAssert.StartsWith(r.StdErr, "Dockerfile:2: CTZ1151 unknown flag: --form");
    }
}
