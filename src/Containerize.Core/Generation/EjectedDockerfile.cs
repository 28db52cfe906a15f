
namespace Containerize.Core.Generation;

/// <summary>A file to write beside the project: its full path and its text.</summary>
public sealed record GeneratedFile(string Path, string Text);

/// <summary>
/// ContainerWriteDockerfile=true: the Container-mode Dockerfile next to the project as <c>Dockerfile</c>, its
/// <c>Dockerfile.dockerignore</c>, and a root <c>.dockerignore</c> when the context has none. Nothing is overwritten
/// but the generated Dockerfile and its ignore file.
/// </summary>
public sealed record EjectedDockerfile(GeneratedFile Dockerfile, GeneratedFile DockerfileIgnore, GeneratedFile? RootIgnore)
{
    public static EjectedDockerfile Create(ContainerPlan plan)
    {
        var p = plan.Project;
        var dockerfilePath = Path.Combine(p.ProjectDirectory, "Dockerfile");
        var relDockerfile = Path.GetRelativePath(Path.GetFullPath(p.ContextRoot), dockerfilePath).Replace('\\', '/');
        var text = DockerfileWriter.WriteContainerMode(plan, relDockerfile);
        var ignore = IgnoreFiles.DockerignoreText(relDockerfile);
        var rootIgnorePath = Path.Combine(Path.GetFullPath(p.ContextRoot), ".dockerignore");
        return new EjectedDockerfile(
            new GeneratedFile(dockerfilePath, text),
            new GeneratedFile(dockerfilePath + ".dockerignore", ignore),
            File.Exists(rootIgnorePath) ? null : new GeneratedFile(rootIgnorePath, IgnoreFiles.RootDockerignoreText(relDockerfile)));
    }

    public IEnumerable<GeneratedFile> Files => RootIgnore is null ? [Dockerfile, DockerfileIgnore] : [Dockerfile, DockerfileIgnore, RootIgnore];

    /// <summary>Writes each file atomically; unchanged files are left alone so their timestamps do not move.</summary>
    public async Task WriteAsync(CancellationToken cancellationToken)
    {
        foreach (var f in Files) await OutputFiles.WriteTextIfChangedAsync(f.Path, f.Text, cancellationToken);
    }
}
