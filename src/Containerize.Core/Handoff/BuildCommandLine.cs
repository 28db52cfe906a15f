namespace Containerize.Core.Handoff;

/// <summary>The argument lists of <c>docker build</c>, <c>docker buildx build</c> and <c>podman build</c> for one request.</summary>
public static class BuildCommandLine
{
    /// <summary>
    /// Arguments for a Docker client reading the context tar from stdin (<c>-</c>); the Dockerfile is named by its
    /// path inside that tar, the only place BuildKit and the daemon look for it when the context is a stream.
    /// </summary>
    public static IReadOnlyList<string> Docker(EngineClient client, ExternalBuildRequest request, string dockerfileInTar, string iidFile, string? metadataFile)
    {
        var args = new List<string>();
        if (client.Builder == BuilderKind.Buildx)
        {
            args.AddRange(["buildx", "build"]);
            if (client.BuildxBuilder is not null) args.AddRange(["--builder", client.BuildxBuilder]);
            args.Add("--progress=plain");
            // --push sends the image to the registry; otherwise --load puts it into the daemon, which a
            // remote builder (remote, docker-container drivers) does not do by itself.
            args.Add(request.Push ? "--push" : "--load");
            if (metadataFile is not null) args.AddRange(["--metadata-file", metadataFile]);
        }
        else
        {
            args.Add("build");
            if (client.Builder == BuilderKind.BuildKit) args.Add("--progress=plain");
        }

        args.AddRange(["-f", dockerfileInTar, "--iidfile", iidFile]);
        AddCommon(args, request);
        args.Add("-");
        return args;
    }

    /// <summary>Arguments for podman, which takes a context folder, not a stream.</summary>
    public static IReadOnlyList<string> Podman(ExternalBuildRequest request, string contextDir, string dockerfile, string iidFile, string ignoreFile)
    {
        var args = new List<string> { "build", "-f", dockerfile, "--iidfile", iidFile, "--ignorefile", ignoreFile };
        AddCommon(args, request);
        args.Add(contextDir);
        return args;
    }

    private static void AddCommon(List<string> args, ExternalBuildRequest request)
    {
        foreach (var tag in request.Tags) args.AddRange(["-t", tag]);
        if (request.Target is { Length: > 0 } target) args.AddRange(["--target", target]);
        foreach (var (k, v) in request.BuildArgs) args.AddRange(["--build-arg", v is null ? k : $"{k}={v}"]);
        foreach (var (k, v) in request.Labels) args.AddRange(["--label", $"{k}={v}"]);
        if (request.Platform is { Length: > 0 } platform) args.AddRange(["--platform", platform]);
        if (request.NoCache) args.Add("--no-cache");
        if (request.Network is { Length: > 0 } network) args.Add("--network=" + network);
    }
}
