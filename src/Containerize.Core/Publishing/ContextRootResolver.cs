
namespace Containerize.Core.Publishing;

/// <summary>
/// ContainerBuildContext's default: the folder of the solution being built, else the nearest folder above the project
/// that holds a <c>.git</c> or a solution file (the repository), else the project's folder. ProjectReferences then sit
/// inside the context, as Container mode's restore layer needs.
/// </summary>
public static class ContextRootResolver
{
    public static string Resolve(string? explicitContext, string? solutionDirectory, string projectDirectory)
    {
        if (!string.IsNullOrWhiteSpace(explicitContext)) return Path.GetFullPath(explicitContext, projectDirectory);
        var project = Path.GetFullPath(projectDirectory);
        if (!string.IsNullOrWhiteSpace(solutionDirectory) && solutionDirectory != "*Undefined*")
        {
            var solution = Path.GetFullPath(solutionDirectory);
            if (IsUnder(project, solution)) return Path.TrimEndingDirectorySeparator(solution);
        }

        for (var d = new DirectoryInfo(project); d is not null; d = d.Parent)
        {
            if (Directory.Exists(Path.Combine(d.FullName, ".git")) || File.Exists(Path.Combine(d.FullName, ".git"))) return d.FullName;
            if (d.EnumerateFiles("*.sln").Any() || d.EnumerateFiles("*.slnx").Any()) return d.FullName;
        }

        return Path.TrimEndingDirectorySeparator(project);
    }

    private static bool IsUnder(string path, string folder)
    {
        var rel = Path.GetRelativePath(folder, path);
        return rel == "." || (!rel.StartsWith("..", StringComparison.Ordinal) && !Path.IsPathRooted(rel));
    }
}
