using Containerize.Core.Building.Output;
using Containerize.Core.Building.Plan;
using Containerize.Core.Diagnostics;
using Containerize.Core.Destinations;
using Containerize.Core.Dockerfiles.Stages;
using Containerize.Core.Images.Oci;

namespace Containerize.Core.Building;

/// <summary>
/// A request read and checked before the store is opened: the context folder and Dockerfile (absolute), the parsed
/// Dockerfile and its stage graph's base images, the tags and outputs, the target platform and the planner's options.
/// Every error a user can fix without a registry or a step (a bad tag, output, target, secret file) is raised here.
/// </summary>
public sealed record BuildInputs(
    string ContextDirectory,
    string Dockerfile,
    DockerfileModel Model,
    StagePlanner Planner,
    BuildOptions Options,
    IReadOnlyList<StageBase> Bases,
    Platform TargetPlatform,
    IReadOnlyList<ImageReference> Tags,
    IReadOnlyList<IImageDestination> Outputs)
{
    public static async Task<BuildInputs> ReadAsync(BuildRequest request, CancellationToken cancellationToken)
    {
        var contextDir = Path.GetFullPath(request.ContextDirectory);
        if (!Directory.Exists(contextDir))
        {
            throw new ContainerizeException(GeneralErrors.FileNotFound, $"build context '{request.ContextDirectory}' is not a folder", hint: "give the context folder as the last argument");
        }

        var dockerfile = Path.GetFullPath(request.DockerfilePath ?? Path.Combine(contextDir, "Dockerfile"));
        var tags = request.Tags.Select(ParseTag).ToList();
        var model = await DockerfileModel.LoadAsync(dockerfile, dockerfile, cancellationToken).ConfigureAwait(false);
        var planner = new StagePlanner(new ShellWordExpander(model.EscapeToken));
        var outputs = request.Outputs.Select(o => BuildOutputWriter.Parse(o, contextDir)).ToList();
        BuildOutputWriter.Validate(outputs, tags);
        var hostPlatform = BuildPlatforms.Host;
        var targetPlatform = request.Platform is { } requested ? BuildPlatforms.Parse(requested) : hostPlatform;
        var options = new BuildOptions
        {
            BuildArgs = request.BuildArgs,
            Target = request.Target,
            TargetPlatform = BuildPlatforms.ArgValue(targetPlatform),
            BuildPlatform = BuildPlatforms.ArgValue(hostPlatform),
        };

        // The stage graph only (which stages, built FROM what): the plan itself waits for the base images' environment.
        var bases = planner.Bases(model, options);
        CheckSecretSources(request);
        return new BuildInputs(contextDir, dockerfile, model, planner, options, bases, targetPlatform, tags, outputs);
    }

    /// <summary>As the docker client: every --secret file and --ssh socket must exist before anything runs.</summary>
    private static void CheckSecretSources(BuildRequest request)
    {
        foreach (var (id, file) in request.Secrets)
        {
            if (!File.Exists(file))
            {
                throw new ContainerizeException(BuildErrors.BadSecretSource, $"secret '{id}': file '{file}' does not exist",
                    hint: "give an existing file with --secret id=ID,src=FILE, or env=VARIABLE");
            }
        }

        foreach (var (id, socket) in request.SshAgents)
        {
            // Off Linux no RUN can use the agent (CTZ5047 says so at the step): only a socket that exists is checked.
            if (OperatingSystem.IsLinux() ? Os.LibC.LStat(socket) is not { Kind: Os.EntryType.Socket } : !File.Exists(socket))
            {
                throw new ContainerizeException(BuildErrors.BadSecretSource, $"ssh agent '{id}': '{socket}' is not a socket",
                    hint: "start an agent (eval $(ssh-agent)) or give --ssh ID=/path/to/agent.sock; key files are not supported, only agent sockets");
            }
        }
    }

    private static ImageReference ParseTag(string tag) =>
        ImageReference.TryParse(tag, out var reference) && reference!.Digest is null
            ? reference.WithDefaultTag()
            : throw new ContainerizeException(BuildErrors.BadTag, $"invalid tag '{tag}'", hint: "write -t name[:tag], e.g. -t myapp:1.0");
}
