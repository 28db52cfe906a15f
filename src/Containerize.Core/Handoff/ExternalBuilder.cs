using System.Formats.Tar;
using System.IO.Pipes;
using System.Text.Json;
using System.Text.RegularExpressions;
using System.Text;
using Containerize.Core.Diagnostics;

namespace Containerize.Core.Handoff;

/// <summary>
/// Hands a Dockerfile and our computed context to Docker (buildx, the daemon's BuildKit or the classic builder)
/// or to Podman, streams the engine's output into the sink, and turns its failures into coded errors.
/// </summary>
public static partial class ExternalBuilder
{
    public static async Task<ExternalBuildResult> BuildAsync(
        EngineKind kind, ExternalBuildRequest request, EngineLocatorOptions? options, IDiagnosticSink sink, CancellationToken ct)
    {
        var client = await EngineLocator.FindAsync(kind, options, sink, ct);
        return await BuildAsync(client, request, options?.Environment, sink, ct);
    }

    public static async Task<ExternalBuildResult> BuildAsync(
        EngineClient client, ExternalBuildRequest request, IReadOnlyDictionary<string, string?>? environment, IDiagnosticSink sink, CancellationToken ct)
    {
        if (request.DockerfileInContext is null == request.DockerfileContent is null)
        {
            throw new ArgumentException("give either DockerfileInContext or DockerfileContent", nameof(request));
        }

        sink.Info("hand-off to " + client.Describe());
        var env = Merge(environment, client.Environment);
        var work = Directory.CreateTempSubdirectory("ctz-handoff-");
        try
        {
            return client.Kind == EngineKind.Podman
                ? await PodmanAsync(client, request, env, work.FullName, sink, ct)
                : await DockerAsync(client, request, env, work.FullName, sink, ct);
        }
        finally
        {
            try
            {
                work.Delete(recursive: true);
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
        }
    }

    private static async Task<ExternalBuildResult> DockerAsync(
        EngineClient client, ExternalBuildRequest request, IReadOnlyDictionary<string, string?> env, string work, IDiagnosticSink sink, CancellationToken ct)
    {
        var dockerfileInTar = request.DockerfileInContext ?? DockerfileInjector.NameFor(request.DockerfileContent);
        var iidFile = Path.Combine(work, "iid");
        var metadataFile = client.Builder == BuilderKind.Buildx ? Path.Combine(work, "metadata.json") : null;
        var args = BuildCommandLine.Docker(client, request, dockerfileInTar, iidFile, metadataFile);
        sink.Detail($"{client.Path} {string.Join(' ', args)}");

        Task Stdin(Stream s, CancellationToken c) =>
            DockerfileInjector.CopyForDockerAsync(request.WriteContext, s, request.DockerfileContent, client.Builder == BuilderKind.Classic, c);
        var parser = new BuildOutputParser(request.FailureLines, dockerfileInTar);
        var run = await EngineProcess.RunAsync(client.Path, args, env, Stdin, (line, _) => Forward(parser, sink, line), ct);
        if (run.ExitCode != 0) throw Failed(parser, run.ExitCode, request, client);

        var imageId = await ReadImageIdAsync(iidFile, parser, client, ct);
        string? manifestDigest = null;
        if (request.Push)
        {
            manifestDigest = client.Builder == BuilderKind.Buildx
                ? await ReadMetadataDigestAsync(metadataFile!, ct)
                : await DockerPushAsync(client, request.Tags, env, sink, ct);
        }

        return new ExternalBuildResult(imageId, manifestDigest, request.Tags, client);
    }

    private static async Task<ExternalBuildResult> PodmanAsync(
        EngineClient client, ExternalBuildRequest request, IReadOnlyDictionary<string, string?> env, string work, IDiagnosticSink sink, CancellationToken ct)
    {
        // podman build reads no context from stdin: unpack our tar into a folder and give it an ignore file
        // that keeps everything, so that what podman sees is exactly what we computed and it filters nothing again.
        var contextDir = Path.Combine(work, "context");
        Directory.CreateDirectory(contextDir);
        await ExtractAsync(request.WriteContext, contextDir, ct);
        // podman 4.3 falls back to the context's .dockerignore when the ignore file has no pattern, so this one
        // has a pattern that re-includes everything.
        var ignoreFile = Path.Combine(work, "keep-all.dockerignore");
        await File.WriteAllTextAsync(ignoreFile, "!*\n", ct);
        string dockerfile;
        if (request.DockerfileContent is { } content)
        {
            dockerfile = Path.Combine(work, "Dockerfile");
            await File.WriteAllBytesAsync(dockerfile, content, ct);
        }
        else
        {
            dockerfile = Path.Combine(contextDir, request.DockerfileInContext!);
        }

        var iidFile = Path.Combine(work, "iid");
        var args = BuildCommandLine.Podman(request, contextDir, dockerfile, iidFile, ignoreFile);
        sink.Detail($"{client.Path} {string.Join(' ', args)}");
        var parser = new BuildOutputParser(request.FailureLines);
        var run = await EngineProcess.RunAsync(client.Path, args, env, null, (line, _) => Forward(parser, sink, line), ct);
        if (run.ExitCode != 0) throw Failed(parser, run.ExitCode, request, client);
        var imageId = await ReadImageIdAsync(iidFile, parser, client, ct);
        string? manifestDigest = null;
        if (request.Push)
        {
            foreach (var tag in request.Tags)
            {
                var digestFile = Path.Combine(work, "digest");
                string[] pushArgs = request.InsecureRegistry ? ["push", "--tls-verify=false", "--digestfile", digestFile, tag] : ["push", "--digestfile", digestFile, tag];
                var push = await EngineProcess.RunAsync(client.Path, pushArgs, env, null, (line, _) => sink.Info(line), ct);
                if (push.ExitCode != 0 || !File.Exists(digestFile)) throw PushFailed(tag, push);
                manifestDigest = (await File.ReadAllTextAsync(digestFile, ct)).Trim();
            }
        }

        return new ExternalBuildResult(imageId, manifestDigest, request.Tags, client);
    }

    private static void Forward(BuildOutputParser parser, IDiagnosticSink sink, string line)
    {
        parser.Add(line);
        sink.Info(line);
    }

    private static ContainerizeException Failed(BuildOutputParser parser, int exitCode, ExternalBuildRequest request, EngineClient client)
    {
        var dockerfileText = request.DockerfileContent is { } c ? Encoding.UTF8.GetString(c)
            : request.DockerfileDisplayPath is { } p && File.Exists(p) ? File.ReadAllText(p) : null;
        var failure = parser.Failure(exitCode, dockerfileText)!;
        var step = failure.Step is null ? "" : $"step {failure.Step} ";
        var instruction = failure.Instruction is null ? "" : $"'{Shorten(failure.Instruction)}' ";
        var output = failure.LastOutput.Count == 0 ? "" : "; its last output:" + string.Concat(failure.LastOutput.Select(l => "\n    " + l));
        var builder = client.Describe();
        ContainerizeException ex;
        if (failure.ExitCode is { } code && failure.Instruction is not null)
        {
            ex = new ContainerizeException(
                HandoffErrors.StepFailed,
                $"{step}{instruction}failed with exit code {code} ({Builder(client)})",
                request.DockerfileDisplayPath, failure.DockerfileLine,
                "fix the command, or reproduce it with the same engine: " + builder + output);
        }
        else
        {
            ex = new ContainerizeException(
                HandoffErrors.BuildFailed,
                $"{step}{instruction}failed: {failure.Message} ({Builder(client)})".Replace("  ", " ", StringComparison.Ordinal),
                request.DockerfileDisplayPath, failure.DockerfileLine,
                "the engine's message is above; " + builder + output);
        }

        ex.Data["BuildFailure"] = failure;
        return ex;
    }

    private static string Builder(EngineClient client) => client.Builder switch
    {
        BuilderKind.Buildx => "BuildKit via buildx",
        BuilderKind.BuildKit => "BuildKit",
        BuilderKind.Classic => "classic builder",
        _ => "podman",
    };

    private static string Shorten(string text) => text.Length <= 120 ? text : text[..117] + "...";

    private static async Task<string> ReadImageIdAsync(string iidFile, BuildOutputParser parser, EngineClient client, CancellationToken ct)
    {
        if (File.Exists(iidFile) && (await File.ReadAllTextAsync(iidFile, ct)).Trim() is { Length: > 0 } id)
        {
            return id.StartsWith("sha256:", StringComparison.Ordinal) ? id : "sha256:" + id;
        }

        throw new ContainerizeException(
            HandoffErrors.NoImageId,
            $"the build succeeded but {client.Path} reported no image ID{(parser.ImageId is null ? "" : $" (it printed {parser.ImageId})")}",
            hint: "the client may be too old for --iidfile (Docker 17.06+, podman 1.0+); upgrade it");
    }

    private static async Task<string?> ReadMetadataDigestAsync(string metadataFile, CancellationToken ct)
    {
        if (!File.Exists(metadataFile)) return null;
        using var doc = JsonDocument.Parse(await File.ReadAllBytesAsync(metadataFile, ct));
        return doc.RootElement.TryGetProperty("containerimage.digest", out var d) ? d.GetString() : null;
    }

    /// <summary>docker push prints <c>TAG: digest: sha256:... size: N</c>; the digest of the last tag is the manifest's.</summary>
    internal static async Task<string?> DockerPushAsync(EngineClient client, IReadOnlyList<string> tags, IReadOnlyDictionary<string, string?>? env, IDiagnosticSink sink, CancellationToken ct)
    {
        string? digest = null;
        foreach (var tag in tags)
        {
            var push = await EngineProcess.RunAsync(client.Path, ["push", tag], env, null, (line, _) => sink.Info(line), ct);
            if (push.ExitCode != 0) throw PushFailed(tag, push);
            digest = push.StdOut.Select(l => PushDigest().Match(l)).LastOrDefault(m => m.Success)?.Groups["digest"].Value ?? digest;
        }

        return digest;
    }

    private static ContainerizeException PushFailed(string tag, EngineProcessResult push) => new(
        HandoffErrors.PushFailed,
        $"pushing {tag} failed: {EngineLocator.FirstLine(push.StdErrText) ?? EngineLocator.FirstLine(push.StdOutText) ?? "exit code " + push.ExitCode}",
        hint: "log in (docker login / podman login), check the registry address, and for a registry without TLS configure it as insecure in the engine");

    [GeneratedRegex(@"digest: (?<digest>sha256:[0-9a-f]{64})")]
    private static partial Regex PushDigest();

    internal static async Task ExtractAsync(Func<Stream, CancellationToken, Task> writeTar, string directory, CancellationToken ct)
    {
        using var server = new AnonymousPipeServerStream(PipeDirection.Out);
        using var reader = new AnonymousPipeClientStream(PipeDirection.In, server.ClientSafePipeHandle);
        var produce = Task.Run(async () =>
        {
            try
            {
                await writeTar(server, ct);
            }
            finally
            {
                server.Dispose();
            }
        }, ct);
        await TarFile.ExtractToDirectoryAsync(reader, directory, overwriteFiles: false, ct);
        await reader.CopyToAsync(Stream.Null, ct);
        await produce;
    }

    private static Dictionary<string, string?> Merge(IReadOnlyDictionary<string, string?>? a, IReadOnlyDictionary<string, string?> b)
    {
        var merged = new Dictionary<string, string?>(StringComparer.Ordinal);
        if (a is not null) foreach (var (k, v) in a) merged[k] = v;
        foreach (var (k, v) in b) merged[k] = v;
        return merged;
    }
}
