using System.Text;
using Containerize.Core.Diagnostics;
using static Containerize.Core.Generation.DockerfileSyntax;

namespace Containerize.Core.Generation;

/// <summary>
/// Writes the Dockerfile of a <see cref="ContainerPlan"/>: readable, commented and valid for <c>docker build</c> as it is.
/// Host mode has only the final stage over a staged context; Container mode adds a build stage that restores (from the
/// project files alone, for a stable restore layer) and publishes in the SDK image.
/// </summary>
public static class DockerfileWriter
{
    /// <summary>Where Host mode stages its context, relative to the project folder.</summary>
    public const string HostContextDirectory = "obj/container/context";

    private const string NuGetCacheMount = "--mount=type=cache,id=nuget,target=/root/.nuget/packages";
    private const string CaBundleMount = "--mount=type=secret,id=" + ContainerModeBuild.CaBundleSecretId + ",target=" + ContainerModeBuild.CaBundleTarget;
    private const string LocalPackagesMount = "--mount=type=bind,from=" + ContainerModeBuild.LocalPackagesContext + ",target=" + ContainerModeBuild.LocalPackagesTarget;
    private const string PublishFolder = "/app/publish";

    /// <summary>Host mode: FROM the runtime base, one COPY per layer of <paramref name="layers"/>, then the configuration.</summary>
    public static string WriteHostMode(ContainerPlan plan, LayerPlan layers)
    {
        var w = new Writer();
        Header(w, plan);
        w.Line($"# Build context: the staged folder {HostContextDirectory}/ of the project, which holds the publish output");
        w.Line("# split into one sub-folder per layer (a .dockerignore excluding bin/ and obj/ elsewhere does not apply to it).");
        w.Line("# Host mode: the app was published on the host; this image adds it to the runtime image.");
        w.Blank();
        w.Line($"FROM {plan.BaseImage}");
        foreach (var layer in layers.Layers)
        {
            w.Blank();
            w.Line($"# {layer.Description} ({layer.Files.Count} file{(layer.Files.Count == 1 ? "" : "s")})");
            w.Line($"COPY {JsonArray([layer.Name + "/", plan.WorkingDirectory])}");
        }

        // After the copies, which made the folder: WORKDIR then never asks whether the base has it, so the image does
        // not depend on the base's files and a publish need not download them.
        w.Blank();
        w.Line($"WORKDIR {plan.WorkingDirectory}");

        Configuration(w, plan);
        return w.ToString();
    }

    /// <summary>Container mode: the multi-stage Dockerfile whose context is <see cref="ProjectModel.ContextRoot"/>.</summary>
    public static string WriteContainerMode(ContainerPlan plan, string? dockerfileRelativePath = null)
    {
        var p = plan.Project;
        var projectRel = Relative(p, p.ProjectPath);
        var w = new Writer();
        Header(w, plan);
        var localSource = !string.IsNullOrEmpty(p.Container.ContainerRestoreLocalSource);
        var dockerfileArg = dockerfileRelativePath ?? Path.GetDirectoryName(projectRel)!.Replace('\\', '/') + "/Dockerfile";
        w.Line($"# Build context: the repository root, the folder that holds {projectRel}:");
        w.Line(localSource
            ? $"#   docker buildx build -f {dockerfileArg} --build-context {ContainerModeBuild.LocalPackagesContext}=LOCAL-PACKAGE-FOLDER ."
            : $"#   docker build -f {dockerfileArg} .");
        if (p.Container.ContainerRestoreCaBundleSecret)
        {
            w.Line($"# Behind a TLS-inspecting proxy add --secret id={ContainerModeBuild.CaBundleSecretId},src=/etc/ssl/certs/ca-certificates.crt (used by restore only).");
        }

        w.Line("# Container mode: restore and publish run in the .NET SDK image; the final image holds only the published app.");
        w.Blank();
        if (localSource)
        {
            w.Line($"# ---- {ContainerModeBuild.LocalPackagesContext}: empty unless the named build context of this name brings a local");
            w.Line("# package folder (a named context replaces the stage of its name); restore reads it as an extra source.");
            w.Line($"FROM scratch AS {ContainerModeBuild.LocalPackagesContext}");
            w.Blank();
        }

        w.Line("# ---- build: restore, then publish, in the .NET SDK image");
        w.Line($"FROM {plan.SdkImage} AS build");
        BuildArgs(w, plan);
        w.Line("WORKDIR /src");
        if (p.PublishAot)
        {
            w.Blank();
            w.Line("# Native AOT links with the platform toolchain, which the SDK image does not ship.");
            w.Line(plan.SdkImage.Contains("alpine", StringComparison.Ordinal)
                ? "RUN apk add --no-cache clang build-base zlib-dev"
                : "RUN apt-get update && apt-get install -y --no-install-recommends clang zlib1g-dev && rm -rf /var/lib/apt/lists/*");
        }

        w.Blank();
        w.Line("# Only what restore reads (project files of the whole ProjectReference closure, MSBuild and NuGet settings),");
        w.Line("# so that the restore layer is reused until a project or package reference changes.");
        foreach (var group in RestoreInputs(p).GroupBy(f => Dir(f), StringComparer.Ordinal))
        {
            w.Line($"COPY {JsonArray([.. group, group.Key.Length == 0 ? "./" : group.Key + "/"])}");
        }

        var properties = PublishProperties(plan);
        var restoreMounts = NuGetCacheMount + (p.Container.ContainerRestoreCaBundleSecret ? " " + CaBundleMount : "");
        var restoreOnlyMounts = localSource ? " \\\n    " + LocalPackagesMount : "";
        var restoreSources = localSource ? " -p:RestoreAdditionalProjectSources=" + ContainerModeBuild.LocalPackagesTarget : "";
        w.Line($"RUN {restoreMounts}{restoreOnlyMounts} \\");
        w.Line($"    dotnet restore {ShellWord(projectRel)}{properties}{restoreSources}");
        w.Blank();
        w.Line("# The rest of the sources; the .dockerignore keeps bin/, obj/ and secrets out.");
        w.Line("COPY . .");
        w.Line("# publish restores nothing (--no-restore): the packages are already in the cache mount.");
        w.Line($"RUN {NuGetCacheMount} \\");
        w.Line($"    dotnet publish {ShellWord(projectRel)} -c Release -o {PublishFolder} --no-restore -p:ContainerBuild=false{properties}");
        w.Blank();
        w.Line("# ---- final: the runtime image and the published app");
        w.Line($"FROM {plan.BaseImage} AS final");
        w.Line($"WORKDIR {plan.WorkingDirectory}");
        w.Line("# One layer: the publish output is only known inside the build stage (Host mode splits it into dependency layers).");
        w.Line($"COPY --from=build {JsonArray([PublishFolder + "/", plan.WorkingDirectory])}");
        Configuration(w, plan);
        return w.ToString();
    }

    /// <summary>The files Container mode copies before restoring, relative to the context, '/'-separated and sorted.</summary>
    public static IReadOnlyList<string> RestoreInputs(ProjectModel p)
    {
        var files = p.RestoreFiles.Select(f => Relative(p, f)).Order(StringComparer.Ordinal).ToList();
        files.AddRange(p.ProjectReferences.Append(p.ProjectPath).Select(f => Relative(p, f)).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal));
        return files.Distinct(StringComparer.Ordinal).ToList();
    }

    private static string PublishProperties(ContainerPlan plan)
    {
        var p = plan.Project;
        var b = new StringBuilder();
        if (plan.PublishForRuntimeIdentifier)
        {
            b.Append(" -r ").Append(ShellWord(plan.RuntimeIdentifier));
            b.Append(" -p:SelfContained=").Append(p.IsSelfContained ? "true" : "false");
        }

        if (p.PublishAot) b.Append(" -p:PublishAot=true");
        if (p.PublishTrimmed) b.Append(" -p:PublishTrimmed=true");
        return b.ToString();
    }

    private static void Header(Writer w, ContainerPlan plan)
    {
        var p = plan.Project;
        w.Line($"# Generated by Containerize for {Path.GetFileName(p.ProjectPath)} ({p.TargetFramework}, {plan.RuntimeIdentifier}): regenerate it rather than edit it.");
        w.Line($"# Base image: {plan.Base.Reference}{(plan.Base.IsInferred ? " (inferred as the .NET SDK infers it)" : " (ContainerBaseImage)")}.");
    }

    private static void BuildArgs(Writer w, ContainerPlan plan)
    {
        // Only the names: values are passed at build time and never written into the file.
        foreach (var arg in plan.BuildArgs) w.Line($"ARG {arg.Name}");
    }

    private static void Configuration(Writer w, ContainerPlan plan)
    {
        w.Blank();
        w.Line("# Configuration, as the .NET SDK computes it from the project's Container* properties and items.");
        if (plan.Ports.Count > 0) w.Line("EXPOSE " + string.Join(' ', plan.Ports));
        Pairs(w, "ENV", plan.Environment.Select(e => (e.Name, e.Value)));
        Pairs(w, "LABEL", plan.Labels.Select(l => (Quote(l.Name), l.Value)));
        if (plan.User is not null) w.Line("USER " + plan.User);
        if (plan.Entrypoint.Count > 0) w.Line("ENTRYPOINT " + JsonArray(plan.Entrypoint));
        if (plan.Cmd.Count > 0) w.Line("CMD " + JsonArray(plan.Cmd));
    }

    private static void Pairs(Writer w, string instruction, IEnumerable<(string Key, string Value)> pairs)
    {
        var list = pairs.ToList();
        for (var i = 0; i < list.Count; i++)
        {
            var prefix = i == 0 ? instruction + " " : new string(' ', instruction.Length + 1);
            w.Line($"{prefix}{list[i].Key}={Quote(list[i].Value)}{(i < list.Count - 1 ? " \\" : "")}");
        }
    }

    private static string Relative(ProjectModel p, string path)
    {
        var root = Path.GetFullPath(p.ContextRoot);
        var rel = Path.GetRelativePath(root, Path.GetFullPath(path, root)).Replace('\\', '/');
        if (rel == ".." || rel.StartsWith("../", StringComparison.Ordinal) || Path.IsPathRooted(rel))
        {
            throw new ContainerizeException(GenerationErrors.OutsideContext, $"'{path}' is outside the build context {root}", p.ProjectPath,
                hint: "the context root (the solution or repository folder) must hold every referenced project and restore file");
        }

        return rel;
    }

    private static string Dir(string relative)
    {
        var slash = relative.LastIndexOf('/');
        return slash < 0 ? "" : relative[..slash];
    }

    private sealed class Writer
    {
        private readonly StringBuilder _b = new();

        public void Line(string text) => _b.Append(text).Append('\n');

        public void Blank() => _b.Append('\n');

        public override string ToString() => _b.ToString();
    }
}
