namespace Containerize.Tests.Infrastructure;

/// <summary>
/// The real Docker engines eng/setup starts (eng/setup.d/30-docker.sh): Debian's dockerd 20.10 on the default
/// socket, and Docker 26 (current BuildKit, heredocs, the Docker 23+ pattern matcher) behind a client wrapper.
/// </summary>
public static class DockerEngines
{
    /// <summary>The lab folder eng/setup uses: CTZ_LAB, else artifacts/lab in the repository.</summary>
    public static string Lab =>
        Environment.GetEnvironmentVariable("CTZ_LAB") is { Length: > 0 } lab ? lab : Path.Combine(RepoPaths.Root, "artifacts", "lab");

    /// <summary>The Docker 26 client wrapper (a script that sets DOCKER_HOST), or a Missing() outcome.</summary>
    public static string Docker26()
    {
        var path = Environment.GetEnvironmentVariable("CTZ_DOCKER26") is { Length: > 0 } p ? p : Path.Combine(Lab, "docker26", "docker");
        if (!File.Exists(path) || !Answers(path)) Requirements.Missing($"Docker 26 is not running (expected its client at {path}; bash eng/setup starts it)");
        return path;
    }

    /// <summary>Debian's docker client (20.10, with BuildKit) talking to dockerd 20.10, or a Missing() outcome.</summary>
    public static string Docker20()
    {
        const string path = "/usr/bin/docker";
        if (!File.Exists(path) || !Answers(path)) Requirements.Missing("dockerd 20.10 is not running (bash eng/setup starts it)");
        return path;
    }

    private static bool Answers(string client)
    {
        var r = ProcessRunner.RunAsync(client, ["version", "--format", "{{.Server.Version}}"], timeout: TimeSpan.FromSeconds(20)).GetAwaiter().GetResult();
        return r.ExitCode == 0;
    }
}
